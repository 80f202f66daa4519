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
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

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
    engine = create_engine(url, pool_pre_ping=True, connect_args=timeout)
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
