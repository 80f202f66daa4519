"""The background worker of each instance: every OUTBOUND_POLL_SECONDS it scans follow-ups for due and overdue
events and sends the deliveries that are due. Instances share the work through the database (a delivery's lease,
an event's unique dedupe key), so running one per process is safe."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from app.core.clock import SHOP_TZ
from app.db.session import Database
from app.errors import Unavailable
from app.integrations.outbound import scanner
from app.integrations.outbound.delivery import Policy, deliver_due
from app.settings import Settings

log = logging.getLogger("app.outbound")


def policy_from(settings: Settings) -> Policy:
    return Policy(
        allow_private=settings.outbound_allow_private,
        max_attempts=settings.outbound_max_attempts,
        retry_seconds=settings.outbound_retry_seconds,
        retry_cap_seconds=settings.outbound_retry_cap_seconds,
        timeout_seconds=settings.outbound_timeout_seconds,
    )


def _now() -> datetime:
    return datetime.now(SHOP_TZ)


class Worker:
    def __init__(self, db: Database, settings: Settings, now: Callable[[], datetime] = _now) -> None:
        self.db, self.now = db, now
        self.policy = policy_from(settings)
        self.interval = settings.outbound_poll_seconds
        self.lead = timedelta(minutes=settings.outbound_due_minutes)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        """One round: scan, then send until nothing more is due (at most a few batches, then yield)."""
        with self.db.unit_of_work() as s:
            scanner.scan(s, self.now(), self.lead)
        for _ in range(5):
            if deliver_due(self.db, self.policy, self.now) == 0 or self._stop.is_set():
                break

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Unavailable:
                pass  # the outage is logged once where it was found (app/db/health.py); the next round retries
            except Exception:  # noqa: BLE001 - one bad round must not end the worker
                log.exception("outbound worker round failed")

    def start(self) -> None:
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="outbound-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.policy.timeout_seconds + 5)
