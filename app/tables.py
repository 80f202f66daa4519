"""Every table of every domain, registered on Base.metadata: Alembic (autogenerate, alembic/env.py) and the
migration tests need the whole schema. It stands above the domains, so app/db/ never imports one."""

from app.auth.models import ApiKey, EditorSession, RateWindow
from app.cases.models import Approval, Case, CaseEvent, EvidenceItem, FollowUp
from app.conversations.models import ConversationTurn
from app.http.idempotency import IdempotencyRecord
from app.integrations.chatwoot.models import ChatwootNote
from app.integrations.outbound.models import DeliveryAttempt, OutboundDelivery, OutboundEvent, OutboundTarget
from app.phrasebook.models import PhrasebookVersion
from app.privacy.models import MaintenanceLease, PrivacyLog

__all__ = [
    "ApiKey",
    "Approval",
    "Case",
    "CaseEvent",
    "ChatwootNote",
    "ConversationTurn",
    "DeliveryAttempt",
    "EditorSession",
    "EvidenceItem",
    "FollowUp",
    "IdempotencyRecord",
    "OutboundDelivery",
    "OutboundEvent",
    "OutboundTarget",
    "MaintenanceLease",
    "PhrasebookVersion",
    "PrivacyLog",
    "RateWindow",
]
