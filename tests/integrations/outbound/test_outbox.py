"""The outbox on SQLite and PostgreSQL, through the services: an event is written in the transaction of its
change (a rolled-back change leaves none), follow-ups become due and overdue events once each, and a delivery
is checked against the address policy again when it is sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.cases import service as cases
from app.db.session import Database
from app.integrations.outbound import scanner
from app.integrations.outbound import service as outbound
from app.integrations.outbound.delivery import Policy, backoff, deliver_due
from app.integrations.outbound.models import OutboundDelivery, OutboundEvent
from tests.dbs import ENGINES, fresh_database
from tests.integrations.outbound.receivers import Receiver

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=ENGINES)
def database(request, tmp_path_factory) -> Iterator[Database]:
    """A database of this module's own: a test server elsewhere in the suite may run a worker on the shared one,
    and it would take (and scan) what these tests want to take and scan themselves."""
    with fresh_database(request.param, tmp_path_factory.mktemp("outbox")) as url:
        db = Database(url)
        yield db
        db.dispose()


def shop_with_target(db: Database, url: str = "http://127.0.0.1:9/hook", events: list[str] | None = None) -> str:
    shop = f"ox-{uuid.uuid4().hex[:8]}"
    with db.unit_of_work() as s:
        outbound.create_target(
            s,
            shop_id=shop,
            kind="webhook",
            url=url,
            secret=None,
            events=events,
            label=None,
            by="test",
            now=NOW,
            allow_private=True,
        )
    return shop


def events_of(db: Database, shop: str) -> list[OutboundEvent]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(OutboundEvent).where(OutboundEvent.shop_id == shop).order_by(OutboundEvent.at)))


class Boom(Exception):
    pass


def test_a_rolled_back_change_leaves_no_event_and_a_committed_one_leaves_one(database):
    shop = shop_with_target(database)
    with pytest.raises(Boom), database.unit_of_work() as s:
        cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="rollback")
        assert s.scalar(select(func.count()).select_from(OutboundEvent).where(OutboundEvent.shop_id == shop)) == 1
        raise Boom  # e.g. a later step of the same request fails
    assert events_of(database, shop) == []
    with database.unit_of_work() as s:
        case, _ = cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="kept")
    (event,) = events_of(database, shop)
    assert event.type == "case.opened" and event.case_id == case.id and event.payload["data"]["case"]["id"] == case.id
    with database.unit_of_work() as s:
        (d,) = s.scalars(select(OutboundDelivery).where(OutboundDelivery.event_id == event.id))
        assert d.status == "pending" and d.attempts == 0


def test_a_shop_without_targets_writes_nothing(database):
    shop = f"none-{uuid.uuid4().hex[:8]}"
    with database.unit_of_work() as s:
        cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="x")
    assert events_of(database, shop) == []


def test_follow_ups_become_due_then_overdue_once_each(database):
    shop = shop_with_target(database, events=["followup.due", "followup.overdue"])
    with database.unit_of_work() as s:
        case, _ = cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="f")
        follow_up = cases.set_follow_up(s, case, "回访 13812345678", NOW + timedelta(minutes=30), NOW, "小王")
        case_id, follow_up_id = case.id, follow_up.id
    lead = timedelta(minutes=60)
    for _ in range(2):  # a second scan (or a second instance) adds nothing
        with database.unit_of_work() as s:
            scanner.scan(s, NOW, lead)
    assert [e.type for e in events_of(database, shop)] == ["followup.due"]
    for _ in range(2):
        with database.unit_of_work() as s:
            scanner.scan(s, NOW + timedelta(minutes=31), lead)
    got = events_of(database, shop)
    assert [e.type for e in got] == ["followup.due", "followup.overdue"]
    data = got[1].payload["data"]
    assert data["follow_up"]["id"] == follow_up_id and data["case"]["id"] == case_id
    assert "13812345678" not in str(got[1].payload)  # the agent's free text leaves with phones masked

    # Moved to a new time: a new promise, announced again; done: never again.
    with database.unit_of_work() as s:
        f = next(f for f in cases.get(s, case_id).follow_ups if f.id == follow_up_id)
        f.due_at = NOW + timedelta(hours=2)
    with database.unit_of_work() as s:
        scanner.scan(s, NOW + timedelta(hours=2, minutes=1), lead)
    assert [e.type for e in events_of(database, shop)][-1] == "followup.overdue" and len(events_of(database, shop)) == 3
    with database.unit_of_work() as s:
        cases.complete_follow_up(s, follow_up_id, NOW + timedelta(hours=3), "小王")
    with database.unit_of_work() as s:
        assert scanner.scan(s, NOW + timedelta(hours=3), lead) == 0


def test_two_instances_racing_emit_once(database, monkeypatch):
    """The other instance's insert landed after our check: our insert breaks the unique key inside its savepoint
    and is dropped, and the rest of the scan still commits."""
    shop = shop_with_target(database, events=["followup.overdue"])
    with database.unit_of_work() as s:
        case, _ = cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="r")
        cases.set_follow_up(s, case, "回访一", NOW - timedelta(minutes=5), NOW, None)
    with database.unit_of_work() as s:
        assert scanner.scan(s, NOW, timedelta(0)) == 1
    with database.unit_of_work() as s:
        cases.set_follow_up(s, cases.get(s, case.id), "回访二", NOW - timedelta(minutes=1), NOW, None)
    monkeypatch.setattr(scanner, "_seen", lambda s, keys: set())  # as if the first event were not committed yet
    with database.unit_of_work() as s:
        assert scanner.scan(s, NOW, timedelta(0)) == 1  # only the second follow-up's event is new
    got = events_of(database, shop)
    assert sorted(e.payload["data"]["follow_up"]["what"] for e in got) == ["回访一", "回访二"]


def test_follow_ups_overdue_before_the_horizon_are_not_announced(database):
    shop = shop_with_target(database, events=["followup.overdue"])
    with database.unit_of_work() as s:
        case, _ = cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="old")
        cases.set_follow_up(s, case, "回访", NOW - timedelta(days=3), NOW, None)
    with database.unit_of_work() as s:
        scanner.scan(s, NOW, timedelta(minutes=60))
    assert events_of(database, shop) == []


def test_the_address_is_checked_again_at_delivery(database):
    """Saved while allowed (or while the name pointed elsewhere), sent under a policy that refuses loopback: the
    receiver gets nothing and the delivery fails at once with our reason."""
    rx = Receiver()
    try:
        shop = shop_with_target(database, url=rx.url + "/hook")
        with database.unit_of_work() as s:
            cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=NOW, conversation_id="rebind")
        while deliver_due(database, Policy(allow_private=False), lambda: datetime.now(UTC)):
            pass
        assert rx.received == []
        with database.unit_of_work() as s:
            (d,) = s.scalars(select(OutboundDelivery).where(OutboundDelivery.shop_id == shop))
            assert d.status == "failed" and d.attempts == 1
            assert "OUTBOUND_ALLOW_PRIVATE" in (d.log[0].error or "") and d.log[0].status_code is None
    finally:
        rx.close()


def test_a_delivery_is_due_by_the_wall_clock_not_by_a_stated_now(database):
    """/v1/suggest may state its own ``now``: the event keeps it, the delivery is due at once."""
    shop = shop_with_target(database)
    later = datetime.now(UTC) + timedelta(days=365)
    with database.unit_of_work() as s:
        cases.open_or_find(s, shop_id=shop, scope=None, intent="damaged", now=later, conversation_id="future")
    (event,) = events_of(database, shop)
    assert event.at == later
    with database.unit_of_work() as s:
        (d,) = s.scalars(select(OutboundDelivery).where(OutboundDelivery.shop_id == shop))
        assert d.next_at is not None and d.next_at <= datetime.now(UTC)


def test_backoff_doubles_up_to_the_cap():
    policy = Policy(retry_seconds=30, retry_cap_seconds=300)
    assert [backoff(n, policy).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert backoff(10_000, policy).total_seconds() == 300
