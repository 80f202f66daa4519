"""``python -m app keys create|list|revoke``: key management from a shell, against DATABASE_URL."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta

from app.auth import service
from app.auth.roles import Role
from app.db.session import Database
from app.errors import AppError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("keys", help="API 密钥 manage API keys")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create", help="新建密钥(最后一行是密钥,只显示一次)create a key; printed once, last line"
    )
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument(
        "--shop",
        action="append",
        required=True,
        metavar="SHOP",
        help="店铺编号,可重复;'*' 表示全部 shop id, repeatable; '*' for every shop",
    )
    create.add_argument("--label", help="用途说明 what the key is for")
    create.add_argument("--days", type=float, help="有效天数 expires after this many days")
    actions.add_parser("list", help="列出密钥 list keys (never their secrets)")
    revoke = actions.add_parser("revoke", help="吊销密钥 revoke a key")
    revoke.add_argument("key_id", help="密钥编号(shk_ 后面的 12 位)the 12-character id after shk_")


def run(args: argparse.Namespace, database_url: str | None) -> int:
    from app.db.migrate import upgrade

    upgrade(database_url)
    db = Database(database_url)
    now = datetime.now(UTC)
    try:
        with db.unit_of_work() as s:
            if args.action == "create":
                expires = now + timedelta(days=args.days) if args.days else None
                new = service.create(s, Role(args.role), args.shop, now, label=args.label, expires_at=expires)
                print(
                    f"created key {new.key.id}: role={new.key.role} shops={','.join(new.key.shops)}"
                    + (f" expires={expires.isoformat()}" if expires else "")
                )
                print("这个密钥只显示这一次,请妥善保存 Shown once; store it now:")
                print(new.secret)
            elif args.action == "list":
                for k in service.list_keys(s):
                    state = (
                        "revoked" if k.revoked_at else ("expired" if k.expires_at and k.expires_at <= now else "active")
                    )
                    print(f"{k.id}  {k.role:6}  {state:7}  {','.join(k.shops)}  {k.label or ''}")
            else:
                row = service.revoke(s, args.key_id, now)
                print(f"revoked {row.id}; every instance refuses it within its AUTH_CACHE_SECONDS")
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def bootstrap_admin(database_url: str | None) -> str | None:
    """On the first start with no key at all, make an admin key so that someone can get in."""
    db = Database(database_url)
    try:
        with db.unit_of_work() as s:
            if service.count(s):
                return None
            return service.create(s, Role.admin, ["*"], datetime.now(UTC), label="first start").secret
    finally:
        db.dispose()
