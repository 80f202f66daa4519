"""Sessions and transactions. Services never commit; the unit of work around a request does.

SQLite: a unit of work that may write starts with BEGIN IMMEDIATE, so a writer takes the write lock up front
and waits (busy timeout) instead of failing later with "database is locked" when two writers upgrade. A read
(``reading``) starts with a plain deferred BEGIN: under WAL it takes no lock at all and reads the last commit
while a writer goes on, so a case list never queues behind the suggestions being recorded (issue 19: every
read took the write lock, and a mixed load's p99 was 691 ms). PostgreSQL: both are the same transaction.

An outage (app/db/health.py) turns into ``Unavailable`` (503) here, in the one place every request's
database work passes through; while it lasts, a unit of work fails at once without touching the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import make_engine
from app.db.health import Availability, is_outage
from app.errors import Unavailable

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

READ_ONLY = "shouhou_read_only"  # the execution option that tells the SQLite begin hook a read is starting


class Database:
    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        if self.engine.dialect.name == "sqlite":
            _begin_immediate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool, connections marked as reading: the begin hook then leaves out the write lock.
        self._readers = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        file = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self._file = file if file and file != ":memory:" and not file.startswith("file:") else None
        # Once the database is back, a new pool: no connection opened during the outage is used again.
        self.availability = Availability(self._probe, on_recovery=self.engine.dispose)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction that may write, committed at the end (rolled back on an error)."""
        with self._transaction(self._sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite no write lock, so it neither waits for writers nor holds
        them up. A write inside it is a mistake (on SQLite it may fail with "database is locked")."""
        with self._transaction(self._readers) as session:
            yield session

    @contextmanager
    def _transaction(self, sessions: sessionmaker[Session]) -> Iterator[Session]:
        self.availability.check()
        try:
            with sessions() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            if is_outage(exc):
                raise self.availability.failed(exc) from exc
            raise

    def unavailable_since(self) -> datetime | None:
        """None when the database answers now; else when the outage began (for /readyz)."""
        try:
            with self.unit_of_work() as s:
                s.execute(text("SELECT 1"))
        except Unavailable:
            return self.availability.down_since or datetime.now(UTC)
        return None

    def dispose(self) -> None:
        self.availability.stop()
        self.engine.dispose()

    def _probe(self) -> None:
        if self._file is not None and not os.access(self._file, os.W_OK):
            # Asked first: SQLite may hand a new connection a descriptor it kept open from before the file
            # became read-only (it reuses them), and that connection can still write.
            raise PermissionError(f"the database file is not writable: {self._file}")
        # A write that writes nothing: a read-only SQLite file or a read-only PostgreSQL server refuses it too.
        with self._sessions() as session, session.begin():
            session.execute(text("DELETE FROM alembic_version WHERE 1 = 0"))


def _begin_immediate(engine: Engine) -> None:
    # The documented pysqlite recipe: take transaction control from the driver, then begin ourselves.
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
