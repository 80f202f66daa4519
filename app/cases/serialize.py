"""Case records → JSON-ready dicts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.cases.models import Approval, Case, CaseEvent, FollowUp
from app.core.clock import SHOP_TZ


def _t(value: datetime | None) -> str | None:
    """Times go out in the shops' zone, like every other time in the API."""
    return value.astimezone(SHOP_TZ).isoformat() if value is not None else None


def follow_up_out(f: FollowUp) -> dict:
    return {
        "id": f.id,
        "case_id": f.case_id,
        "what": f.what,
        "due_at": _t(f.due_at),
        "done_at": _t(f.done_at),
        "done_by": f.done_by,
        "kind": f.kind,
        "source": f.source,
    }


def approval_out(a: Approval) -> dict:
    return {
        "id": a.id,
        "case_id": a.case_id,
        "shop_id": a.shop_id,
        "status": a.status,
        "amount": f"{a.amount:.2f}",
        "remedy": a.remedy,
        "asked_by": a.asked_by,
        "asked_at": _t(a.asked_at),
        "answer_by": _t(a.answer_by),
        "decided_by": a.decided_by,
        "decided_at": _t(a.decided_at),
        "reason": a.reason,
    }


def case_out(c: Case, evidence_names: Mapping[str, str]) -> dict:
    return {
        "id": c.id,
        "shop_id": c.shop_id,
        "order_id": c.order_id,
        "conversation_id": c.conversation_id,
        "buyer_ref": c.buyer_ref,
        "intent": c.intent,
        "branch": c.branch,
        "assessment": c.assessment,
        "status": c.status,
        "remedy": c.remedy,
        "amount": f"{c.amount:.2f}" if c.amount is not None else None,
        "assignee": c.assignee,
        "version": c.version,
        "created_at": _t(c.created_at),
        "updated_at": _t(c.updated_at),
        "evidence": [
            {
                "id": e.evidence_id,
                "name": evidence_names.get(e.evidence_id, e.evidence_id),
                "requested_at": _t(e.requested_at),
                "received_at": _t(e.received_at),
                "received_by": e.received_by,
            }
            for e in c.evidence
        ],
        "follow_ups": [follow_up_out(f) for f in c.follow_ups],
        # The latest approval: the sidebar shows the 店长's decision by reading the case again.
        "approval": approval_out(c.approvals[-1]) if c.approvals else None,
    }


def event_out(e: CaseEvent) -> dict:
    return {
        "id": e.id,
        "type": e.type,
        "at": _t(e.at),
        "actor": e.actor,
        "script_id": e.script_id,
        "data": _finite(e.data),
    }


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity. Writes refuse them now (app/http/fields.py), but SQLite's JSON column took
    them before, and one such event made its case's timeline a 500 for good: they read back as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
