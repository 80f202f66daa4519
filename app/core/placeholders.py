"""Values for a script's placeholders: from the message's entities, the situation and the amount offered."""

from __future__ import annotations

from decimal import Decimal

from app.core.entities import Entities
from app.core.situation import Approval, Situation

_COMPENSATION_WORDS = ("赔", "补偿", "补贴", "返现", "红包", "补我", "退我")


def asked_amount(normalized: str, entities: Entities) -> Decimal | None:
    """An amount the buyer asks for: only when the message speaks of compensation."""
    if not entities.amounts or not any(w in normalized for w in _COMPENSATION_WORDS):
        return None
    return max(Decimal(a.value) for a in entities.amounts)


def from_situation(
    deadline_kind: str | None, situation: Situation, amount: Decimal | None, approved: Approval | None
) -> dict[str, str]:
    """``deadline_kind``: the deadline the flow's {{ deadline }} means."""
    values: dict[str, str] = {}
    due = next((d.due_at for d in situation.deadlines if d.kind == deadline_kind), None)
    if due is None and approved is not None and approved.needed:
        due = approved.answer_by  # escalation scripts promise an answer within the approval time
    if due is not None:
        values["deadline"] = f"{due.month}月{due.day}日{due:%H:%M}"
    if amount is not None:
        values["amount"] = f"{amount:f}".removesuffix(".00")
    return values


def from_entities(entities: Entities) -> dict[str, str]:
    values: dict[str, str] = {}
    if entities.tracking_numbers:
        first = entities.tracking_numbers[0]
        values["tracking_no"] = first.value
        if first.courier_name and first.confidence == "high":
            values["courier"] = first.courier_name
    if entities.order_numbers:
        values["order_no"] = entities.order_numbers[0].value
    # No amount: a figure the buyer wrote ("补偿50吧") is theirs, never the amount a script grants
    # (from_situation fills {{ amount }} from the agent's or the case's amount).
    return values
