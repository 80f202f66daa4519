"""Chatwoot's ``message_created`` webhook payload → the buyer message a note answers, or why none is due (pure).

The payload is ``Message#webhook_data`` merged with ``event`` (Chatwoot ``app/models/message.rb`` and
``app/listeners/webhook_listener.rb``): ``id``, ``content``, ``message_type`` as its name (``incoming``,
``outgoing``, ``activity``, ``template``), ``private``, ``sender`` (``Contact#webhook_data`` carries
``type: "contact"``, an agent's ``"user"``, a bot's ``"agent_bot"``), ``account`` and ``inbox`` ({id, name}),
``conversation`` (``Conversations::EventDataPresenter#push_data``: its ``id`` is the display id that the
Application API takes in its paths), and ``attachments`` (each with ``file_type``) when there are any.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Chatwoot's attachment file types → the kinds /v1/suggest knows; a picture or video can be the evidence asked for.
_KINDS = {"image": "image", "video": "video"}
MAX_CONTENT = 2000  # the suggest request's own bound on a message (app/suggest/schemas.py)


@dataclass(frozen=True, slots=True)
class BuyerMessage:
    account_id: int
    inbox_id: int | None
    conversation_id: int  # the display id, as the Application API's paths take it
    message_id: int
    content: str
    attachments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str  # a stable code for the answer and the log line


def read(payload: Any) -> BuyerMessage | Ignored:
    """The buyer's message when the event is one: an incoming, public message from a contact."""
    if not isinstance(payload, dict):
        return Ignored("not_an_object")
    if payload.get("event") != "message_created":
        return Ignored("other_event")
    if payload.get("message_type") != "incoming":
        return Ignored("not_incoming")  # the agents' own replies, activity lines, templates
    if payload.get("private") is True:
        return Ignored("private_note")
    sender = payload.get("sender")
    if not isinstance(sender, dict) or sender.get("type") != "contact":
        return Ignored("not_from_contact")
    account = _id(payload.get("account"))
    conversation = _id(payload.get("conversation"))
    message = payload.get("id")
    if account is None or conversation is None or not isinstance(message, int) or not _is_id(message):
        return Ignored("missing_ids")
    content = payload.get("content")
    # NUL: PostgreSQL's text cannot hold it, and no buyer typed it.
    text = content.replace("\x00", "").strip()[:MAX_CONTENT] if isinstance(content, str) else ""
    files = payload.get("attachments")
    kinds = tuple(
        _KINDS.get(str(a.get("file_type")), "file")
        for a in (files if isinstance(files, list) else [])
        if isinstance(a, dict)
    )[:20]
    if not text and not kinds:
        return Ignored("empty")
    return BuyerMessage(account, _id(payload.get("inbox")), conversation, message, text, kinds)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _id(part: object) -> int | None:
    value = part.get("id") if isinstance(part, dict) else None
    return value if isinstance(value, int) and _is_id(value) else None
