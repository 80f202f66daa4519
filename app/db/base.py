"""Engine and metadata. SQLite under ./data/ by default; PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect, ExceptionContext
    from sqlalchemy.pool import ConnectionPoolEntry

from app.db.health import is_broken
from app.settings import STATE_ROOT

CONNECT_TIMEOUT = 5  # seconds; PostgreSQL's own default is to wait for the system's TCP timeout (minutes)
# Pool sizes, per worker process. The routes that touch the database run in anyio's thread pool (40 threads):
# a pool smaller than that made requests queue for a connection, and a wait past the pool's timeout counts as
# an outage (app/db/health.py). SQLite connections are a file handle each and, under WAL, readers do not block
# one another: as many as there are threads. PostgreSQL connections are a server process each and its
# max_connections (default 100) is shared by every worker and instance: 10 kept, 20 more under a burst, and
# a burst beyond waits for one of them, at most POOL_TIMEOUT seconds.
SQLITE_POOL: dict[str, int] = {"pool_size": 10, "max_overflow": 30}
POSTGRES_POOL: dict[str, int] = {"pool_size": 10, "max_overflow": 20}
POOL_TIMEOUT = 10  # seconds

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC on every engine, read back aware. SQLite keeps no offset at all, and
    PostgreSQL answers in the session's zone: without this, a day boundary depends on the database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{STATE_ROOT / 'data' / 'shouhou.db'}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        file = make_url(url).database
        # An in-memory database lives in one connection (SingletonThreadPool): no pool sizes for it.
        pool = (
            SQLITE_POOL | {"pool_timeout": POOL_TIMEOUT}
            if file and file != ":memory:" and "mode=memory" not in url
            else {}
        )
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # WAL lets readers proceed during a write; the busy timeout makes writers wait, not fail.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        _replace_broken(engine)
        return engine
    # Pre-ping: a pooled connection the server dropped (a restart) is found and replaced before use.
    timeout = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    engine = create_engine(url, pool_pre_ping=True, connect_args=timeout, pool_timeout=POOL_TIMEOUT, **POSTGRES_POOL)
    _replace_broken(engine)
    return engine


def _replace_broken(engine: Engine) -> None:
    """A connection that met an error it cannot recover from is closed, and so are the pool's others.

    SQLAlchemy does this for what the driver calls a disconnect. SQLite reports none: a connection opened
    while the file was read-only stays read-only after the file is writable again, and the pool kept serving
    it (half the writes failed until a restart). PostgreSQL's shutdown or a read-only standby are added too.
    """

    @event.listens_for(engine, "handle_error")
    def _broken(context: ExceptionContext) -> None:
        if is_broken(context.original_exception):
            context.is_disconnect = True
