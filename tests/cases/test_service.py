"""The case rules against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest

from app.cases import repository as repo
from app.cases import service
from app.core.clock import SHOP_TZ
from app.errors import Conflict, NotFound

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=SHOP_TZ)


def new_case(db, intent="damaged", **kw):
    conversation = kw.pop("conversation_id", f"c-{uuid.uuid4().hex[:8]}")
    with db.unit_of_work() as s:
        case, created = service.open_or_find(
            s,
            shop_id=kw.pop("shop_id", "shop-t"),
            scope=None,
            intent=intent,
            now=NOW,
            conversation_id=conversation,
            **kw,
        )
        assert created
        return case.id, conversation


def test_open_or_find_returns_the_active_case(database):
    case_id, conversation = new_case(database)
    with database.unit_of_work() as s:
        again, created = service.open_or_find(
            s, shop_id="shop-t", scope=None, intent="damaged", now=NOW, conversation_id=conversation
        )
        assert (again.id, created) == (case_id, False)
        other, created = service.open_or_find(
            s, shop_id="shop-t", scope=None, intent="missing_item", now=NOW, conversation_id=conversation
        )
        assert created and other.id != case_id  # a second problem in the same conversation is its own case


def test_a_closed_case_is_not_reopened_by_a_new_message(database):
    case_id, conversation = new_case(database)
    with database.unit_of_work() as s:
        case = service.get(s, case_id)
        service.change_status(s, case, "resolved", 1, NOW, "agent")
        service.change_status(s, case, "closed", 2, NOW, "agent")
    with database.unit_of_work() as s:
        fresh, created = service.open_or_find(
            s, shop_id="shop-t", scope=None, intent="damaged", now=NOW, conversation_id=conversation
        )
        assert created and fresh.id != case_id


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        (["resolved", "closed"], "open"),
        (["waiting_buyer"], "closed"),
        ([], "closed"),
    ],
)
def test_illegal_transition_is_409_naming_the_current_status(database, path, illegal):
    case_id, _ = new_case(database)
    with database.unit_of_work() as s:
        case = service.get(s, case_id)
        for version, status in enumerate(path, start=1):
            service.change_status(s, case, status, version, NOW, "agent")
    with database.unit_of_work() as s, pytest.raises(Conflict) as caught:
        case = service.get(s, case_id)
        service.change_status(s, case, illegal, case.version, NOW, "agent")
    current = path[-1] if path else "open"
    assert caught.value.code == "illegal_transition" and f"'{current}'" in caught.value.message


def test_stale_version_is_409_not_an_overwrite(database):
    case_id, _ = new_case(database)
    with database.unit_of_work() as s:
        service.update(s, service.get(s, case_id), 1, NOW, "a", fields={"assignee": "xiaowang"})
    with database.unit_of_work() as s, pytest.raises(Conflict) as caught:
        service.update(s, service.get(s, case_id), 1, NOW, "b", fields={"assignee": "xiaoli"})
    assert caught.value.code == "stale_version"
    with database.unit_of_work() as s:
        assert service.get(s, case_id).assignee == "xiaowang"


def test_two_agents_who_saw_the_same_version_one_wins(database):
    """Both loaded version 1 and submit at once: exactly one lands, the other gets 409 (no lost update)."""
    case_id, _ = new_case(database)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(name: str) -> None:
        barrier.wait(timeout=10)
        try:
            with database.unit_of_work() as s:
                service.update(s, service.get(s, case_id), 1, NOW, name, fields={"assignee": name})
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    with database.unit_of_work() as s:
        assert service.get(s, case_id).version == 2


def test_eight_agents_writing_200_events_each_all_land(database):
    case_id, _ = new_case(database)
    errors: list[BaseException] = []

    def agent(n: int) -> None:
        try:
            for i in range(200):
                with database.unit_of_work() as s:
                    case = service.get(s, case_id)
                    service.add_event(s, case, "note", NOW, actor=f"agent-{n}", data={"text": f"{n}-{i}"})
        except BaseException as exc:  # noqa: BLE001 - reported below with the count
            errors.append(exc)

    threads = [threading.Thread(target=agent, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.unit_of_work() as s:
        assert repo.count_events(s, case_id) == 1600


def test_evidence_checklist_and_follow_ups(database):
    case_id, _ = new_case(database)
    with database.unit_of_work() as s:
        case = service.get(s, case_id)
        service.request_evidence(s, case, ["box_photos", "item_photos"], NOW)
        service.request_evidence(s, case, ["box_photos"], NOW)  # asking again adds nothing
        service.receive_evidence(s, case, "box_photos", NOW, "agent")
        follow_up = service.set_follow_up(s, case, "补发单号留言", NOW + timedelta(hours=2), NOW, "agent")
    with database.unit_of_work() as s:
        case = service.get(s, case_id)
        assert service.received_evidence(case) == {"box_photos"}
        assert [e.evidence_id for e in case.evidence] == ["box_photos", "item_photos"]
        overdue, total = repo.overdue_follow_ups(
            s, repo.CaseFilter(("shop-t",)), NOW + timedelta(hours=3), None, 1, 100
        )
        assert follow_up.id in [f.id for f, _ in overdue] and total >= 1
        service.complete_follow_up(s, follow_up.id, NOW, "agent")
    with database.unit_of_work() as s, pytest.raises(Conflict):
        service.complete_follow_up(s, follow_up.id, NOW, "agent")
    with database.unit_of_work() as s:
        types = [e.type for e in repo.timeline(s, case_id)]
        assert types == ["evidence_requested", "evidence_received", "follow_up_set", "follow_up_done"]


def test_unknown_case_is_not_found(database):
    with database.unit_of_work() as s, pytest.raises(NotFound):
        service.get(s, 10**9)


def test_times_come_back_as_the_same_instant_on_every_engine(database):
    shanghai_evening = datetime(2026, 9, 30, 23, 30, tzinfo=SHOP_TZ)  # already 1 October nowhere near UTC midnight
    with database.unit_of_work() as s:
        case, _ = service.open_or_find(
            s,
            shop_id="shop-t",
            scope=None,
            intent="lost_parcel",
            now=shanghai_evening,
            conversation_id=f"c-{uuid.uuid4().hex[:8]}",
        )
        case_id = case.id
    with database.unit_of_work() as s:
        stored = service.get(s, case_id).created_at
    assert stored == shanghai_evening and stored.tzinfo is not None
    assert stored.astimezone(SHOP_TZ).date().isoformat() == "2026-09-30"


def test_a_naive_time_is_refused(database):
    with pytest.raises(Exception, match="naive datetime"), database.unit_of_work() as s:
        service.open_or_find(
            s,
            shop_id="shop-t",
            scope=None,
            intent="damaged",
            now=datetime(2026, 11, 22, 12),
            conversation_id=f"c-{uuid.uuid4().hex[:8]}",
        )
