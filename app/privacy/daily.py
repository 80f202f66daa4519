"""The daily purge inside the service: once a day, from PURGE_HOUR (shop time), exactly one instance runs it.

Every instance (and every forked worker) has a thread that looks once a minute; the one that claims the day's
lease (a conditional UPDATE of the ``maintenance_leases`` row, app/privacy/repository.py) purges and marks the
day done, the others find it held or done and wait for tomorrow. The same on SQLite and PostgreSQL, with no
lock held during the purge: a holder that dies leaves a lease that runs out after ``LEASE``, and the next
instance to look takes it over. A failure is logged, gives the lease back undone and is tried again after
``RETRY``; it never stops the thread, let alone the service.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from app.core.clock import SHOP_TZ
from app.core.content.policy import Policies
from app.db.session import Database
from app.errors import Unavailable
from app.privacy import repository as repo
from app.privacy.service import PurgeReport, purge

log = logging.getLogger("app.privacy")
JOB = "daily_purge"
LEASE = timedelta(minutes=30)  # longer than any purge takes; a purge run twice is harmless, only wasted
TICK = 60.0  # seconds between looks
RETRY = 15 * 60.0  # seconds after a failure before this instance tries again


class DailyPurge:
    def __init__(self, db: Database, policies: Callable[[], Policies], *, hour: int, memory_hours: float) -> None:
        self.db, self.policies, self.hour, self.memory_hours = db, policies, hour, memory_hours
        self.holder = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._done_on: str | None = None  # known done for this day: no query until the next

    def run_once(self, now: datetime) -> PurgeReport | None:
        """Purge if it is time, today's run is not done and this instance wins the lease; the report, or None
        when there was nothing for this instance to do. Raises what the purge raised (the lease given back)."""
        local = now.astimezone(SHOP_TZ)
        day = local.date().isoformat()
        if local.hour < self.hour or self._done_on == day:
            return None
        with self.db.unit_of_work() as s:
            repo.ensure_lease(s, JOB)
        with self.db.unit_of_work() as s:
            claimed = repo.claim(s, JOB, self.holder, day, now, now + LEASE)
            if not claimed:
                row = repo.lease(s, JOB)
                if row is not None and row.done_on == day:
                    self._done_on = day
        if not claimed:
            return None
        try:
            with self.db.unit_of_work() as s:
                report = purge(s, self.policies(), now, memory_hours=self.memory_hours, actor="daily")
        except BaseException:
            with self.db.unit_of_work() as s:
                repo.release(s, JOB, self.holder, None)
            raise
        with self.db.unit_of_work() as s:
            repo.release(s, JOB, self.holder, day)
        self._done_on = day
        log.info("daily purge done for %s: %s", day, report.as_dict())
        return report

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="daily-purge", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        wait = TICK
        while not self._stop.wait(wait):
            try:
                self.run_once(datetime.now(SHOP_TZ))
                wait = TICK
            except Unavailable:  # the outage is logged once where it was found (app/db/health.py): no traceback
                log.warning("daily purge waits for the database; trying again in %d minutes", RETRY // 60)
                wait = RETRY
            except Exception:  # noqa: BLE001 - housekeeping never stops the service; tried again later
                log.exception("daily purge failed; trying again in %d minutes", RETRY // 60)
                wait = RETRY
