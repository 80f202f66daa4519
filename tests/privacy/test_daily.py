"""The daily purge inside the service, on both engines with two instances (two connection pools) on one
database: exactly one does the day's work however they race; a failure gives the day back, is retried and never
stops the thread; before PURGE_HOUR nothing runs. It also expires conversation memory and idempotency records."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.cases.models import Case, CaseEvent
from app.conversations.models import ConversationTurn
from app.core.clock import SHOP_TZ
from app.core.content.policy import Policies, load_policies
from app.db.session import Database
from app.http.idempotency import IdempotencyRecord
from app.privacy import daily
from app.privacy.daily import JOB, DailyPurge
from app.privacy.models import MaintenanceLease, PrivacyLog
from app.settings import PROJECT_ROOT
from tests.dbs import ENGINES, fresh_database

NOW = datetime(2026, 12, 8, 5, 0, tzinfo=SHOP_TZ)  # after a PURGE_HOUR of 4
POLICIES = load_policies(PROJECT_ROOT)


@pytest.fixture(params=ENGINES)
def two_instances(request, tmp_path):  # type: ignore[no-untyped-def]
    with fresh_database(request.param, tmp_path) as url:
        a, b = Database(url), Database(url)
        yield a, b
        a.dispose()
        b.dispose()


def seed(db: Database) -> None:
    """An old closed case with a buyer's message, an old conversation turn, an old idempotency record."""
    old = NOW - timedelta(days=200)
    with db.unit_of_work() as s:
        case = Case(shop_id="d-shop", intent="lost_parcel", status="closed", created_at=old, updated_at=old)
        s.add(case)
        s.flush()
        s.add(CaseEvent(case_id=case.id, type="message_received", at=old, data={"message": "电话13812345678"}))
        s.add(ConversationTurn(shop_id="d-shop", conversation_id="c1", role="buyer", text="旧话", at=old))
        s.add(IdempotencyRecord(key="k:old", request_hash="h", status_code=200, body="{}", created_at=old))


def slow_policies() -> Policies:
    time.sleep(0.3)  # inside the purge: the other instance looks while this one holds the lease
    return POLICIES


def test_two_instances_racing_do_the_days_work_once(two_instances):
    a, b = two_instances
    seed(a)
    instances = [DailyPurge(db, slow_policies, hour=4, memory_hours=24) for db in (a, b, a, b)]
    start = threading.Barrier(len(instances))
    results: list[object] = [None] * len(instances)

    def run(i: int) -> None:
        start.wait()
        results[i] = instances[i].run_once(NOW)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(instances))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    done = [r for r in results if r is not None]
    assert len(done) == 1
    report = done[0].as_dict()  # type: ignore[attr-defined]
    assert report["shops"]["d-shop"]["cases"] == 1 and report["turns_expired"] == 1
    assert report["idempotency_expired"] == 1
    with a.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(PrivacyLog).where(PrivacyLog.shop_id == "d-shop")) == 1
        lease = s.get(MaintenanceLease, JOB)
        assert lease is not None and lease.done_on == "2026-12-08" and lease.holder is None
        event = s.scalars(select(CaseEvent)).one()
        assert event.data == {"purged": True}
    # Done for the day: later looks on any instance do nothing, until the next day.
    assert all(i.run_once(NOW + timedelta(hours=3)) is None for i in instances)
    assert instances[0].run_once(NOW + timedelta(days=1)) is not None


def test_nothing_runs_before_the_hour(two_instances):
    a, _ = two_instances
    seed(a)
    assert DailyPurge(a, lambda: POLICIES, hour=6, memory_hours=24).run_once(NOW) is None
    with a.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(MaintenanceLease)) == 0


def test_a_failure_gives_the_day_back_and_the_next_look_does_it(two_instances):
    a, b = two_instances
    seed(a)

    def broken() -> Policies:
        raise RuntimeError("content unreadable")

    with pytest.raises(RuntimeError):
        DailyPurge(a, broken, hour=4, memory_hours=24).run_once(NOW)
    with a.unit_of_work() as s:
        lease = s.get(MaintenanceLease, JOB)
        assert lease is not None and lease.failed and lease.holder is None and lease.done_on is None
        assert s.scalars(select(CaseEvent)).one().data["message"]  # rolled back: nothing half-purged
    assert DailyPurge(b, lambda: POLICIES, hour=4, memory_hours=24).run_once(NOW) is not None


def test_the_thread_survives_a_failure_and_retries(two_instances, monkeypatch):
    a, _ = two_instances
    seed(a)
    monkeypatch.setattr(daily, "TICK", 0.05)
    monkeypatch.setattr(daily, "RETRY", 0.05)
    calls = []

    def flaky() -> Policies:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first try fails")
        return POLICIES

    purger = DailyPurge(a, flaky, hour=0, memory_hours=24)
    purger.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with a.unit_of_work() as s:
                lease = s.get(MaintenanceLease, JOB)
                if lease is not None and lease.done_on is not None:
                    break
            time.sleep(0.05)
    finally:
        purger.stop()
    assert len(calls) == 2 and lease is not None and lease.done_on is not None
