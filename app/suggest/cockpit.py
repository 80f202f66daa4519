"""The case cockpit's rules: the script a case is at and what can happen next (GET /v1/cases/{id}/next), the
shop's scripts searched (GET /v1/scripts) and the agent's choice among them (POST /v1/cases/{id}/choose).
Every call into the engine goes through here; functions never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.cases import service as cases
from app.cases.models import REMEDIES, Case
from app.cases.service import TRANSITIONS, case_state
from app.core.content.policy import Policy
from app.core.engine import Engine, Suggestion
from app.core.search import Entry
from app.core.steps import Steps, next_steps
from app.errors import Conflict, FieldError


@dataclass(frozen=True, slots=True)
class Next:
    case: Case
    suggestion: Suggestion  # its one script is the case's current step (none when the intent has no flow)
    steps: Steps | None
    statuses: tuple[str, ...]


def next_for(engine: Engine, case: Case, now: datetime) -> Next:
    """The script of the step the case is at, advised from what the case holds and no new message, and what
    can happen next from its flow."""
    triage = engine.triage("", chosen=case.intent) if case.intent in engine.catalog.flows else None
    if triage is None:
        empty = engine.advise(engine.triage(""), shop_id=case.shop_id, now=now)
        return Next(case, empty, None, tuple(sorted(TRANSITIONS[case.status])))
    state = case_state(case)
    suggestion = engine.advise(triage, cases={case.intent: state}, shop_id=case.shop_id, now=now)
    flow = engine.playbook.flow(case.intent, case.shop_id)
    script = suggestion.scripts[0] if suggestion.scripts else None
    branch = flow.branch(script.script_id.removeprefix(f"{case.intent}.")) if flow and script else None
    steps = None
    if flow is not None and branch is not None:
        policy = engine.policies.for_shop(case.shop_id)
        steps = next_steps(
            flow,
            branch,
            engine.catalog.vocabulary,
            requested=[i.evidence_id for i in case.evidence],
            received=state.evidence_received,
            remedies=REMEDIES,
            amount_range=lambda _remedy: amount_range(policy, branch.script_id, case.intent),
        )
    return Next(case, suggestion, steps, tuple(sorted(TRANSITIONS[case.status])))


def amount_range(policy: Policy, script_id: str, intent: str) -> tuple[Decimal, Decimal]:
    """What an agent may give here: the script's own offer (不制冷 挽留 10–20 元), else the shop's range.
    (Per-intent ranges, when the money rules land, come from app.core compensation_range.)"""
    offer = policy.offers.get(script_id)
    if offer is not None:
        return offer.min, offer.max
    c = policy.compensation
    return c.agent_min, c.agent_max


def search(engine: Engine, query: str, shop_id: str | None, limit: int) -> list[Entry]:
    return engine.script_index(shop_id).search(query, limit)


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
    """The agent's choice of script for the case. A script of another intent belongs to the conversation's
    case for that intent, found or opened: that case is returned."""
    intent, _, branch_id = script_id.partition(".")
    flow = engine.playbook.flow(intent, case.shop_id)
    if flow is None or flow.branch(branch_id) is None:
        raise FieldError("body.script_id", "没有这个话术 unknown script; see GET /v1/scripts", code="unknown_script")
    if version is not None and case.version != version:
        raise Conflict(
            f"案件已被他人修改 case was changed by someone else: version {case.version}, you had {version}",
            code="stale_version",
        )
    was = {"intent": case.intent, "branch": case.branch}
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
    cases.choose_branch(s, target, script_id, now, actor, was)
    s.flush()
    return target
