"""Case-aware suggestions: the conversation's cases supply what has already happened, and every
message and suggestion is written to their timelines, so the next message gets the next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.cases import repository as repo
from app.cases import service
from app.cases.models import Case
from app.core.engine import CaseState, Engine, Suggestion
from app.core.order import Order


@dataclass(frozen=True, slots=True)
class CaseRef:
    case: Case
    created: bool


def suggest_in_case(
    s: Session,
    engine: Engine,
    message: str,
    *,
    now: datetime,
    shop_id: str | None,
    conversation_id: str | None,
    case_id: int | None,
    order: Order,
    order_id: str | None,
    evidence_received: frozenset[str],
    assessment: str | None,
    proposed_compensation: Decimal | None,
    shop_ids: tuple[str, ...] | None,
) -> tuple[Suggestion, list[CaseRef]]:
    """``shop_id`` is the shop the cases belong to (app.auth.guard.case_shop), or None with a ``case_id``,
    whose own shop is used; ``shop_ids`` is the caller's scope, checked again wherever a case is opened."""
    pinned = service.get(s, case_id, shop_ids) if case_id is not None else None
    if pinned is not None:
        shop, conversation_id = pinned.shop_id, pinned.conversation_id or conversation_id
    elif shop_id is not None:
        shop = shop_id
    else:
        raise ValueError("a case-aware suggestion needs the shop of its cases or a case_id")
    fallback = pinned.intent if pinned is not None else None
    if fallback is None:
        active = repo.find_active(s, shop, None, conversation_id, order_id)
        fallback = active.intent if active is not None else None
    triage = engine.triage(message, continuing=fallback)
    # The case of each intent to answer, found or opened before the engine builds on what the cases hold.
    cases: dict[str, CaseRef] = {}
    for intent in triage.intents:
        if pinned is not None and pinned.intent == intent:
            cases[intent] = CaseRef(pinned, False)
        else:
            case, created = service.open_or_find(
                s,
                shop_id=shop,
                scope=shop_ids,
                intent=intent,
                now=now,
                order_id=order_id,
                conversation_id=conversation_id,
            )
            cases[intent] = CaseRef(case, created)
    states = {
        intent: CaseState(service.received_evidence(ref.case), ref.case.assessment, ref.case.created_at)
        for intent, ref in cases.items()
    }
    result = engine.advise(
        triage,
        cases=states,
        order=order,
        evidence_received=evidence_received,
        assessment=assessment,
        shop_id=shop,
        proposed_compensation=proposed_compensation,
        now=now,
    )
    for script in result.scripts:
        case = cases[script.intent].case
        service.add_event(s, case, "message_received", now, data={"message": message})
        service.add_event(
            s,
            case,
            "suggestion_shown",
            now,
            script_id=script.script_id,
            data={"text": script.text, "phrasebook_version": result.phrasebook_version},
        )
        service.request_evidence(s, case, [e.id for e in script.evidence], now)
        # A plain UPDATE: the buyer's message must not invalidate the version an agent is holding.
        s.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(branch=script.script_id, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(case, "branch", script.script_id)
        set_committed_value(case, "updated_at", now)
    return result, [cases[x.intent] for x in result.scripts]
