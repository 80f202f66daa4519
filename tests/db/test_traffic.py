"""Case traffic that does not stall (issue 19), on both engines: a read holds no write lock, the migration
gives the case routes their indexes, and the rate limiter's memory is bounded and off the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import inspect, select

from app.auth.models import RateWindow
from app.auth.ratelimit import RateLimiter
from app.db.base import POSTGRES_POOL, SQLITE_POOL


def test_a_read_does_not_hold_up_a_writer(database):
    subject = f"read-{uuid.uuid4().hex[:8]}"
    written = threading.Event()

    def write() -> None:
        with database.unit_of_work() as w:
            w.add(RateWindow(subject=subject, window=1, used=1))
        written.set()

    with database.reading() as s:
        assert s.scalars(select(RateWindow).where(RateWindow.subject == subject)).first() is None
        writer = threading.Thread(target=write)
        writer.start()
        # With BEGIN IMMEDIATE for every transaction the writer waited for this read to end (busy timeout 30 s).
        assert written.wait(5), "the writer waited for a read-only transaction"
        if database.engine.dialect.name == "sqlite":  # WAL: the read goes on from the snapshot it started with
            assert s.scalars(select(RateWindow).where(RateWindow.subject == subject)).first() is None
    writer.join()
    with database.reading() as s:
        assert s.scalars(select(RateWindow).where(RateWindow.subject == subject)).one().used == 1


def test_writes_still_take_turns(database):
    """A unit of work that writes still starts with the write lock on SQLite: two that read then write never
    fail with "database is locked" on the upgrade."""
    subject = f"turns-{uuid.uuid4().hex[:8]}"
    with database.unit_of_work() as s:
        s.add(RateWindow(subject=subject, window=1, used=0))

    def bump() -> None:
        for _ in range(20):
            with database.unit_of_work() as s:
                row = s.scalars(select(RateWindow).where(RateWindow.subject == subject).with_for_update()).one()
                row.used += 1

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with database.reading() as s:
        assert s.scalars(select(RateWindow).where(RateWindow.subject == subject)).one().used == 80


def test_the_pool_covers_the_thread_pool(database):
    pool = database.engine.pool
    sizes = SQLITE_POOL if database.engine.dialect.name == "sqlite" else POSTGRES_POOL
    assert pool.size() == sizes["pool_size"]  # type: ignore[attr-defined]
    assert sizes["pool_size"] + sizes["max_overflow"] >= 30


def test_the_migration_gives_the_case_routes_their_indexes(database):
    found = inspect(database.engine)
    follow_ups = {i["name"]: i["column_names"] for i in found.get_indexes("follow_ups")}
    cases = {i["name"]: i["column_names"] for i in found.get_indexes("cases")}
    assert follow_ups["ix_follow_ups_case"] == ["case_id"]
    assert cases["ix_cases_updated"] == ["updated_at", "id"]
    assert cases["ix_cases_shop_updated"] == ["shop_id", "updated_at", "id"]
    evidence = {i["name"]: i["column_names"] for i in found.get_indexes("evidence_items")}
    assert evidence["ix_evidence_items_waiting"] == ["received_at", "requested_at", "case_id"]
    assert "budget_per_minute" in {c["name"] for c in found.get_columns("api_keys")}


def test_the_limiters_memory_is_bounded(database):
    clock = [6_000_000.0]
    limiter = RateLimiter(database, 5, max_slice=1, clock=lambda: clock[0], max_subjects=100)
    prefix = f"flood-{uuid.uuid4().hex[:6]}:"
    for i in range(250):  # a flood of distinct addresses within one window
        assert limiter.hit(f"{prefix}{i}") is None
    assert len(limiter._local) <= 100
    # A subject forgotten early still has its budget in the database: no more than the limit in all.
    again = [limiter.hit(f"{prefix}0") for _ in range(6)]
    assert again.count(None) == 4 and again[-1] is not None
    clock[0] += 60  # a new window: the counters of the last one go
    limiter.hit(f"{prefix}new")
    assert len(limiter._local) == 1


def test_the_event_loop_spends_from_memory_and_leases_in_a_thread(database):
    clock = [7_000_020.0]
    limiter = RateLimiter(database, 100, clock=lambda: clock[0])  # a slice of 5
    subject = f"loop-{uuid.uuid4().hex[:8]}"
    leases: list[str] = []
    lease = limiter._lease

    def recorded(*args: object) -> int:
        leases.append(threading.current_thread().name)
        return lease(*args)  # type: ignore[arg-type]

    limiter._lease = recorded  # type: ignore[method-assign]

    async def spend(n: int) -> list[float | None]:
        return [await limiter.take(subject) for _ in range(n)]

    # The loop in a thread of its own: a browser test's sync Playwright may have left one running in this one.
    with ThreadPoolExecutor(1, thread_name_prefix="event-loop") as loop:

        def run(coro: Any) -> Any:
            return loop.submit(asyncio.run, coro).result()

        assert run(spend(5)) == [None] * 5
        assert len(leases) == 1 and not leases[0].startswith("event-loop")  # the lease ran in a worker thread
        assert run(spend(5)) == [None] * 5 and len(leases) == 2  # four from memory, one lease
        assert run(limiter.take(subject, cost=200)) is not None  # more than the limit: refused
        assert run(limiter.take(subject, cost=90)) is None  # the rest of the window's 100
        assert run(limiter.take(subject)) is not None


def test_requests_that_find_the_slice_spent_wait_for_one_lease(database):
    """At 32 connections every request may find the slice spent at once: one of them leases the next slice,
    the others wait for it and spend from memory, instead of one database write each in turn."""
    limiter = RateLimiter(database, 100)  # a slice of 5
    subject = f"herd-{uuid.uuid4().hex[:8]}"
    leases: list[int] = []
    lease = limiter._lease

    def recorded(*args: Any) -> int:
        time.sleep(0.05)  # a database write that takes a while: the others arrive meanwhile
        granted = lease(*args)
        leases.append(granted)
        return granted

    limiter._lease = recorded  # type: ignore[method-assign]

    async def herd() -> list[float | None]:
        return list(await asyncio.gather(*(limiter.take(subject) for _ in range(5))))

    with ThreadPoolExecutor(1) as loop:
        assert loop.submit(asyncio.run, herd()).result() == [None] * 5
    assert leases == [5]  # one lease of one slice served all five
