"""``python -m app chatwoot sync-canned --shop X [--account N] [--dry-run]``: the shop's scripts into the
canned responses of its Chatwoot accounts (CHATWOOT_SHOPS), with CHATWOOT_URL and CHATWOOT_API_TOKEN."""

from __future__ import annotations

import argparse
import sys

from app.integrations.chatwoot.canned import scripts_of, sync
from app.integrations.chatwoot.client import Chatwoot, ChatwootError
from app.settings import Settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("chatwoot", help="Chatwoot 集成 the Chatwoot integration")
    actions = parser.add_subparsers(dest="action", required=True)
    canned = actions.add_parser(
        "sync-canned", help="把店铺话术同步为 Chatwoot 快捷回复 the shop's scripts as Chatwoot canned responses"
    )
    canned.add_argument("--shop", required=True, help="店铺编号 shop id")
    canned.add_argument(
        "--account", type=int, action="append", help="Chatwoot 账户编号(默认按 CHATWOOT_SHOPS)account id, repeatable"
    )
    canned.add_argument("--dry-run", action="store_true", help="只报告,不修改 report only, change nothing")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.chatwoot_url or not settings.chatwoot_api_token:
        print("需要 CHATWOOT_URL 和 CHATWOOT_API_TOKEN set CHATWOOT_URL and CHATWOOT_API_TOKEN", file=sys.stderr)
        return 2
    accounts = args.account or sorted({a for a, _, shop in settings.chatwoot_shops if shop == args.shop})
    if not accounts:
        print(
            f"店铺 {args.shop} 没有对应的 Chatwoot 账户 no Chatwoot account maps to shop {args.shop} "
            "(CHATWOOT_SHOPS, or give --account)",
            file=sys.stderr,
        )
        return 2
    from app.core.content import ContentInvalid
    from app.core.engine import build_engine

    try:
        engine = build_engine(settings.content_dir, settings.cache_dir)
    except ContentInvalid as exc:
        print("内容有错误 content has errors:", *(f"  {e}" for e in exc.errors), sep="\n", file=sys.stderr)
        return 2
    if args.shop not in engine.catalog.shop_flows and args.shop != "default":
        print(f"注意:店铺 {args.shop} 没有自己的话术,使用通用话术 note: no scripts of its own, the shared ones")
    scripts = scripts_of(engine, args.shop)
    chatwoot = Chatwoot(settings.chatwoot_url, settings.chatwoot_api_token)
    for account in accounts:
        try:
            report = sync(chatwoot, account, scripts, dry_run=args.dry_run)
        except ChatwootError as exc:
            print(f"account {account}: {exc}", file=sys.stderr)
            return 1
        print(report.line(args.dry_run), flush=True)
    return 0
