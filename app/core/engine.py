"""The engine, in two phases. Phase 1 (:meth:`Engine.triage`) reads the message: the match and the intents
to answer. The caller then loads or opens whatever it keeps per intent (the case records); phase 2
(:meth:`Engine.advise`) takes that as data and builds scripts, evidence, actions, deadlines, eligibility and
approval. The core never calls back into the caller. :meth:`Engine.suggest` runs both with no case."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from app.core import checks, placeholders
from app.core.clock import SHOP_TZ
from app.core.content.cache import load_content
from app.core.content.models import Branch, Catalog, Flow
from app.core.content.policy import Policies
from app.core.entities import extract
from app.core.matcher import Match, Matcher, MatcherConfig
from app.core.normalize import Normalizer
from app.core.order import Order
from app.core.playbook import Context, Playbook, describe_conditions
from app.core.situation import Approval, Deadline, Given, Situation, approval, assess
from app.core.suggestion import CaseState, Named, NextStep, ScriptSuggestion, Suggestion, Triage
from app.core.terms import DeadlineKind
from app.core.tokenize import Tokenizer

__all__ = ["CaseState", "Engine", "Suggestion", "Triage", "build_engine", "describe_conditions"]


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

    def triage(self, message: str, *, continuing: str | None = None) -> Triage:
        """Phase 1. ``continuing``: the intent of the case already open in this conversation, answered
        instead when the message names no problem of its own."""
        match = self.matcher.match(message)
        intents = [s.intent for s in match.intents]
        if (
            continuing
            and continuing not in intents
            and (not intents or not any(not h.negated for h in match.intents[0].keywords))
        ):
            # Mid-conversation, only a keyword is evidence of a new problem; a message that merely resembles
            # an example ("照片发你了") continues the case already open.
            intents = [continuing]
        # Every shop's flows are the shared ones, some reworded: an intent with a shared flow has one anywhere.
        return Triage(match, tuple(i for i in intents if i in self.catalog.flows))

    def advise(
        self,
        triage: Triage,
        *,
        cases: Mapping[str, CaseState] | None = None,
        order: Order | None = None,
        evidence_received: frozenset[str] = frozenset(),
        assessment: str | None = None,
        shop_id: str | None = None,
        proposed_compensation: Decimal | None = None,
        now: datetime | None = None,
    ) -> Suggestion:
        """Phase 2. ``cases``: what each intent's case already holds (evidence received, the agent's
        assessment, when it was opened); an intent without one starts from nothing."""
        match = triage.match
        order = order or Order()
        now = (now or datetime.now(SHOP_TZ)).astimezone(SHOP_TZ)
        policy = self.policies.for_shop(shop_id)
        entities = extract(match.normalized, now.date())
        amount = (
            proposed_compensation
            if proposed_compensation is not None
            else placeholders.asked_amount(match.normalized, entities)
        )
        approved = approval(amount, policy, now)
        scripts: list[ScriptSuggestion] = []
        deadlines: list[Deadline] = []
        eligibility = {}
        for intent in triage.intents:
            flow = self.playbook.flow(intent, shop_id)
            if flow is None:
                continue
            state = (cases or {}).get(intent) or CaseState()
            since = state.opened_at.astimezone(SHOP_TZ) if state.opened_at else now
            situation = assess(
                intent,
                Given(order, now, policy, since, match.normalized, entities),
                checks.for_flow(flow.checks),
                needs_status=_uses(flow, "order_status"),
                needs_signer=_uses(flow, "signed_by"),
            )
            ctx = Context(
                order.status,
                order.signed_by,
                state.evidence_received | evidence_received,
                assessment or state.assessment,
                frozenset(situation.facts),
            )
            branch = self.playbook.select(flow, ctx, match.normalized)
            values = {
                **placeholders.from_entities(entities),
                **placeholders.from_situation(flow.deadline, situation, amount, approved),
            }
            scripts.append(self._script(flow, branch, values, situation, approved))
            deadlines.extend(d for d in situation.deadlines if d not in deadlines)
            eligibility.update(situation.eligibility)
        if approved is not None and approved.needed and approved.answer_by is not None:
            deadlines.append(
                Deadline(DeadlineKind.SUPERVISOR_APPROVAL, approved.answer_by, f"{approved.approver}批复时限")
            )
        deadlines.sort(key=lambda d: d.due_at)
        return Suggestion(
            match, tuple(scripts), entities, self.catalog.version, tuple(deadlines), eligibility, approved
        )

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
    ) -> Suggestion:
        """Both phases for a message outside any case: a plain suggestion (scripts, previews, tests)."""
        return self.advise(
            self.triage(message),
            order=order,
            evidence_received=evidence_received,
            assessment=assessment,
            shop_id=shop_id,
            proposed_compensation=proposed_compensation,
            now=now,
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


def _uses(flow: Flow, condition: str) -> bool:
    return any(getattr(b.when, condition) for b in flow.branches)


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
