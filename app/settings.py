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
    cache_dir: Path = PROJECT_ROOT / ".cache"  # app-owned: jieba's dictionary and the parsed content, not in /tmp
    log_level: str = "info"
    workers: int = 1  # worker processes of one instance, forked once the engine is built (app/workers.py)
    database_url: str = ""  # empty: SQLite under ./data (app.db.base.database_url)
    watch_content: bool = True  # hot reload on file changes
    sidebar_origins: tuple[str, ...] = ()  # chat clients allowed to frame the sidebar and talk to it
    max_body_bytes: int = 64 * 1024
    max_message_chars: int = 2000
    rate_limit_per_minute: int = 1200  # per key, shared by all instances; 0 turns it off
    auth_failures_per_minute: int = 20  # wrong keys from one source address before it gets 429
    auth_cache_seconds: float = 5.0  # how long an instance trusts a key it checked: revocation reaches all within this
    cors_origins: tuple[str, ...] = ()  # web apps on other origins that may call the API from a browser
    content_check_seconds: float = 2.0  # how often an instance looks for a phrasebook version another went live with

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
            workers=int(env.get("WORKERS", default.workers)),
            database_url=env.get("DATABASE_URL", default.database_url),
            watch_content=env.get("WATCH_CONTENT", "1") not in ("0", "false", "no"),
            sidebar_origins=_origins(env.get("SIDEBAR_ORIGINS", "")),
            rate_limit_per_minute=int(env.get("RATE_LIMIT_PER_MINUTE", default.rate_limit_per_minute)),
            auth_failures_per_minute=int(env.get("AUTH_FAILURES_PER_MINUTE", default.auth_failures_per_minute)),
            auth_cache_seconds=float(env.get("AUTH_CACHE_SECONDS", default.auth_cache_seconds)),
            cors_origins=_origins(env.get("CORS_ORIGINS", "")),
            content_check_seconds=float(env.get("CONTENT_CHECK_SECONDS", default.content_check_seconds)),
        )


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    if "*" in origins:
        raise ValueError("origins must be listed; '*' is not allowed (SIDEBAR_ORIGINS, CORS_ORIGINS)")
    return origins
