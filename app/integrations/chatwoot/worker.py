"""The background worker that posts queued notes: a daemon thread per process, woken at once by a webhook
this process queued and every POLL_SECONDS otherwise (for notes another instance queued, and for retries).

Several processes or instances may run it: a note is claimed in a transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and leased, so each is posted by one of them. The HTTP call to Chatwoot holds no session."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from app.core.engine import Engine
from app.db.session import Database
from app.errors import AppError, Unavailable
from app.integrations.chatwoot import service
from app.integrations.chatwoot.client import Chatwoot, ChatwootError
from app.settings import Settings

log = logging.getLogger("app.chatwoot")
POLL_SECONDS = 1.0
PURGE_EVERY_SECONDS = 3600.0


class NoteWorker:
    def __init__(
        self,
        database: Database,
        chatwoot: Chatwoot,
        engine: Callable[[], Engine],
        *,
        memory_hours: float,
        first_delay: float,
        poll_seconds: float | None = None,
    ) -> None:
        self.database, self.chatwoot, self.engine = database, chatwoot, engine
        self.memory_hours, self.first_delay = memory_hours, first_delay
        self.poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0  # the first pass purges

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="chatwoot-notes", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Unavailable:  # the outage is logged once where it was found (app/db/health.py)
                busy = 0
            except Exception:  # noqa: BLE001 - the worker outlives any one note's failure
                log.exception("chatwoot note worker: unexpected error")
                busy = 0
            if not busy:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_once(self) -> int:
        """Post every note due now; how many were taken. Settled notes past their keeping are deleted hourly."""
        with self.database.unit_of_work() as s:
            ids = service.take_due(s, service.now())
            if time.monotonic() >= self._next_purge:
                self._next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                service.purge(s, service.now())
        for note_id in ids:
            self._deliver(note_id)
        return len(ids)

    def _deliver(self, note_id: int) -> None:
        with self.database.unit_of_work() as s:
            step = service.pending(s, note_id)
        if isinstance(step, service.Unanswered):
            try:
                found = service.answer(self.database, self.engine(), step, self.memory_hours)
            except Unavailable:
                raise  # the database, not the message: the note is taken again after its lease
            except AppError as exc:
                with self.database.unit_of_work() as s:
                    service.give_up(s, note_id, f"no suggestion: {exc.code}")
                return
            with self.database.unit_of_work() as s:
                step = service.noted(s, note_id, found)
        if step is None:
            return
        out = step
        try:
            chatwoot_id = self.chatwoot.post_private_note(out.account_id, out.conversation_id, out.text)
        except ChatwootError as exc:
            log.warning("chatwoot note %s not posted: %s", note_id, exc)
            with self.database.unit_of_work() as s:
                service.not_posted(s, note_id, str(exc), exc.retryable, service.now(), self.first_delay)
            return
        with self.database.unit_of_work() as s:
            service.posted(s, note_id, chatwoot_id, service.now())
        log.info("chatwoot note %s posted to account %s conversation %s", note_id, out.account_id, out.conversation_id)


def start(app: Any, settings: Settings) -> NoteWorker:
    """The worker of this process, posting as CHATWOOT_API_TOKEN's user with the app's live engine."""
    if not settings.chatwoot_api_token:
        log.warning("CHATWOOT_URL is set but CHATWOOT_API_TOKEN is not: Chatwoot will refuse every note")
    if not settings.chatwoot_webhook_secret:
        log.warning("CHATWOOT_WEBHOOK_SECRET is not set: unsigned webhook calls are accepted")
    worker = NoteWorker(
        app.state.database,
        Chatwoot(settings.chatwoot_url, settings.chatwoot_api_token),
        lambda: app.state.content.engine,  # read per note: a reload swaps it
        memory_hours=settings.conversation_memory_hours,
        first_delay=settings.chatwoot_retry_seconds,
    )
    worker.start()
    return worker
