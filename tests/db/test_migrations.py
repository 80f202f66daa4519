"""On both engines: the migrations build the schema from empty, run down and up again, and the models
and the migrations agree (autogenerate finds no difference)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import app.tables  # noqa: F401
from app.db.base import Base, make_engine
from app.db.migrate import config
from tests.dbs import ENGINES, fresh_database


@pytest.mark.parametrize("kind", ENGINES)
def test_upgrade_from_empty_then_models_match(kind, tmp_path):
    with fresh_database(kind, tmp_path, migrate=False) as url:
        command.upgrade(config(url), "head")
        engine = make_engine(url)
        with engine.connect() as conn:
            head = ScriptDirectory.from_config(config(url)).get_current_head()
            assert conn.execute(text("select version_num from alembic_version")).scalar() == head
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
        assert {"cases", "case_events", "evidence_items", "follow_ups", "idempotency_keys"} <= set(
            inspect(engine).get_table_names()
        )
        engine.dispose()


@pytest.mark.parametrize("kind", ENGINES)
def test_downgrade_to_base_and_back(kind, tmp_path):
    with fresh_database(kind, tmp_path, migrate=False) as url:
        cfg = config(url)
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        engine = make_engine(url)
        assert "cases" not in inspect(engine).get_table_names()
        engine.dispose()
        command.upgrade(cfg, "head")


def test_sqlite_engine_uses_wal_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(text("pragma busy_timeout")).scalar() == 30000
    engine.dispose()
