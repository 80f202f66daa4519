"""Database outages: told apart from other errors, answered at once, logged once, ended by a probe.

An error that says the database cannot be used now (the server is stopped or restarting, the connection was
cut, the SQLite file is read-only or its disk full) starts an outage. During an outage every unit of work
fails at once with ``Unavailable`` (503 with Retry-After): a request neither waits for a connection that
will not come nor logs a traceback of its own (issue 15: ~1,100 tracebacks in 20 s of a PostgreSQL stop).
One line is logged when the outage starts and one when it ends. A probe thread, alive only during an
outage, tries the database every ``PROBE_SECONDS``; the first success ends the outage and replaces the
connection pool, so that no connection opened during it is used again (a SQLite connection opened while the
file was read-only stays read-only for good: half the writes failed until a restart).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import exc as sa

from app.errors import Unavailable

log = logging.getLogger("app.db")

PROBE_SECONDS = 1.0  # how soon after the database is back the service uses it again
RETRY_AFTER = 5  # seconds, in the 503s of an outage

# SQLite primary result codes (the low byte of an extended code) that are about the file, not the statement:
# busy or locked past the busy timeout, read-only, I/O error, disk full, cannot open, permission denied.
_SQLITE_OUTAGE = frozenset({5, 6, 8, 10, 13, 14, 3})
# Of those, the ones after which the connection itself is no good: it is closed and replaced.
_SQLITE_BROKEN = frozenset({8, 10, 14, 3})
# PostgreSQL SQLSTATEs: connection exceptions (08…), insufficient resources (53…: too many connections, disk
# full), system and I/O errors (58…); the server shutting down, crashed or starting (57P01–57P03); a read-only
# server (25006: a standby after a failover). 57014 (statement timeout, a cancel) is not an outage.
_PG_OUTAGE_CLASSES = ("08", "53", "58")
_PG_OUTAGE_STATES = frozenset({"57P01", "57P02", "57P03", "25006"})
_PG_BROKEN_STATES = frozenset({"57P01", "57P02", "57P03", "25006"})


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be used now, rather than that a statement was wrong."""
    if isinstance(error, sa.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    return _driver_outage(error.orig, connection_level=isinstance(error, sa.OperationalError | sa.InterfaceError))


def is_broken(driver_error: BaseException) -> bool:
    """Whether the connection that raised the driver's ``driver_error`` must be replaced, not reused."""
    code = getattr(driver_error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_BROKEN
    state = getattr(driver_error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in _PG_BROKEN_STATES)


def _driver_outage(driver_error: BaseException | None, *, connection_level: bool) -> bool:
    code = getattr(driver_error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_OUTAGE
    state = getattr(driver_error, "sqlstate", None)
    if isinstance(state, str):
        return state.startswith(_PG_OUTAGE_CLASSES) or state in _PG_OUTAGE_STATES
    # No SQLSTATE: the server never answered (refused, cut off, closed); only the connection-level classes,
    # since a client-side programming error has none either.
    return connection_level


def reason(error: BaseException) -> str:
    """The driver's first line (connection refused, read-only file …): no SQL, no parameters."""
    cause = error.orig if isinstance(error, sa.DBAPIError) and error.orig is not None else error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {''.join(c if c.isprintable() else ' ' for c in first)[:200]}"


class Availability:
    """The outage state of one database: ``check`` before using it, ``failed`` when an error says it is down."""

    def __init__(self, probe: Callable[[], None], on_recovery: Callable[[], None]) -> None:
        self._probe, self._on_recovery = probe, on_recovery
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.down_since: datetime | None = None
        self._started = 0.0

    def check(self) -> None:
        """Raise ``Unavailable`` at once while an outage lasts."""
        if self.down_since is not None:
            raise Unavailable(retry_after=RETRY_AFTER)

    def failed(self, error: BaseException) -> Unavailable:
        """Record that ``error`` (an outage error) happened; the error to raise in its place."""
        with self._lock:
            if self.down_since is None and not self._stop.is_set():
                self.down_since = datetime.now(UTC)
                self._started = time.monotonic()
                log.warning(
                    "database unavailable (%s): routes that need it answer 503 until it is back; "
                    "suggestions are still served",
                    reason(error),
                )
                threading.Thread(target=self._watch, name="database-probe", daemon=True).start()
        return Unavailable(retry_after=RETRY_AFTER)

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        delay = 0.2  # a blip (one connection cut) is over by the first probe; a real outage is not
        while not self._stop.wait(delay):
            delay = PROBE_SECONDS
            try:
                self._probe()
            except Exception as exc:  # noqa: BLE001 - any other error means the database answered
                if is_outage(exc) or isinstance(exc, OSError):  # OSError: the SQLite file is not writable
                    continue
            with self._lock:
                self._on_recovery()
                elapsed = time.monotonic() - self._started
                self.down_since = None
            log.warning("database available again after %.1f s", elapsed)
            return
