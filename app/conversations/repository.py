"""Every query on conversation turns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.conversations.models import ConversationTurn


def recent(s: Session, shop_id: str, conversation_id: str, since: datetime, limit: int) -> list[ConversationTurn]:
    """The conversation's turns at or after ``since``, at most ``limit`` of the newest, oldest first."""
    rows = s.scalars(
        select(ConversationTurn)
        .where(
            ConversationTurn.shop_id == shop_id,
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.at >= since,
        )
        .order_by(ConversationTurn.at.desc(), ConversationTurn.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def add(s: Session, shop_id: str, conversation_id: str, role: str, text: str, at: datetime) -> None:
    s.add(ConversationTurn(shop_id=shop_id, conversation_id=conversation_id, role=role, text=text, at=at))


def keep_newest(s: Session, shop_id: str, conversation_id: str, keep: int) -> None:
    """Delete the conversation's turns beyond the newest ``keep``."""
    newest = (
        select(ConversationTurn.id)
        .where(ConversationTurn.shop_id == shop_id, ConversationTurn.conversation_id == conversation_id)
        .order_by(ConversationTurn.at.desc(), ConversationTurn.id.desc())
        .limit(keep)
    )
    s.execute(
        delete(ConversationTurn)
        .where(
            ConversationTurn.shop_id == shop_id,
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.id.not_in(newest.scalar_subquery()),
        )
        .execution_options(synchronize_session=False)
    )


def purge_before(s: Session, cutoff: datetime) -> int:
    """Delete every turn older than ``cutoff``, in every conversation; the number deleted."""
    result = s.execute(
        delete(ConversationTurn).where(ConversationTurn.at < cutoff).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _conversations(shop_id: str, conversation_ids: list[str]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (ConversationTurn.shop_id == shop_id, ConversationTurn.conversation_id.in_(conversation_ids))


def count_in(s: Session, shop_id: str, conversation_ids: list[str]) -> int:
    """How many turns the shop keeps of these conversations."""
    if not conversation_ids:
        return 0
    where = _conversations(shop_id, conversation_ids)
    return s.scalar(select(func.count()).select_from(ConversationTurn).where(*where)) or 0


def delete_in(s: Session, shop_id: str, conversation_ids: list[str]) -> int:
    """Delete every turn of these conversations of the shop (an erasure); the number deleted."""
    if not conversation_ids:
        return 0
    result = s.execute(
        delete(ConversationTurn)
        .where(*_conversations(shop_id, conversation_ids))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mentioning(s: Session, shop_id: str, needles: list[str]) -> list[str]:
    """The shop's conversations with a turn containing any of ``needles`` (a phone as buyers write it)."""
    query = (
        select(ConversationTurn.conversation_id)
        .where(ConversationTurn.shop_id == shop_id, or_(*(ConversationTurn.text.contains(n) for n in needles)))
        .distinct()
    )
    return sorted(s.scalars(query))


def count_before(s: Session, cutoff: datetime) -> int:
    """How many turns :func:`purge_before` would delete (a dry run)."""
    return s.scalar(select(func.count()).select_from(ConversationTurn).where(ConversationTurn.at < cutoff)) or 0
