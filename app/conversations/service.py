"""Remembering a conversation's recent turns. Bounded twice: at most ``KEEP`` turns per conversation, none older
than the memory's age (settings: CONVERSATION_MEMORY_HOURS), so the buyer's words are not kept beyond their
use: every write prunes its conversation, and whole-table purges of expired turns run at most once a minute.
Functions never commit: the caller's unit of work does."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.conversations import repository as repo
from app.core.conversation import Role, Turn

KEEP = 20  # the API's bound on context: more is never read
_PURGE_EVERY = 60.0  # seconds between whole-table purges in one process
_last_purge = 0.0
_lock = threading.Lock()


def recall(s: Session, shop_id: str, conversation_id: str, now: datetime, hours: float) -> list[Turn]:
    rows = repo.recent(s, shop_id, conversation_id, now - timedelta(hours=hours), KEEP)
    return [Turn(Role(r.role), r.text, r.at) for r in rows]


def remember(
    s: Session, shop_id: str, conversation_id: str, turns: list[tuple[Role, str]], now: datetime, hours: float
) -> None:
    """Append turns (the buyer's message, the question the service suggested) and prune."""
    for role, text in turns:
        repo.add(s, shop_id, conversation_id, role.value, text, now)
    s.flush()
    repo.keep_newest(s, shop_id, conversation_id, KEEP)
    global _last_purge
    with _lock:
        due = time.monotonic() - _last_purge >= _PURGE_EVERY
        if due:
            _last_purge = time.monotonic()
    if due:
        repo.purge_before(s, now - timedelta(hours=hours))


def expire(s: Session, now: datetime, hours: float, *, dry_run: bool = False) -> int:
    """Every shop's turns older than the memory's age (the daily purge: none stay when nobody writes)."""
    cutoff = now - timedelta(hours=hours)
    return repo.count_before(s, cutoff) if dry_run else repo.purge_before(s, cutoff)


def forget(s: Session, shop_id: str, conversation_ids: list[str], *, dry_run: bool = False) -> int:
    """Every turn of these conversations of the shop (an erasure); how many."""
    if dry_run:
        return repo.count_in(s, shop_id, conversation_ids)
    return repo.delete_in(s, shop_id, conversation_ids)


def mentioning(s: Session, shop_id: str, needles: list[str]) -> list[str]:
    """The shop's conversations that kept a turn containing one of ``needles``."""
    return repo.mentioning(s, shop_id, needles)
