"""Settings from the environment, read once at start-up. Embedded defaults need no configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    content_dir: Path = PROJECT_ROOT  # holds intents/ and phrasebook/
    cache_dir: Path = PROJECT_ROOT / ".cache"  # app-owned: the jieba dictionary cache lives here, not in /tmp
    log_level: str = "info"
    database_url: str = ""  # empty: SQLite under ./data (app.db.base.database_url)
    watch_content: bool = True  # hot reload on file changes
    sidebar_origins: tuple[str, ...] = ()  # chat clients allowed to frame the sidebar and talk to it
    max_body_bytes: int = 64 * 1024
    max_message_chars: int = 2000

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        default = cls()  # with slots, class attributes are descriptors, not the defaults
        return cls(
            host=env.get("HOST", default.host),
            port=int(env.get("PORT", default.port)),
            content_dir=Path(env.get("CONTENT_DIR", default.content_dir)),
            cache_dir=Path(env.get("CACHE_DIR", default.cache_dir)),
            log_level=env.get("LOG_LEVEL", default.log_level).lower(),
            database_url=env.get("DATABASE_URL", default.database_url),
            watch_content=env.get("WATCH_CONTENT", "1") not in ("0", "false", "no"),
            sidebar_origins=tuple(o.strip().rstrip("/") for o in env.get("SIDEBAR_ORIGINS", "").split(",") if o.strip()),
        )
