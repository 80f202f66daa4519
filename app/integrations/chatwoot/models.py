"""The durable queue of private notes: one row per Chatwoot buyer message, whatever the number of deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime

STATUSES = ("pending", "posted", "skipped", "failed")  # skipped: nothing to suggest (a greeting)


class ChatwootNote(Base):
    __tablename__ = "chatwoot_notes"
    __table_args__ = (
        # At most one note per Chatwoot message, even when Chatwoot retries the webhook or two instances take it.
        UniqueConstraint("account_id", "message_id", name="uq_chatwoot_notes_message"),
        CheckConstraint("status IN ('pending', 'posted', 'skipped', 'failed')", name="status"),
        Index("ix_chatwoot_notes_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    inbox_id: Mapped[int | None] = mapped_column(BigInteger)
    conversation_id: Mapped[int] = mapped_column(BigInteger)  # Chatwoot's display id
    message_id: Mapped[int] = mapped_column(BigInteger)
    shop_id: Mapped[str] = mapped_column(String(64))
    # The buyer's words, kept only until the suggestion is made (then cleared): the case holds them from there.
    content: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)  # made once, posted as often as it takes
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a worker may next take it: a retry's time, or the end of the lease of the worker posting it now.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    chatwoot_note_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
