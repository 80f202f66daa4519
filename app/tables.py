"""Every table of every domain, registered on Base.metadata: Alembic (autogenerate, alembic/env.py) and the
migration tests need the whole schema. It stands above the domains, so app/db/ never imports one."""

from app.auth.models import ApiKey, EditorSession, RateWindow
from app.cases.models import Approval, Case, CaseEvent, EvidenceItem, FollowUp
from app.conversations.models import ConversationTurn
from app.http.idempotency import IdempotencyRecord
from app.integrations.chatwoot.models import ChatwootNote
from app.phrasebook.models import PhrasebookVersion

__all__ = [
    "ApiKey",
    "Approval",
    "Case",
    "CaseEvent",
    "ChatwootNote",
    "ConversationTurn",
    "EditorSession",
    "EvidenceItem",
    "FollowUp",
    "IdempotencyRecord",
    "PhrasebookVersion",
    "RateWindow",
]
