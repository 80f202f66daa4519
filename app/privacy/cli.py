"""``python -m app purge [--dry-run] [--shop X]`` and ``python -m app erase --shop X --phone N|--buyer-ref R|
--conversation C [--dry-run]``: the personal-data lifecycle from a shell (cron, a deletion request), against
DATABASE_URL, with the retention periods of the content in CONTENT_DIR. Output is counts, never content."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from app.core.clock import SHOP_TZ
from app.core.content import ContentInvalid
from app.core.content.policy import load_policies
from app.db.session import Database
from app.errors import AppError
from app.privacy import service
from app.settings import Settings


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purge = sub.add_parser(
        "purge", help="清除超过保留期限的个人信息 purge personal data past each shop's retention, then exit"
    )
    purge.add_argument("--dry-run", action="store_true", help="只统计,不修改 count, change nothing")
    purge.add_argument("--shop", metavar="SHOP", help="只处理这个店铺的工单 only this shop's cases")
    erase = sub.add_parser("erase", help="删除一位买家的个人信息 erase one buyer's personal data in one shop")
    erase.add_argument("--shop", required=True, metavar="SHOP", help="店铺编号 the shop (never several)")
    which = erase.add_mutually_exclusive_group(required=True)
    which.add_argument("--phone", help="手机号 a mobile number")
    which.add_argument("--buyer-ref", help="买家标识 the buyer reference of the cases")
    which.add_argument("--conversation", help="会话编号 a conversation id")
    erase.add_argument("--dry-run", action="store_true", help="只统计,不修改 count, change nothing")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from app.db.migrate import upgrade

    upgrade(settings.database_url or None)
    db = Database(settings.database_url or None)
    now = datetime.now(SHOP_TZ)
    try:
        with db.unit_of_work() as s:
            if args.command == "purge":
                try:
                    policies = load_policies(settings.content_dir)
                except ContentInvalid as exc:
                    print("内容有错误 content has errors:", *(f"  {e}" for e in exc.errors), sep="\n", file=sys.stderr)
                    return 2
                report = service.purge(
                    s,
                    policies,
                    now,
                    memory_hours=settings.conversation_memory_hours,
                    shop_id=args.shop,
                    dry_run=args.dry_run,
                    actor="cli",
                )
                print(json.dumps(report.as_dict(), ensure_ascii=False))
            else:
                selector, value = (
                    ("phone", args.phone)
                    if args.phone
                    else ("buyer_ref", args.buyer_ref)
                    if args.buyer_ref
                    else ("conversation_id", args.conversation)
                )
                counts = service.erase(s, args.shop, selector, value, now, dry_run=args.dry_run, actor="cli")
                out = {
                    "shop_id": args.shop,
                    "selector": f"{selector}={service.masked_selector(selector, value)}",
                    "dry_run": args.dry_run,
                    "counts": counts.as_dict(),
                }
                print(json.dumps(out, ensure_ascii=False))
    except AppError as exc:
        print(f"失败 failed: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0
