"""The note queue's rules: which shop a Chatwoot message belongs to, queueing it once, taking due notes,
making each note's suggestion once (the same as /v1/suggest gives, recorded on the conversation's cases),
and the retry schedule. Functions never commit: the caller's unit of work does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.core.clock import SHOP_TZ
from app.core.engine import Engine
from app.db.session import Database
from app.errors import AppError
from app.http import idempotency
from app.integrations.chatwoot import note as notes
from app.integrations.chatwoot import repository as repo
from app.integrations.chatwoot.models import ChatwootNote
from app.integrations.chatwoot.payload import BuyerMessage
from app.suggest import service as suggest
from app.suggest.schemas import SuggestRequest
from app.suggest.serialize import case_refs_out, suggestion_out

LEASE = timedelta(seconds=60)  # a worker posting a note holds it this long; a crashed worker's note is taken again
MAX_ATTEMPTS = 8
KEPT = timedelta(days=30)  # settled notes (posted, skipped, failed) are deleted after this
MAX_DELAY_SECONDS = 600.0

Mapping = tuple[tuple[int, int | None, str], ...]  # settings.chatwoot_shops: (account, inbox or None, shop)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A note ready to post, read out of its row so that no session is held during the HTTP call."""

    id: int
    account_id: int
    conversation_id: int
    text: str


def conversation_key(account_id: int, conversation_id: int) -> str:
    """The conversation id the suggest service keys memory and cases by: a Chatwoot conversation's display id
    is unique only within its account."""
    return f"chatwoot-{account_id}-{conversation_id}"


def shop_for(mapping: Mapping, account_id: int, inbox_id: int | None) -> str | None:
    """The inbox's shop, else the account's; None when neither is mapped."""
    by_inbox = next((shop for a, i, shop in mapping if a == account_id and i is not None and i == inbox_id), None)
    return by_inbox or next((shop for a, i, shop in mapping if a == account_id and i is None), None)


def enqueue(s: Session, message: BuyerMessage, shop_id: str, now: datetime) -> bool:
    """Queue the note of ``message``; False when that Chatwoot message is already queued."""
    return repo.add_once(
        s,
        ChatwootNote(
            account_id=message.account_id,
            inbox_id=message.inbox_id,
            conversation_id=message.conversation_id,
            message_id=message.message_id,
            shop_id=shop_id,
            content=message.content,
            attachments=list(message.attachments),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            received_at=now,
        ),
    )


def take_due(s: Session, now: datetime, limit: int = 10) -> list[int]:
    """Claim the due notes for this worker: each counts an attempt and is leased (not due again) for LEASE."""
    taken = repo.claim_due(s, now, limit)
    for row in taken:
        row.attempts += 1
        row.next_attempt_at = now + LEASE
    return [row.id for row in taken]


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A claimed note whose suggestion is still to be made: what the suggest service needs, out of the row."""

    id: int
    shop_id: str
    conversation: str  # conversation_key(…)
    message_id: int
    content: str
    attachments: tuple[str, ...]
    received_at: datetime


def pending(s: Session, note_id: int) -> Outgoing | Unanswered | None:
    """What a claimed note needs next: posting (its note is made), its suggestion, or nothing (settled)."""
    row = repo.lock(s, note_id)
    if row is None or row.status != "pending":
        return None
    if row.note is not None:
        return Outgoing(row.id, row.account_id, row.conversation_id, row.note)
    return Unanswered(
        row.id,
        row.shop_id,
        conversation_key(row.account_id, row.conversation_id),
        row.message_id,
        row.content or "",
        tuple(row.attachments),
        row.received_at,
    )


def answer(database: Database, engine: Engine, note: Unanswered, memory_hours: float) -> dict[str, Any]:
    """The suggest service's answer for the message, recorded on the conversation's cases once per Chatwoot
    message id whoever asks first: the same record as /v1/suggest's ``message_id`` (the sidebar of any agent), so
    a message both see is recorded once and both show the same answer. Raises AppError when there is none."""
    try:
        body = SuggestRequest.model_validate(
            {
                "message": note.content,
                "attachments": [{"type": kind} for kind in note.attachments],
                "conversation_id": note.conversation,
                "message_id": str(note.message_id),
                "shop_id": note.shop_id,
                "now": note.received_at,  # the message's time, not the worker's: deadlines run from it
            }
        )
    except ValidationError:
        raise AppError("the message cannot be read as a suggest request", code="unreadable_message") from None
    ask = suggest.check(engine, body)

    def record(s: Session) -> tuple[int, dict[str, Any]]:
        result, refs = suggest.suggest_in_case(
            s,
            engine,
            ask,
            shop_id=note.shop_id,
            shop_ids=(note.shop_id,),
            conversation_id=note.conversation,
            case_id=None,
            memory_hours=memory_hours,
        )
        return 200, suggestion_out(result, case_refs_out(refs))

    _, found = idempotency.run(
        database,
        suggest.MESSAGE_SCOPE,
        suggest.message_key(note.conversation, None, str(note.message_id), None),
        body.model_dump_json(),
        ask.now,
        record,
        suggest.message_owner(note.shop_id),
        same_body=False,
    )
    return found


def noted(s: Session, note_id: int, found: dict[str, Any]) -> Outgoing | None:
    """Keep the note made from ``found``; None when there is nothing worth posting (a greeting: skipped)."""
    row = repo.lock(s, note_id)
    if row is None or row.status != "pending":
        return None
    row.content = None  # the case keeps the buyer's words from here; the queue no longer needs them
    if not notes.worth_a_note(found):  # "在吗", "好的": a note saying nothing is noise in the conversation
        row.status, row.note = "skipped", ""
        return None
    row.note = notes.compose(found)
    return Outgoing(row.id, row.account_id, row.conversation_id, row.note)


def give_up(s: Session, note_id: int, error: str) -> None:
    row = repo.lock(s, note_id)
    if row is not None and row.status == "pending":
        _fail(row, error)


def posted(s: Session, note_id: int, chatwoot_id: int | None, now: datetime) -> None:
    row = repo.lock(s, note_id)
    if row is not None:
        row.status, row.posted_at, row.chatwoot_note_id, row.last_error = "posted", now, chatwoot_id, None


def not_posted(s: Session, note_id: int, error: str, retryable: bool, now: datetime, first_delay: float) -> None:
    """Chatwoot did not take the note: again after the backoff, or given up (a 4xx, or MAX_ATTEMPTS tries)."""
    row = repo.lock(s, note_id)
    if row is None or row.status != "pending":
        return
    if not retryable or row.attempts >= MAX_ATTEMPTS:
        _fail(row, error)
        return
    row.last_error = error[:500]
    row.next_attempt_at = now + timedelta(seconds=backoff(first_delay, row.attempts))


def backoff(first_delay: float, attempts: int) -> float:
    """Seconds before the next try after ``attempts`` tries: first_delay, doubled each time, at most 10 min."""
    return min(first_delay * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)


def now() -> datetime:
    return datetime.now(SHOP_TZ)


def purge(s: Session, now: datetime) -> int:
    """Forget notes settled more than KEPT ago: the case holds what was suggested; the queue is not an archive."""
    return repo.delete_settled_before(s, now - KEPT)


def _fail(row: ChatwootNote, error: str) -> None:
    row.status, row.last_error, row.content = "failed", error[:500], None
