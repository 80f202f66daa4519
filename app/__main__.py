"""``python -m app``: serve on HOST:PORT (default 127.0.0.1:8000) with embedded defaults."""

from __future__ import annotations

import sys

import uvicorn

from app import logs
from app.core.content import ContentInvalid
from app.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    logs.setup(settings.log_level)
    from app.api.main import create_app
    from app.core.engine import build_engine

    try:
        engine = build_engine(settings.content_dir, settings.cache_dir)
    except ContentInvalid as exc:
        print("内容有错误,服务未启动 content has errors, not starting:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    from app.db.migrate import upgrade

    upgrade(settings.database_url or None)
    app = create_app(settings, engine)
    print(f"售后助手 serving on http://{settings.host}:{settings.port}  (docs: /docs)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
