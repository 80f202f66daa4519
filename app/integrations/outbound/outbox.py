"""Writing events into the outbox, in the caller's transaction: the change and its event commit together or
not at all (services never commit; the request's unit of work does). The worker delivers them later
(app/integrations/outbound/worker.py), so no HTTP call ever runs inside a request's transaction.

The case domain calls :func:`case_opened` and the others below; this module imports no domain at run time, so
app/cases/ can depend on it without a circle.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.privacy import mask
from app.integrations.outbound.models import OutboundDelivery, OutboundEvent, OutboundTarget

if TYPE_CHECKING:
    from app.cases.models import Approval, Case, FollowUp

CENT = Decimal("0.01")
EVENT_TYPES = (
    "case.opened",
    "approval.needed",
    "approval.decided",
    "followup.due",
    "followup.overdue",
    "case.resolved",
    "case.closed",
)
# What a group robot says by default: what a 店长 must decide and what the team is late with. Anything more in a
# chat group is noise people learn to mute; a target may still subscribe to others.
ROBOT_DEFAULT = ("approval.needed", "approval.decided", "followup.overdue")


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def emit(
    s: Session,
    shop_id: str,
    type_: str,
    at: datetime,
    data: dict[str, Any],
    *,
    case_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboundEvent | None:
    """The event and one pending delivery per active target of the shop subscribed to it. None when no target
    listens: an event nobody will receive is not stored (shops without integrations write nothing)."""
    targets = s.scalars(
        select(OutboundTarget).where(OutboundTarget.shop_id == shop_id, OutboundTarget.active.is_(True))
    ).all()
    subscribed = [t for t in targets if type_ in t.events]
    if not subscribed:
        return None
    event_id = new_event_id()
    payload = {"id": event_id, "type": type_, "shop_id": shop_id, "at": at.astimezone(UTC).isoformat(), "data": data}
    event = OutboundEvent(
        id=event_id, shop_id=shop_id, type=type_, at=at, case_id=case_id, payload=payload, dedupe_key=dedupe_key
    )
    s.add(event)
    # Due by the wall clock, not by ``at``: a request may state its own "now" (/v1/suggest's ``now``), and a
    # delivery scheduled at a stated future would wait for it.
    sent_from = datetime.now(UTC)
    for target in subscribed:
        s.add(
            OutboundDelivery(
                event_id=event_id,
                target_id=target.id,
                shop_id=shop_id,
                status="pending",
                attempts=0,
                extra_attempts=0,
                next_at=sent_from,
                created_at=sent_from,
            )
        )
    s.flush()
    return event


def _money(value: Decimal | None) -> str | None:
    # Two decimals always: an amount just written is the Decimal as typed ("90"), one read back is "90.00".
    return None if value is None else f"{Decimal(value).quantize(CENT):f}"


def case_data(case: Case) -> dict[str, Any]:
    """What receivers learn of a case: its ids, state and remedy; never the buyer's reference (it may be a phone
    number or a nickname)."""
    return {
        "id": case.id,
        "intent": case.intent,
        "status": case.status,
        "order_id": case.order_id,
        "conversation_id": case.conversation_id,
        "assignee": case.assignee,
        "remedy": case.remedy,
        "amount": _money(case.amount),
    }


def approval_data(approval: Approval) -> dict[str, Any]:
    return {
        "id": approval.id,
        "status": approval.status,
        "amount": _money(approval.amount),
        "remedy": approval.remedy,
        "asked_by": approval.asked_by,
        "asked_at": approval.asked_at.astimezone(UTC).isoformat(),
        "answer_by": approval.answer_by.astimezone(UTC).isoformat(),
        "decided_by": approval.decided_by,
        "decided_at": approval.decided_at.astimezone(UTC).isoformat() if approval.decided_at else None,
        "reason": mask(approval.reason) if approval.reason else None,
    }


def follow_up_data(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "id": follow_up.id,
        "what": mask(follow_up.what),  # free text an agent typed: a phone or an address in it stays home
        "kind": follow_up.kind,
        "due_at": follow_up.due_at.astimezone(UTC).isoformat(),
    }


def case_opened(s: Session, case: Case, now: datetime) -> None:
    emit(s, case.shop_id, "case.opened", now, {"case": case_data(case)}, case_id=case.id)


def approval_needed(s: Session, approval: Approval, now: datetime) -> None:
    case = approval.case
    data = {"approval": approval_data(approval), "case": case_data(case)}
    emit(s, case.shop_id, "approval.needed", now, data, case_id=case.id)


def approval_decided(s: Session, approval: Approval, now: datetime) -> None:
    case = approval.case
    data = {"approval": approval_data(approval), "case": case_data(case)}
    emit(s, case.shop_id, "approval.decided", now, data, case_id=case.id)


def case_finished(s: Session, case: Case, now: datetime) -> None:
    """``case.resolved`` or ``case.closed``, by the status the case just took."""
    if case.status in ("resolved", "closed"):
        emit(s, case.shop_id, f"case.{case.status}", now, {"case": case_data(case)}, case_id=case.id)
