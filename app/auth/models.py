"""API keys (only a hash of the secret is stored) and the shared rate-limit counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.roles import Role
from app.db.base import Base, UTCDateTime


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r.value) for r in Role)})", name="role"),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public: the part of the key before the secret
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 of a 256-bit random secret
    role: Mapped[str] = mapped_column(String(16))
    shops: Mapped[list[Any]] = mapped_column(JSON)  # ["*"] for every shop
    label: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Requests a minute for this key; None: its role's default (settings: rate_limit_per_minute_<role>).
    budget_per_minute: Mapped[int | None] = mapped_column(Integer)


class RateWindow(Base):
    """Requests granted per subject (a key, or a source address's failed logins) per fixed window.

    Kept in the database so that every instance draws on the same budget.
    """

    __tablename__ = "rate_windows"

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # window start, seconds since the epoch
    used: Mapped[int] = mapped_column(Integer, default=0)


class EditorSession(Base):
    """An editor's browser signed in to the /editor pages.

    The cookie carries a random token of its own, never the key: a stolen cookie is one session, ended
    by signing out or by its expiry, and revoking the key ends all its sessions. Only sha256(token) is
    stored, so the table's contents open nothing.
    """

    __tablename__ = "editor_sessions"
    __table_args__ = (Index("ix_editor_sessions_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie's token
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
