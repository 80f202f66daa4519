"""Every start migrates: a database at head is left alone without Alembic; anything else goes through Alembic."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.db import migrate
from app.db.base import make_engine
from app.settings import PROJECT_ROOT
from tests.dbs import ENGINES, fresh_database


@pytest.fixture
def alembic_runs(monkeypatch):  # type: ignore[no-untyped-def]
    """The revisions Alembic was asked to upgrade to; it still runs."""
    calls: list[str] = []
    real = command.upgrade

    def upgrade(cfg, revision):  # type: ignore[no-untyped-def]
        calls.append(revision)
        real(cfg, revision)

    monkeypatch.setattr(command, "upgrade", upgrade)
    return calls


def version(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("select version_num from alembic_version")).scalar()
    engine.dispose()
    return found


def test_the_heads_read_from_the_scripts_are_alembics():
    assert migrate.script_heads() == set(ScriptDirectory.from_config(migrate.config("sqlite://")).get_heads())


@pytest.mark.parametrize("kind", ENGINES)
def test_a_new_database_is_migrated_and_then_left_alone(kind, tmp_path, alembic_runs):
    with fresh_database(kind, tmp_path, migrate=False) as url:
        assert not migrate.at_head(url)
        migrate.upgrade(url)
        assert alembic_runs == ["head"]
        assert migrate.at_head(url) and {version(url)} == migrate.script_heads()
        migrate.upgrade(url)
        migrate.upgrade(url)
        assert alembic_runs == ["head"]  # at head: no second run


@pytest.mark.parametrize("kind", ENGINES)
def test_a_database_behind_is_upgraded(kind, tmp_path, alembic_runs):
    with fresh_database(kind, tmp_path, migrate=False) as url:
        cfg = migrate.config(url)
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "-1")
        alembic_runs.clear()
        behind = version(url)
        assert not migrate.at_head(url)
        migrate.upgrade(url)
        assert alembic_runs == ["head"] and version(url) != behind and migrate.at_head(url)


def test_unreadable_scripts_leave_the_decision_to_alembic(tmp_path, monkeypatch, alembic_runs):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    migrate.upgrade(url)
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_x.py").write_text("revision = make_id()\ndown_revision = None\n")
    monkeypatch.setattr(migrate, "VERSIONS", versions)
    assert migrate.script_heads() == set() and not migrate.at_head(url)
    migrate.upgrade(url)
    assert alembic_runs == ["head", "head"]  # the real scripts: Alembic finds nothing to do


# Each process imports, says it is ready, waits for the word, then migrates: they reach the database together.
_START = """import pathlib, sys, time
from app.db.migrate import upgrade
folder = pathlib.Path(sys.argv[2])
(folder / sys.argv[3]).touch()
while not (folder / "go").exists():
    time.sleep(0.005)
upgrade(sys.argv[1])
"""


def test_instances_starting_together_on_a_new_postgresql_database_migrate_it_once(tmp_path):
    with fresh_database("postgresql", tmp_path, migrate=False) as url:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _START, url, str(tmp_path), f"ready{n}"],
                cwd=PROJECT_ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(3)
        ]
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready*"))) < len(procs) and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "go").touch()
        for proc in procs:
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
        assert migrate.at_head(url)
