"""The case cockpit's rules: the script a case is at and the steps that can follow, an agent's chosen script,
the script search. Every call into the engine for these is here; functions never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.cases import repository as repo
from app.cases import service as cases
from app.cases.models import MONEY_REMEDIES, REMEDIES, Case
from app.core.checks import derived
from app.core.content.models import Branch, Flow
from app.core.content.policy import compensation_range
from app.core.engine import Engine, Suggestion
from app.errors import Conflict, FieldError

# Events after which the case's state, not an agent's earlier choice of script, decides the step shown.
_STATE_EVENTS = (
    "script_chosen",
    "assessment",
    "evidence_received",
    "action_done",
    "remedy_agreed",
    "approval_asked",
    "approval_given",
    "approval_rejected",
)


def current(s: Session, engine: Engine, case: Case, now: datetime) -> tuple[Suggestion, Flow | None]:
    """The script the case is at now: the branch its state selects, or the one the agent chose if nothing
    has changed on the case since."""
    latest = repo.latest_of(s, case.id, _STATE_EVENTS)
    pinned = None
    if latest is not None and latest.type == "script_chosen" and case.branch:
        pinned = case.branch.split(".", 1)[-1]
    result = engine.step(case.intent, cases.case_state(case), shop_id=case.shop_id, now=now, pinned=pinned)
    return result, engine.playbook.flow(case.intent, case.shop_id)


def steps(engine: Engine, case: Case, result: Suggestion, flow: Flow | None) -> dict[str, Any]:
    """What can happen next on the case, from its flow and its current branch."""
    vocab = engine.catalog.vocabulary
    script = result.scripts[0] if result.scripts else None
    branch = flow.by_script(script.script_id) if flow is not None and script is not None else None
    following = [flow.branch(n) for n in branch.next] if flow is not None and branch is not None else []
    assessments = [
        {"id": b.when.assessment, "name": vocab.assessments.get(b.when.assessment, b.name), "script_id": b.script_id}
        for b in following
        if b is not None and b.when.assessment and not derived(b.when.assessment)  # the order proves those
    ]
    received = cases.received_evidence(case)
    asked = [e.id for e in script.evidence] if script is not None else []
    evidence_ids = list(dict.fromkeys([*asked, *(i.evidence_id for i in case.evidence)]))
    low, high = compensation_range(engine.policies.for_shop(case.shop_id), case.intent)
    actions = [a for a in (script.actions if script is not None else ()) if a.id not in REMEDIES]
    remedies = [
        {
            "id": a.id,
            "name": a.name,
            "min": str(low) if a.id in MONEY_REMEDIES else None,
            "max": str(high) if a.id in MONEY_REMEDIES else None,
            "needs_amount": a.id in MONEY_REMEDIES,
        }
        for a in (script.actions if script is not None else ())
        if a.id in REMEDIES
    ]
    return {
        "assessments": assessments,
        "evidence": [{"id": e, "name": vocab.evidence.get(e, e), "received": e in received} for e in evidence_ids],
        "remedies": remedies,
        "actions": [{"id": a.id, "name": a.name} for a in actions],
        "statuses": _statuses(case),
    }


def _statuses(case: Case) -> list[str]:
    """The statuses an agent may set now: waiting_approval only comes from asking the 店长 (an amount above the
    range), and no case is resolved or closed while an approval is pending."""
    pending = (a := cases.latest_approval(case)) is not None and a.status == "pending"
    return sorted(
        t for t in cases.TRANSITIONS[case.status] if t != "waiting_approval" and not (pending and t in cases.FINAL)
    )


def choose(
    s: Session,
    engine: Engine,
    case: Case,
    script_id: str,
    now: datetime,
    *,
    version: int | None,
    actor: str | None,
    shop_ids: tuple[str, ...] | None,
) -> Case:
    """The agent's choice of any script for the conversation: the case of the script's intent (this one, or
    the conversation's case for that intent, found or opened) is at that step, and the choice is recorded."""
    intent, _, branch_id = script_id.partition(".")
    flow = engine.playbook.flow(intent, case.shop_id)
    branch: Branch | None = flow.branch(branch_id) if flow is not None else None
    if branch is None:
        raise FieldError(
            "body.script_id", "这个店铺没有这条话术 no such script for the case's shop", code="unknown_script"
        )
    if version is not None and version != case.version:
        raise Conflict(
            f"案件已被他人修改 case was changed by someone else: version {case.version}, you had {version}",
            code="stale_version",
        )
    target = case
    if intent != case.intent:
        target, _ = cases.open_or_find(
            s,
            shop_id=case.shop_id,
            scope=shop_ids,
            intent=intent,
            now=now,
            order_id=case.order_id,
            conversation_id=case.conversation_id,
            buyer_ref=case.buyer_ref,
        )
    was = {"intent": case.intent, "branch": case.branch}
    cases.add_event(
        s,
        target,
        "script_chosen",
        now,
        actor=actor,
        script_id=branch.script_id,
        data={"intent": intent, "branch": branch.script_id, "was": was},
    )
    cases.request_evidence(s, target, list(branch.evidence), now, actor)
    cases.set_branch(s, target, branch.script_id, now)
    s.flush()
    return target


def search(engine: Engine, query: str, shop_id: str | None, limit: int) -> list[dict[str, Any]]:
    vocab = engine.catalog.vocabulary
    return [
        {
            "script_id": h.entry.branch.script_id,
            "intent": h.entry.intent,
            "intent_name": h.entry.intent_name,
            "name": h.entry.branch.name,
            "text": engine.script_text(h.entry.branch),
            "evidence": [{"id": e, "name": vocab.evidence.get(e, e)} for e in h.entry.branch.evidence],
            "actions": [{"id": a, "name": vocab.actions.get(a, a)} for a in h.entry.branch.actions],
            "score": h.score,
        }
        for h in engine.search_scripts(query, shop_id, limit)
    ]
