"""``python -m app``: serve on HOST:PORT (default 127.0.0.1:8000) with embedded defaults.

``python -m app keys create|list|revoke`` manages API keys; ``python -m app purge|erase`` the personal-data
lifecycle (app/privacy/cli.py); ``python -m app chatwoot sync-canned --shop X`` writes the shop's scripts into
Chatwoot's canned responses; ``python -m app migrate`` brings the database to the
newest schema and exits (a deployment's migration step: the instances then find it at head).
"""

from __future__ import annotations

import argparse
import sys

from app import logs
from app.settings import InvalidSettings, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="售后助手 after-sales assistant")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="启动服务(默认)serve HTTP (the default)")
    sub.add_parser("warm", help="预先生成分词词典缓存与内容缓存后退出 build the caches (image build), then exit")
    sub.add_parser("migrate", help="升级数据库结构后退出 migrate the database to the newest schema, then exit")
    from app.auth import cli
    from app.integrations.chatwoot import cli as chatwoot_cli
    from app.privacy import cli as privacy_cli

    cli.add_parser(sub)
    privacy_cli.add_parsers(sub)
    chatwoot_cli.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except InvalidSettings as exc:
        for line in exc.lines:  # one line per bad variable, no traceback: the message is the whole story
            print(f"设置有误,服务未启动 invalid setting, not starting: {line}", file=sys.stderr)
        return 2
    logs.setup(settings.log_level, settings.log_format)
    if args.command == "keys":
        return cli.run(args, settings.database_url or None)
    if args.command in ("purge", "erase"):
        return privacy_cli.run(args, settings)
    if args.command == "chatwoot":
        return chatwoot_cli.run(args, settings)
    if args.command == "migrate":
        return migrate(settings)
    if args.command == "warm":
        return warm(settings)
    return serve(settings)


def warm(settings: Settings) -> int:
    """Build the engine once so that the tokenizer's dictionary and the parsed content land in CACHE_DIR."""
    from app.core.content import ContentInvalid
    from app.core.engine import build_engine

    try:
        engine = build_engine(settings.content_dir, settings.cache_dir)
    except ContentInvalid as exc:
        print("内容有错误 content has errors:", *(f"  {e}" for e in exc.errors), sep="\n", file=sys.stderr)
        return 2
    print(f"缓存已生成 caches built in {settings.cache_dir}: phrasebook {engine.version}", flush=True)
    return 0


def migrate(settings: Settings) -> int:
    from app.db.migrate import script_heads, upgrade

    upgrade(settings.database_url or None)
    print(f"数据库已是最新结构 database at head: {', '.join(sorted(script_heads()))}", flush=True)
    return 0


def serve(settings: Settings) -> int:
    from app.core.content import ContentInvalid
    from app.core.engine import build_engine

    try:
        engine = build_engine(settings.content_dir, settings.cache_dir)
    except ContentInvalid as exc:
        print("内容有错误,服务未启动 content has errors, not starting:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 2
    from app.auth.cli import bootstrap_admin
    from app.db.migrate import upgrade

    upgrade(settings.database_url or None)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host  # an IPv6 address in a URL
    base = f"http://{host}:{settings.port}"
    try:
        key_file = bootstrap_admin(settings.database_url or None, settings.admin_key_file, base)
    except OSError as exc:
        print(
            f"首次启动:无法写入管理员密钥文件 First start: could not write the admin key to "
            f"{settings.admin_key_file} ({exc.strerror or exc}); no key was made. Set ADMIN_KEY_FILE, or make one "
            "with: python -m app keys create --role admin --shop '*'",
            file=sys.stderr,
            flush=True,
        )
        key_file = None
    if key_file is not None:
        # Where the key is, never the key: this output ends up in logs.
        print(
            "首次启动:已创建管理员密钥,保存在只有本用户可读的文件里(含演示链接),请妥善保存后删除该文件 "
            f"First start: an admin key was made and written to {key_file} (readable only by you; "
            "the demo link is in it too). Store it, then delete the file.",
            flush=True,
        )
    print(f"售后助手 serving on {base}  (docs: /docs)", flush=True)
    metrics = None
    if settings.workers > 1:
        from app.workers import metrics_folder

        metrics = metrics_folder()  # before app.main imports prometheus_client: the workers' shared counts
    from app.main import create_app

    app = create_app(settings, engine)
    del engine  # the app holds it; with several workers only until they are forked
    if settings.workers > 1:
        from app.workers import serve_workers

        return serve_workers(settings, app, metrics)
    from app import serving

    return serving.serve(app, settings)


if __name__ == "__main__":
    raise SystemExit(main())
