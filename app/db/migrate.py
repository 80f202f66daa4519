"""Apply the Alembic migrations programmatically (``python -m app`` does this before serving).

Every start migrates, and nearly every start finds the database at head already: that is checked first by
reading alembic_version, without loading Alembic and the migration scripts (a tenth of a second of a start).
Anything short of a certain "at head" goes through Alembic; on PostgreSQL under a lock, so that instances
started together on a new database migrate it once.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from app.db.base import database_url, make_engine
from app.settings import MIGRATIONS, PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

VERSIONS = MIGRATIONS / "versions"
MIGRATION_LOCK = 0x73686F75686F75  # "shouhou": the PostgreSQL advisory lock held while migrating


def config(url: str | None = None) -> Config:
    from alembic.config import Config

    ini = PROJECT_ROOT / "alembic.ini"  # the repository's, for the alembic command; the wheel needs none
    cfg = Config(str(ini) if ini.is_file() else None)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # configparser interpolates "%": a URL-encoded password must be escaped.
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str | None = None) -> None:
    if at_head(url):
        return
    from alembic import command

    cfg = config(url)
    if make_url(url or database_url()).get_backend_name() != "postgresql":
        command.upgrade(cfg, "head")
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            # Instances started together on a new database would both create the tables and one would fail;
            # the lock lasts until the migrations commit, and whoever waited for it finds nothing left to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()


def at_head(url: str | None = None) -> bool:
    heads = script_heads()
    if not heads:
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:  # no alembic_version table: a new database
        return False
    finally:
        engine.dispose()
    return current == heads


def database_revisions(engine: Engine) -> set[str]:
    """The revisions the database says it is at (empty: never migrated); raises SQLAlchemyError if unreachable."""
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except (OperationalError, ProgrammingError) as exc:  # no alembic_version table: a new database
        if "alembic_version" in str(exc):
            return set()
        raise


def script_heads() -> set[str]:
    """The revisions no other migration revises, read from the scripts' ``revision`` and ``down_revision``
    literals; empty when a script does not spell them out plainly, so that Alembic decides."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        try:
            names = _assignments(path)
            revision = ast.literal_eval(_value(names["revision"]))
            down = ast.literal_eval(_value(names["down_revision"])) if "down_revision" in names else None
            down = (down,) if isinstance(down, str) else tuple(down or ())
        except (SyntaxError, KeyError, ValueError, TypeError):
            return set()
        if not isinstance(revision, str) or not all(isinstance(d, str) for d in down):
            return set()
        revisions.add(revision)
        revised.update(down)
    return revisions - revised


def _value(node: ast.expr | None) -> ast.expr:
    if node is None:  # `revision: str` with no value: nothing to read
        raise ValueError("no value")
    return node


def _assignments(path: Path) -> dict[str, ast.expr | None]:
    """Module-level ``name = value`` and ``name: type = value`` of a script, unevaluated."""
    found: dict[str, ast.expr | None] = {}
    for node in ast.parse(path.read_bytes()).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
    return found
