"""Apply the Alembic migrations programmatically (``make run`` does this before serving)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.db.base import database_url
from app.settings import PROJECT_ROOT


def config(url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    # configparser interpolates "%": a URL-encoded password must be escaped.
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(config(url), "head")
