"""Fresh, migrated test databases on SQLite and PostgreSQL.

PostgreSQL comes from TEST_DATABASE_URL (an account that may CREATE DATABASE; .ci/run sets it). Without it
the PostgreSQL half skips with the reason, except under CI=true, where a skip would hide a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from app.db.migrate import upgrade

ENGINES = ("sqlite", "postgresql")


def postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test PostgreSQL: TEST_DATABASE_URL is not set (see .ci/run)")
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL=postgresql+psycopg://user:pw@127.0.0.1/postgres")
    return url


@contextmanager
def fresh_database(kind: str, folder: Path, migrate: bool = True) -> Iterator[str]:
    """A new empty database of ``kind``, migrated to head unless told otherwise; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'test-{uuid.uuid4().hex[:8]}.db'}"
        if migrate:
            upgrade(url)
        yield url
        return
    admin = postgres_admin_url()
    name = f"shouhou_test_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
