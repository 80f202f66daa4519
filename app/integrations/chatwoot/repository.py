"""Every query on the note queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.integrations.chatwoot.models import ChatwootNote


def add_once(s: Session, note: ChatwootNote) -> bool:
    """Queue ``note``; False when its Chatwoot message is already queued (a redelivery, or another instance
    took the same delivery first: the unique constraint decides, not a read before the write)."""
    if find(s, note.account_id, note.message_id) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(note)
    except IntegrityError:
        return False
    return True


def find(s: Session, account_id: int, message_id: int) -> ChatwootNote | None:
    return s.scalars(
        select(ChatwootNote).where(ChatwootNote.account_id == account_id, ChatwootNote.message_id == message_id)
    ).first()


def claim_due(s: Session, now: datetime, limit: int) -> list[ChatwootNote]:
    """Due notes, locked for this transaction: on PostgreSQL a row another worker holds is skipped (``FOR
    UPDATE SKIP LOCKED``); SQLite has no row locks, but its writers queue (BEGIN IMMEDIATE, app/db/session.py)."""
    return list(
        s.scalars(
            select(ChatwootNote)
            .where(ChatwootNote.status == "pending", ChatwootNote.next_attempt_at <= now)
            .order_by(ChatwootNote.next_attempt_at, ChatwootNote.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def lock(s: Session, note_id: int) -> ChatwootNote | None:
    return s.scalars(select(ChatwootNote).where(ChatwootNote.id == note_id).with_for_update()).first()


def by_conversation(s: Session, account_id: int, conversation_id: int) -> list[ChatwootNote]:
    return list(
        s.scalars(
            select(ChatwootNote)
            .where(ChatwootNote.account_id == account_id, ChatwootNote.conversation_id == conversation_id)
            .order_by(ChatwootNote.id)
        ).all()
    )


def delete_settled_before(s: Session, cutoff: datetime) -> int:
    result = s.execute(
        delete(ChatwootNote)
        .where(ChatwootNote.status != "pending", ChatwootNote.received_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
