"""Fixed-window rate limits shared by every instance, without a database write per request.

Each instance leases a slice of a subject's budget from the ``rate_windows`` row (one short
transaction) and spends it in memory; when the slice runs out it leases again. The sum of all leases
never exceeds the limit, so N instances together never admit more than the limit per window. The
price is that tokens leased by one instance and not spent there are lost to the others until the
next window: at most one slice per instance.

While the database is down no slice can be leased: each instance falls back to a local limit, admitting at
most the whole limit per window on its own (N instances: at most N times the limit until the database is
back). Failing closed would refuse every request of an outage; failing open would leave none limited.

Rows and in-memory counters expire: once per window each instance deletes every subject's rows older
than the previous window (one window of slack for clocks that differ between instances) and forgets
its own counters of past windows. Subjects come and go (a failed key's source address is one), and
without this every address that ever failed left a row behind for good. Within a window the in-memory map is
bounded too (``MAX_SUBJECTS``): a flood of distinct addresses cannot grow it without end. A subject forgotten
early loses only its unspent slice; its budget is in the database.

Nothing here makes the event loop wait on the database (issue 19: with the limit on, two workers' suggest
p99 was 0.2–0.95 s against 9–69 ms with it off). ``take`` spends from the slice in memory on the loop, which
is nearly every request; a lease, or the once-a-window clean-up, goes to a worker thread. The lock guards
the map only, never a database call, so the loop never waits for a thread that is leasing either.

A subject's limit may differ from the limiter's (a key's own budget, its role's default: app/auth/guard.py),
and a request may cost more than one (a batch costs one per message: app/suggest/batch.py).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from anyio import to_thread

from app.auth import repository as repo
from app.db.session import Database
from app.errors import Unavailable

log = logging.getLogger("app.auth")

MAX_SUBJECTS = 50_000  # subjects counted per window in memory; beyond, the oldest tenth is forgotten
_LATER = -1.0  # from _spend: the slice in memory cannot decide, the database must be asked (off the loop)


@dataclass(slots=True)
class _Local:
    window: int
    left: int  # tokens leased and not yet spent here
    exhausted: bool  # the shared budget for this window is gone
    spent: int = 0  # admitted here in this window, leased or (during an outage) counted locally


class RateLimiter:
    def __init__(
        self,
        db: Database,
        limit: int,
        window_seconds: int = 60,
        max_slice: int = 200,
        clock: Callable[[], float] = time.time,
        max_subjects: int = MAX_SUBJECTS,
    ) -> None:
        self.db, self.limit, self.window_seconds = db, limit, window_seconds
        self.max_slice, self.max_subjects = max_slice, max_subjects
        self.slice = self._slice(limit)
        self.clock = clock
        self._local: dict[str, _Local] = {}
        self._lock = threading.Lock()
        self._current = -1  # the window this instance last saw; a new one triggers the clean-up
        # Subjects whose slice is being leased from the event loop's side: one lease at a time per subject.
        # Touched only on the event loop (no lock). Without it, every request that found the slice spent
        # (32 at 32 connections) leased in its own thread, one database write after another: a stall of
        # ~0.6 s every slice, the suggest p99 at 1 worker.
        self._leasing: dict[str, anyio.Event] = {}

    async def take(self, subject: str, cost: int = 1, limit: int | None = None) -> float | None:
        """``hit`` for the event loop: from memory when the leased slice decides, else in a worker thread."""
        limit = self.limit if limit is None else limit
        if limit <= 0:
            return None
        while True:
            decided = self._spend(subject, cost, limit, self.clock(), lease=False)
            if decided != _LATER:
                return decided
            leasing = self._leasing.get(subject)
            if leasing is not None:  # another request is leasing this subject's next slice: wait, then retry
                await leasing.wait()
                continue
            self._leasing[subject] = done = anyio.Event()
            try:
                return await to_thread.run_sync(self.hit, subject, cost, limit)
            finally:
                del self._leasing[subject]
                done.set()

    def hit(self, subject: str, cost: int = 1, limit: int | None = None) -> float | None:
        """Spend ``cost`` requests of ``subject``'s ``limit`` a window (the limiter's when None; 0 turns it
        off): None if allowed, else the seconds until the window resets (Retry-After). May use the database."""
        limit = self.limit if limit is None else limit
        if limit <= 0:
            return None
        return self._spend(subject, cost, limit, self._tick(), lease=True)

    def _spend(self, subject: str, cost: int, limit: int, now: float, *, lease: bool) -> float | None:
        window = self._window(now)
        if window != self._current and not lease:
            return _LATER  # a new window: its clean-up touches the database
        while True:
            with self._lock:
                state = self._state(subject, window)
                if state.left >= cost:
                    state.left -= cost
                    state.spent += cost
                    return None
                if state.exhausted or cost > limit:
                    return self._retry_after(window, now)
                if not lease:
                    return _LATER
                wanted = max(self._slice(limit), cost - state.left)
            # The lease outside the lock: another thread may lease too; both slices land in ``left``.
            try:
                granted = self._lease(subject, window, wanted, limit)
            except Unavailable:  # the local limit of an outage (module docstring)
                with self._lock:
                    state = self._state(subject, window)
                    if state.spent + cost > limit:
                        return self._retry_after(window, now)
                    state.spent += cost
                    return None
            with self._lock:
                state = self._state(subject, window)
                state.left += granted
                state.exhausted = state.exhausted or granted < wanted

    def _state(self, subject: str, window: int) -> _Local:
        """The subject's counters for ``window`` (the caller holds the lock)."""
        state = self._local.get(subject)
        if state is None or state.window != window:
            if state is None and len(self._local) >= self.max_subjects:
                for old in list(self._local)[: max(1, self.max_subjects // 10)]:  # the oldest, in insertion order
                    del self._local[old]
            state = self._local[subject] = _Local(window, 0, False)
        return state

    def _slice(self, limit: int) -> int:
        return max(1, min(limit // 20, self.max_slice))

    def _tick(self) -> float:
        """The time now; on the first call in a new window, forget the past ones here and in the database."""
        now = self.clock()
        window = self._window(now)
        if window != self._current:
            with self._lock:
                stale = window != self._current
                self._current = window
                if stale:
                    self._local = {k: v for k, v in self._local.items() if v.window >= window}
            if stale:
                try:
                    with self.db.unit_of_work() as s:
                        repo.drop_windows_before(s, window - self.window_seconds)
                except Unavailable:
                    pass  # the outage is logged once where it is detected (app/db/health.py); next window retries
                except Exception:  # noqa: BLE001 - housekeeping: the next window's first request tries again
                    log.warning("could not delete expired rate-limit rows; will retry next window", exc_info=True)
        return now

    def _window(self, now: float) -> int:
        return int(now // self.window_seconds) * self.window_seconds

    def _retry_after(self, window: int, now: float) -> float:
        return max(1.0, math.ceil(window + self.window_seconds - now))

    def _lease(self, subject: str, window: int, wanted: int, limit: int) -> int:
        with self.db.unit_of_work() as s:
            row = repo.locked_window(s, subject, window)
            granted = max(0, min(wanted, limit - row.used))
            row.used += granted
            return granted
