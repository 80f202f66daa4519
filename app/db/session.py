"""Sessions and transactions. Services never commit; the unit of work around a request does.

SQLite: every transaction starts with BEGIN IMMEDIATE, so a writer takes the write lock up front and
waits (busy timeout) instead of failing later with "database is locked" when two writers upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import make_engine

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry


class Database:
    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        if self.engine.dialect.name == "sqlite":
            _begin_immediate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _begin_immediate(engine: Engine) -> None:
    # The documented pysqlite recipe: take transaction control from the driver, then begin ourselves.
    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
