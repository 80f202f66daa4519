"""/readyz: migrations at head, on both engines; a database whose schema revision is not this code's is not ready."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from app.db.migrate import script_heads
from app.db.session import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, free_port, run_server
from tests.dbs import fresh_database


def test_ready_says_the_migrations_are_at_head(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["migrations"] == {
        "status": "at_head",
        "database": sorted(script_heads()),
        "code": sorted(script_heads()),
    }


def test_a_database_not_at_head_is_not_ready(engine, database, tmp_path):
    kind = database.engine.dialect.name
    with fresh_database("postgresql" if kind == "postgresql" else "sqlite", tmp_path) as url:
        db = Database(url)
        with db.engine.begin() as conn:  # as if a newer release had migrated it, or this one had not
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_newer'"))
        port = free_port()
        srv = run_server(create_app(Settings(port=port, **TEST_SETTINGS), engine, db), port)
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
            assert r.status_code == 503 and r.headers["retry-after"]
            body = r.json()
            assert body["status"] == "degraded" and body["database"]["status"] == "ok"
            assert body["migrations"]["status"] == "mismatch" and body["migrations"]["database"] == ["9999_newer"]
        finally:
            srv.should_exit = True
            db.dispose()
