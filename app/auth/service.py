"""Creating, listing, revoking and checking API keys. Services never commit: the caller's unit of work does.

A key reads ``shk_<id>_<secret>``. The id is public and indexes the row; only sha256(secret) is stored,
which is enough for a 256-bit random secret (no password stretching needed), and the comparison is
constant-time. An unknown id is compared against a dummy hash so that it costs the same as a wrong secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.auth import repository as repo
from app.auth.models import ApiKey, EditorSession
from app.auth.principal import ALL_SHOPS, Principal
from app.auth.roles import Role
from app.errors import FieldError, NotFound

PREFIX = "shk"
_KEY = re.compile(rf"^{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")
_SHOP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_DUMMY = hashlib.sha256(b"no such key").hexdigest()
_SESSION = re.compile(r"^[A-Za-z0-9_-]{43}$")
SESSION_HOURS = 12


@dataclass(frozen=True, slots=True)
class NewKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_shops(shops: list[str] | tuple[str, ...]) -> list[str]:
    if not shops:
        raise FieldError("body.shops", "至少一个店铺,或 '*' 表示全部 at least one shop, or '*' for all")
    for i, shop in enumerate(shops):
        if shop != ALL_SHOPS and not _SHOP.match(shop):
            raise FieldError(f"body.shops.{i}", "店铺编号只能含字母、数字、_ . - invalid shop id")
    return sorted(set(shops))


def create(
    s: Session,
    role: Role,
    shops: list[str] | tuple[str, ...],
    now: datetime,
    *,
    label: str | None = None,
    expires_at: datetime | None = None,
    budget_per_minute: int | None = None,
) -> NewKey:
    if expires_at is not None and expires_at <= now:
        raise FieldError("body.expires_at", "过期时间须在将来 expiry must be in the future")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = ApiKey(
        id=key_id,
        secret_hash=_hash(secret),
        role=role.value,
        shops=check_shops(shops),
        label=label,
        created_at=now,
        expires_at=expires_at,
        budget_per_minute=budget_per_minute,
    )
    s.add(row)
    return NewKey(row, f"{PREFIX}_{key_id}_{secret}")


def list_keys(s: Session) -> list[ApiKey]:
    return repo.list_keys(s)


def count(s: Session) -> int:
    return repo.count_keys(s)


def revoke(s: Session, key_id: str, now: datetime) -> ApiKey:
    row = repo.get_key(s, key_id)
    if row is None:
        raise NotFound("没有这个密钥 no such key")  # the id came from the URL: not echoed
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def authenticate(s: Session, token: str, now: datetime) -> Principal | None:
    """The principal for a presented key, or None for anything wrong: malformed, unknown, revoked, expired."""
    m = _KEY.match(token)
    row = repo.get_key(s, m.group(1)) if m else None
    presented = _hash(m.group(2)) if m else _hash(token)
    if not hmac.compare_digest(presented, row.secret_hash if row else _DUMMY) or row is None:
        return None
    return _principal(row, now)


def _principal(row: ApiKey, now: datetime) -> Principal | None:
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Principal(row.id, Role(row.role), frozenset(row.shops), row.expires_at, row.budget_per_minute)


def open_session(s: Session, principal: Principal, now: datetime) -> tuple[str, datetime]:
    """A new editor session for a checked key: the cookie's token (shown once) and when it ends.

    It never outlives its key. Sessions past their time are deleted here, so the table holds only
    live ones (plus those signed in since the last sign-in)."""
    repo.drop_sessions_expired(s, now)
    token = secrets.token_urlsafe(32)
    ends = now + timedelta(hours=SESSION_HOURS)
    if principal.expires_at is not None:
        ends = min(ends, principal.expires_at)
    s.add(EditorSession(id=_hash(token), key_id=principal.key_id, created_at=now, expires_at=ends))
    return token, ends


def session_principal(s: Session, token: str, now: datetime) -> Principal | None:
    """The key behind an editor session's token, or None: unknown, signed out, expired, or its key is no
    longer valid (revoked or expired)."""
    if not _SESSION.match(token):
        return None
    session = repo.get_session(s, _hash(token))
    if session is None or session.expires_at <= now:
        return None
    row = repo.get_key(s, session.key_id)
    return _principal(row, now) if row is not None else None


def close_session(s: Session, token: str) -> None:
    if _SESSION.match(token):
        repo.drop_session(s, _hash(token))
