"""Every query of keys, editor sessions and rate-limit windows lives here; the key service and the rate
limiter call these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.auth.models import ApiKey, EditorSession, RateWindow


def get_key(s: Session, key_id: str) -> ApiKey | None:
    return s.get(ApiKey, key_id)


def list_keys(s: Session) -> list[ApiKey]:
    return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def count_keys(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(ApiKey)) or 0


def get_session(s: Session, session_id: str) -> EditorSession | None:
    return s.get(EditorSession, session_id)


def drop_session(s: Session, session_id: str) -> None:
    s.execute(delete(EditorSession).where(EditorSession.id == session_id))


def drop_sessions_expired(s: Session, now: datetime) -> None:
    s.execute(delete(EditorSession).where(EditorSession.expires_at <= now))


def locked_window(s: Session, subject: str, window: int) -> RateWindow:
    """The subject's row for ``window``, created if missing and locked until the transaction ends, so that
    instances leasing from the same budget take turns."""
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s.execute(insert(RateWindow).values(subject=subject, window=window, used=0).on_conflict_do_nothing())
    return s.scalars(
        select(RateWindow).where(RateWindow.subject == subject, RateWindow.window == window).with_for_update()
    ).one()


def drop_windows_before(s: Session, window: int) -> None:
    """Windows before ``window``, of every subject, are of no further use."""
    s.execute(delete(RateWindow).where(RateWindow.window < window))
