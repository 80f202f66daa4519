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
without this every address that ever failed left a row behind for good.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.auth import repository as repo
from app.db.session import Database
from app.errors import Unavailable

log = logging.getLogger("app.auth")


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
    ) -> None:
        self.db, self.limit, self.window_seconds = db, limit, window_seconds
        self.slice = max(1, min(limit // 20, max_slice))
        self.clock = clock
        self._local: dict[str, _Local] = {}
        self._lock = threading.Lock()
        self._current = -1  # the window this instance last saw; a new one triggers the clean-up

    def hit(self, subject: str) -> float | None:
        """Spend one request; None if allowed, else the seconds until the window resets (Retry-After)."""
        if self.limit <= 0:
            return None  # 0 turns the limit off
        now = self._tick()
        window = self._window(now)
        with self._lock:
            state = self._local.get(subject)
            if state is None or state.window != window:
                state = self._local[subject] = _Local(window, 0, False)
            if state.left == 0 and not state.exhausted:
                try:
                    state.left = self._lease(subject, window, self.slice)
                except Unavailable:  # the local limit of an outage (module docstring)
                    if state.spent >= self.limit:
                        return self._retry_after(window, now)
                    state.spent += 1
                    return None
                state.exhausted = state.left == 0
            if state.left > 0:
                state.left -= 1
                state.spent += 1
                return None
            return self._retry_after(window, now)

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

    def _lease(self, subject: str, window: int, wanted: int) -> int:
        with self.db.unit_of_work() as s:
            row = repo.locked_window(s, subject, window)
            granted = max(0, min(wanted, self.limit - row.used))
            row.used += granted
            return granted
