"""The engine: message and what is known in; intents, scripts, evidence, actions, deadlines out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from app.core import address
from app.core.clock import SHOP_TZ
from app.core.content.cache import load_content
from app.core.content.models import Branch, Catalog, Flow
from app.core.content.policy import Policies
from app.core.entities import Entities, extract
from app.core.matcher import Match, Matcher, MatcherConfig
from app.core.normalize import Normalizer
from app.core.order import Order
from app.core.playbook import Context, Playbook
from app.core.situation import Approval, Deadline, Eligibility, Situation, approval, assess
from app.core.tokenize import Tokenizer

# The deadline a script's {{ deadline }} means, per intent.
_PRIMARY_DEADLINE = {
    "lost_parcel": "lost_parcel_verification",
    "seven_day_return": "seven_day_return_window",
    "delivery_chase": "pickup_timeout",
    "shipping_eta": "ship_by",
    "refund_progress": "refund_first_response",
    "missing_item": "warehouse_feedback",
    "wrong_item": "warehouse_feedback",
}
_COMPENSATION_WORDS = ("赔", "补偿", "补贴", "返现", "红包", "补我", "退我")


@dataclass(frozen=True, slots=True)
class CaseState:
    """What a case already holds for one intent."""

    evidence_received: frozenset[str] = frozenset()
    assessment: str | None = None
    opened_at: datetime | None = None  # deadlines that run from the report count from here, not from now


@dataclass(frozen=True, slots=True)
class Named:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class NextStep:
    script_id: str
    name: str
    when: dict[str, object]


@dataclass(frozen=True, slots=True)
class ScriptSuggestion:
    intent: str
    script_id: str
    name: str
    text: str
    missing_placeholders: tuple[str, ...]
    evidence: tuple[Named, ...]
    actions: tuple[Named, ...]
    next: tuple[NextStep, ...]
    source: str  # file:line of the branch
    seed: str  # where in the seed documents the branch comes from
    notes: tuple[str, ...] = ()  # platform rules and policy the agent must keep in mind
    asks: tuple[str, ...] = ()  # what to verify before this script fully applies


@dataclass(frozen=True, slots=True)
class Suggestion:
    match: Match
    scripts: tuple[ScriptSuggestion, ...]
    entities: Entities
    phrasebook_version: str
    deadlines: tuple[Deadline, ...] = ()
    eligibility: dict[str, Eligibility] = field(default_factory=dict)
    approval: Approval | None = None


class Engine:
    """Immutable once built; a reload builds a new Engine beside the old one and swaps the reference."""

    def __init__(
        self,
        catalog: Catalog,
        normalizer: Normalizer,
        tokenizer: Tokenizer,
        policies: Policies,
        config: MatcherConfig | None = None,
    ) -> None:
        self.catalog = catalog
        self.normalizer = normalizer
        self.policies = policies
        self.matcher = Matcher(catalog, normalizer, tokenizer, config)
        self.playbook = Playbook(catalog)
        # What a branch shows of itself never changes with the message: built once, keyed by where the branch
        # is written, as the playbook's templates are. Its next steps are not: a shared step leads to the
        # steps of the flow it is shown in, which a shop may have reworded.
        vocab = catalog.vocabulary
        branches = [b for f in catalog.all_flows() for b in f.branches]
        self._evidence = {b.source: tuple(Named(e, vocab.evidence.get(e, e)) for e in b.evidence) for b in branches}
        self._conditions = {b.source: describe_conditions(b) for b in branches}

    @property
    def version(self) -> str:
        return self.catalog.version

    def match(self, message: str) -> Match:
        return self.matcher.match(message)

    def suggest(
        self,
        message: str,
        *,
        order: Order | None = None,
        evidence_received: frozenset[str] = frozenset(),
        assessment: str | None = None,
        shop_id: str | None = None,
        proposed_compensation: Decimal | None = None,
        now: datetime | None = None,
        known: Callable[[str], CaseState] | None = None,
        fallback_intent: str | None = None,
    ) -> Suggestion:
        """``known(intent)`` supplies what a case already holds for that intent (evidence received, the agent's
        assessment, when it was opened); ``fallback_intent`` continues an open case when the message names no
        problem itself."""
        order = order or Order()
        now = (now or datetime.now(SHOP_TZ)).astimezone(SHOP_TZ)
        policy = self.policies.for_shop(shop_id)
        match = self.matcher.match(message)
        entities = extract(match.normalized, now.date())
        amount = (
            proposed_compensation if proposed_compensation is not None else _asked_amount(match.normalized, entities)
        )
        approved = approval(amount, policy, now)
        scripts, deadlines, eligibility = [], [], {}
        intents = [s.intent for s in match.intents]
        if (
            fallback_intent
            and fallback_intent not in intents
            and (not intents or not any(not h.negated for h in match.intents[0].keywords))
        ):
            # Mid-conversation, only a keyword is evidence of a new problem; a message that merely resembles
            # an example ("照片发你了") continues the case already open.
            intents = [fallback_intent]
        for intent in intents:
            flow = self.playbook.flow(intent, shop_id)
            if flow is None:
                continue
            state = known(intent) if known else CaseState()
            situation = assess(
                intent,
                order,
                now,
                policy,
                needs_status=_uses(flow, "order_status"),
                needs_signer=_uses(flow, "signed_by"),
                reported_at=state.opened_at.astimezone(SHOP_TZ) if state.opened_at else None,
            )
            if intent == "address_change":
                _check_address(match.normalized, entities, situation)
            ctx = Context(
                order.status,
                order.signed_by,
                state.evidence_received | evidence_received,
                assessment or state.assessment,
                frozenset(situation.facts),
            )
            branch = self.playbook.select(flow, ctx, match.normalized)
            values = {**_values_from(entities), **_values_for(intent, situation, amount, approved)}
            scripts.append(self._script(flow, branch, values, situation, approved))
            deadlines.extend(d for d in situation.deadlines if d not in deadlines)
            eligibility.update(situation.eligibility)
        if approved is not None and approved.needed and approved.answer_by is not None:
            deadlines.append(Deadline("supervisor_approval", approved.answer_by, f"{approved.approver}批复时限"))
        deadlines.sort(key=lambda d: d.due_at)
        return Suggestion(
            match, tuple(scripts), entities, self.catalog.version, tuple(deadlines), eligibility, approved
        )

    def _script(
        self, flow: Flow, branch: Branch, values: dict[str, str], situation: Situation, approved: Approval | None
    ) -> ScriptSuggestion:
        vocab = self.catalog.vocabulary
        rendered = self.playbook.render(branch, values)
        actions = list(branch.actions)
        if approved is not None and approved.needed and "escalate_manager" not in actions:
            actions.append("escalate_manager")
        steps = tuple(
            NextStep(n.script_id, n.name, self._conditions[n.source])
            for n in (flow.branch(t) for t in branch.next)
            if n is not None
        )
        return ScriptSuggestion(
            intent=flow.intent,
            script_id=branch.script_id,
            name=branch.name,
            text=rendered.text,
            missing_placeholders=rendered.missing,
            evidence=self._evidence[branch.source],
            actions=tuple(Named(a, vocab.actions.get(a, a)) for a in actions),
            next=steps,
            source=str(branch.source),
            seed=branch.source_note,
            notes=tuple(situation.notes),
            asks=tuple(situation.asks),
        )


def _check_address(normalized: str, entities: Entities, situation: Situation) -> None:
    found = address.check(normalized, entities)
    if found is None:
        return
    if found.missing:
        situation.notes.append(f"新收货信息:已有{'、'.join(found.present)};缺少{'、'.join(found.missing)}")
        situation.asks.append(f"请买家补充:{'、'.join(found.missing)}(格式:名字+电话+完整地址+邮编)")
    else:
        situation.notes.append("新收货信息格式齐全:名字、电话、完整地址、邮编")


def _uses(flow: Flow, condition: str) -> bool:
    return any(getattr(b.when, condition) for b in flow.branches)


def describe_conditions(branch: Branch) -> dict[str, object]:
    w = branch.when
    out: dict[str, object] = {}
    if w.order_status:
        out["order_status"] = sorted(w.order_status)
    if w.signed_by:
        out["signed_by"] = sorted(w.signed_by)
    if w.message_has:
        out["message_has"] = list(w.message_has)
    if w.evidence_received:
        out["evidence_received"] = sorted(w.evidence_received)
    if w.assessment:
        out["assessment"] = w.assessment
    return out


def _asked_amount(normalized: str, entities: Entities) -> Decimal | None:
    """An amount the buyer asks for: only when the message speaks of compensation."""
    if not entities.amounts or not any(w in normalized for w in _COMPENSATION_WORDS):
        return None
    return max(Decimal(a["value"]) for a in entities.amounts)


def _values_for(intent: str, situation: Situation, amount: Decimal | None, approved: Approval | None) -> dict[str, str]:
    values: dict[str, str] = {}
    kind = _PRIMARY_DEADLINE.get(intent)
    due = next((d.due_at for d in situation.deadlines if d.kind == kind), None)
    if due is None and approved is not None and approved.needed:
        due = approved.answer_by  # escalation scripts promise an answer within the approval time
    if due is not None:
        values["deadline"] = f"{due.month}月{due.day}日{due:%H:%M}"
    if amount is not None:
        values["amount"] = f"{amount:f}".removesuffix(".00")
    return values


def _values_from(entities: Entities) -> dict[str, str]:
    values: dict[str, str] = {}
    if entities.tracking_numbers:
        first = entities.tracking_numbers[0]
        values["tracking_no"] = first["value"]
        if first["courier_name"] and first["confidence"] == "high":
            values["courier"] = first["courier_name"]
    if entities.order_numbers:
        values["order_no"] = entities.order_numbers[0]["value"]
    if entities.amounts:
        values["amount"] = entities.amounts[0]["value"].removesuffix(".00")
    return values


def build_engine(
    content_root: Path,
    cache_dir: Path | None = None,
    config: MatcherConfig | None = None,
    normalizer: Normalizer | None = None,
    reuse: Engine | None = None,
) -> Engine:
    """Load and validate the content and policy, then build the tokenizer and indexes. Raises ContentInvalid."""
    normalizer = normalizer or (reuse.normalizer if reuse is not None else Normalizer())
    catalog, policies = load_content(content_root, normalizer, cache_dir)
    words = frozenset(k.text for i in catalog.intents.values() for k in i.keywords)
    previous = reuse.matcher.tokenizer if reuse is not None else None
    # jieba takes ~0.2 s to build; a reload that leaves the keywords alone shares the previous one, which
    # is never mutated after it is built.
    tokenizer = previous if previous is not None and previous.words == words else Tokenizer(words, cache_dir)
    return Engine(catalog, normalizer, tokenizer, policies, config)
