"""``python -m app keys create|list|revoke``: key management from a shell, against DATABASE_URL."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
    create.add_argument(
        "--budget",
        type=int,
        metavar="N",
        help="每分钟请求数(批量按条计),不填用角色默认值,0 不限 requests a minute for this key (a batch counts "
        "each message); default: its role's (ROLE_BUDGETS_PER_MINUTE); 0: no limit",
    )
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
                if args.budget is not None and args.budget < 0:
                    raise AppError("--budget: 0 or more requests a minute")
                new = service.create(
                    s,
                    Role(args.role),
                    args.shop,
                    now,
                    label=args.label,
                    expires_at=expires,
                    budget_per_minute=args.budget,
                )
                print(
                    f"created key {new.key.id}: role={new.key.role} shops={','.join(new.key.shops)}"
                    + (f" expires={expires.isoformat()}" if expires else "")
                    + (f" budget={args.budget}/min" if args.budget is not None else "")
                )
                print("这个密钥只显示这一次,请妥善保存 Shown once; store it now:")
                print(new.secret)
            elif args.action == "list":
                for k in service.list_keys(s):
                    state = (
                        "revoked" if k.revoked_at else ("expired" if k.expires_at and k.expires_at <= now else "active")
                    )
                    budget = f"{k.budget_per_minute}/min" if k.budget_per_minute is not None else "role"
                    print(f"{k.id}  {k.role:6}  {state:7}  {budget:9}  {','.join(k.shops)}  {k.label or ''}")
            else:
                row = service.revoke(s, args.key_id, now)
                print(f"revoked {row.id}; every instance refuses it within its AUTH_CACHE_SECONDS")
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def bootstrap_admin(database_url: str | None, key_file: Path, demo_base: str) -> Path | None:
    """On the first start with no key at all, make an admin key so that someone can get in.

    The key goes to ``key_file`` (mode 0600), never to the output: a service's output ends up in log
    files and collectors that others read. The key is committed only once the file holds it, so a file
    that cannot be written leaves no key nobody knows (and the next start tries again). Returns the file,
    or None when keys exist already."""
    db = Database(database_url)
    try:
        with db.unit_of_work() as s:
            if service.count(s):
                return None
            key = service.create(s, Role.admin, ["*"], datetime.now(UTC), label="first start").secret
            write_private(
                key_file,
                "# 售后助手 首次启动的管理员密钥 the admin key made by the first start; keep it, then delete this file\n"
                f"{key}\n# 演示 demo: {demo_base}/demo#key={key}\n",
            )
            return key_file
    finally:
        db.dispose()


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by this user only, whole or not at all.

    A temporary file created 0600 in the same folder is renamed over ``path``: no moment where the key
    sits in a file others can read, and a link planted at ``path`` is replaced, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
