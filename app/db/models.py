"""Every table's model is imported here so that Alembic's autogenerate sees the whole schema."""

from app.auth.models import ApiKey, RateWindow
from app.cases.models import Case, CaseEvent, EvidenceItem, FollowUp
from app.http.idempotency import IdempotencyRecord
from app.phrasebook.models import PhrasebookVersion

__all__ = [
    "ApiKey",
    "Case",
    "CaseEvent",
    "EvidenceItem",
    "FollowUp",
    "IdempotencyRecord",
    "PhrasebookVersion",
    "RateWindow",
]
