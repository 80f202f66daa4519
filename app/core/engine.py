"""The engine, in two phases. Phase 1 (:meth:`Engine.triage`) reads the message: the match and the intents
to answer. The caller then loads or opens whatever it keeps per intent (the case records); phase 2
(:meth:`Engine.advise`) takes that as data and builds scripts, evidence, actions, deadlines, eligibility and
approval. The core never calls back into the caller. :meth:`Engine.suggest` runs both with no case."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from app.core import checks, conversation, placeholders
from app.core.clock import SHOP_TZ
from app.core.content.cache import load_content
from app.core.content.models import Branch, Catalog, Conditions, Flow, Redirect
from app.core.content.policy import Policies, Policy, compensation_range
from app.core.conversation import ReadAs, Reading, Role, Turn
from app.core.entities import extract
from app.core.matcher import IntentScore, Match, Matcher, MatcherConfig, Status
from app.core.normalize import Normalizer
from app.core.order import Order
from app.core.playbook import Context, Playbook, describe_conditions
from app.core.replies import Agreement, Replies
from app.core.search import Hit, ScriptIndex
from app.core.situation import Approval, Deadline, Given, Situation, approval, assess
from app.core.suggestion import CaseState, Named, NextStep, ScriptSuggestion, Suggestion, Triage
from app.core.terms import DeadlineKind
from app.core.tokenize import Tokenizer

_STATE_TURNS = 6  # how far back the conversation is searched for the order's state or an earlier request

__all__ = ["CaseState", "Engine", "Reply", "Suggestion", "Triage", "build_engine", "describe_conditions"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What a buyer's message does to an open case (:meth:`Engine.reply`)."""

    evidence: frozenset[str]  # evidence the case asked for that the message brings
    agreement: Agreement | None  # the buyer's yes to a remedy the last script proposed


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
        self._questions = conversation.Questions(catalog.clarify, self.matcher)
        self._cues = [(state, re.compile(cue)) for state, cue in catalog.reading.state_cues]
        self.replies = Replies(catalog.reading, catalog.reading.affirm)
        self._indexes: dict[str, ScriptIndex] = {}  # shop → its scripts' search index, built on first search

    @property
    def version(self) -> str:
        return self.catalog.version

    def match(self, message: str) -> Match:
        return self.matcher.match(message)

    def triage(
        self,
        message: str,
        *,
        context: Sequence[Turn] = (),
        continuing: str | None = None,
        order: Order | None = None,
        chosen: str | None = None,
    ) -> Triage:
        """Phase 1: what the buyer wants, read with the conversation before the message (``context``, oldest
        first). ``continuing``: the intent of the case already open in this conversation, answered instead
        when the message names no problem of its own. ``order``: its state decides where the words cannot.
        ``chosen``: the intent the agent picked (after a question). Unsure, it answers no intent and says
        which question to ask instead."""
        if chosen is not None:
            prepared = self.matcher.prepare(message)
            match = self.matcher.narrow(prepared, (chosen,), confirmed=True)
            reading = Reading(match, ReadAs.CHOSEN, (len(context),), prepared)
        else:
            reading = conversation.read(message, context, self.catalog.reading, self._questions, self.matcher)
            match = reading.match
        if chosen is None and reading.read_as is ReadAs.NEWEST:
            reading = self._state_answers(reading, context)
            match = reading.match
        redirected: dict[str, tuple[str, Redirect]] = {}
        if chosen is None and match.status is Status.MATCHED and len(match.intents) == 1 and context:
            carried = self._carried(match.intents[0].intent, context)
            if carried is not None:
                redirected[carried[0].intent] = (match.intents[0].intent, carried[1])
                match = replace(match, intents=(carried[0],))
        if chosen is None and any(self.catalog.intents[s.intent].redirects for s in match.intents):
            known = order if order is not None and order.status is not None else self._said_state(message, context)
            if known is not None:
                match, by_state = self._by_order_state(match, known)
                redirected.update(by_state)
        if chosen is None and continuing is None and reading.read_as is not ReadAs.CHOICE:
            match = self._unsure_mid_conversation(match, context)
        intents = [s.intent for s in match.intents] if match.status is Status.MATCHED else []
        question = None
        if continuing and continuing not in intents and not _names_a_problem(match):
            # Mid-conversation, only a keyword is evidence of a new problem; a message that merely resembles
            # an example ("照片发你了") continues the case already open. The intent shown is the one answered.
            match = self.matcher.narrow(reading.text, (continuing,), confirmed=True)
            reading = Reading(match, ReadAs.CONTINUED, reading.turns, reading.text)
            intents = [continuing]
        elif match.status is Status.AMBIGUOUS and self.catalog.clarify is not None:
            question = self.catalog.clarify.question(tuple(s.intent for s in match.intents))
        # Every shop's flows are the shared ones, some reworded: an intent with a shared flow has one anywhere.
        return Triage(match, tuple(i for i in intents if i in self.catalog.flows), reading, question, redirected)

    def _state_answers(self, reading: Reading, context: Sequence[Turn]) -> Reading:
        """A message that only says the order's state ("还没发货呢", "刚刚查显示配送中") tells which of the buyer's
        earlier request it was: the request before it is read again, in that state."""
        said = reading.text
        cue = next((c.search(said) for _, c in self._cues if c.search(said)), None)
        if cue is None:
            return reading
        rest = said[: cue.start()] + said[cue.end() :]
        if self.matcher.match_prepared(rest).status is Status.MATCHED:
            return reading
        for i in range(len(context) - 1, max(-1, len(context) - 1 - _STATE_TURNS), -1):
            turn = context[i]
            if turn.role is not Role.BUYER:
                continue
            earlier = self.matcher.prepare(turn.text)
            before = self.matcher.match_prepared(earlier)
            if before.status is Status.NO_MATCH:
                continue
            if not any(self.catalog.intents[x.intent].redirects for x in before.intents):
                return reading
            joined = f"{earlier} {said}"
            return Reading(self.matcher.match_prepared(joined), ReadAs.BURST, (i, len(context)), joined)
        return reading

    def _unsure_mid_conversation(self, match: Match, context: Sequence[Turn]) -> Match:
        """Mid-conversation, a message that only resembles an example of another intent (no keyword of its own:
        "这是工作的地址", "今天送货") does not open a new problem beside the one the buyer named earlier: the
        service asks instead of showing a script. On the real train split, intents shown without a keyword
        were wrong more often than right (259 of 459 turns)."""
        if match.status is not Status.MATCHED or any(_strong_keyword(s) for s in match.intents):
            return match
        named = self._named_earlier(context)
        if not named or any(s.intent in named for s in match.intents):
            return match
        return replace(match, status=Status.AMBIGUOUS)

    def _named_earlier(self, context: Sequence[Turn]) -> frozenset[str]:
        """The intents the buyer's recent messages named with a keyword of their own (each read alone)."""
        named = set()
        for turn in context[-_STATE_TURNS:]:
            if turn.role is Role.BUYER:
                said = self.matcher.match_prepared(self.matcher.prepare(turn.text))
                best = said.best
                if said.status is not Status.NO_MATCH and best is not None and _strong_keyword(best):
                    named.add(best.intent)
        return frozenset(named)

    def _said_state(self, message: str, context: Sequence[Turn]) -> Order | None:
        """The order's state as the conversation says it ("还没发货", "已经在配送了"; intents/_reading.yaml
        state_cues), newest first, when the caller gave none."""
        if not self._cues:
            return None
        said = [t.text for t in reversed(context[-_STATE_TURNS:]) if t.role is Role.BUYER or _states(t.text)]
        for text in (message, *said):
            norm = self.matcher.prepare(text)
            for state, cue in self._cues:
                if cue.search(norm):
                    return Order(status=state)
        return None

    def _carried(self, general: str, context: Sequence[Turn]) -> tuple[IntentScore, Redirect] | None:
        """A general request ("能退货吗") after the buyer named the specific one in an earlier message ("不合适"):
        the specific one, as within one message (yields_to)."""
        intent = self.catalog.intents[general]
        if not intent.yields_to:
            return None
        for turn in reversed(context[-_STATE_TURNS:]):
            if turn.role is not Role.BUYER:
                continue
            earlier = self.matcher.match_prepared(self.matcher.prepare(turn.text)).best
            if earlier is not None and earlier.intent in intent.yields_to and _strong_keyword(earlier):
                where = intent.yields_source or intent.source
                return earlier, Redirect(Conditions(), earlier.intent, where)
        return None

    def _by_order_state(self, match: Match, order: Order) -> tuple[Match, dict[str, tuple[str, Redirect]]]:
        """The intents the words name, in this order state (intents/*.yaml order_state): "什么时候到" before
        shipping is 何时发货. Two candidates that the state turns into one are no longer a question."""
        redirected: dict[str, tuple[str, Redirect]] = {}
        scores: list[IntentScore] = []
        for s in match.intents:
            intent = self.catalog.intents.get(s.intent)
            rule = next((r for r in intent.redirects if _holds(r.when, order)), None) if intent else None
            if rule is not None and rule.intent in self.catalog.intents:
                redirected[rule.intent] = (s.intent, rule)
                s = replace(s, intent=rule.intent, name=self.catalog.intents[rule.intent].name)
            if all(o.intent != s.intent for o in scores):
                scores.append(s)
        if not redirected:
            return match, redirected
        status = Status.MATCHED if len(scores) == 1 and match.status is Status.AMBIGUOUS else match.status
        return replace(match, status=status, intents=tuple(scores)), redirected

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
        pinned: Mapping[str, str] | None = None,
    ) -> Suggestion:
        """Phase 2. ``cases``: what each intent's case already holds (evidence received, the agent's
        assessment, when it was opened); an intent without one starts from nothing. ``pinned``: intent → the
        branch id an agent chose for its case (by searching the scripts), shown instead of the one selected."""
        match = triage.match
        order = order or Order()
        now = (now or datetime.now(SHOP_TZ)).astimezone(SHOP_TZ)
        policy = self.policies.for_shop(shop_id)
        entities = extract(triage.text, now.date())
        # The buyer's amount ("补偿50吧") is what they ask for: it decides whether the 店长 must be asked, never
        # what a script states as granted. Only the agent's amount, or the case's recorded one, fills it.
        asked = placeholders.asked_amount(triage.text, entities)
        scripts: list[ScriptSuggestion] = []
        deadlines: list[Deadline] = []
        eligibility = {}
        approved: Approval | None = None
        for intent in triage.intents:
            flow = self.playbook.flow(intent, shop_id)
            if flow is None:
                continue
            state = (cases or {}).get(intent) or CaseState()
            since = state.opened_at.astimezone(SHOP_TZ) if state.opened_at else now
            situation = assess(
                intent,
                Given(order, now, policy, since, triage.text, entities, intent),
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
                state.remedy,
            )
            chosen = flow.branch((pinned or {}).get(intent, ""))
            branch = chosen if chosen is not None else self.playbook.select(flow, ctx, triage.text)
            stated, pending, this = _money(state, proposed_compensation, asked, policy, now, intent)
            approved = approved or this
            offer = policy.offers.get(branch.script_id)
            if offer is not None and stated is None and not pending:
                stated = offer.min  # an offer starts low (seed 003: 不制冷 挽留 10-20 元)
            values = {
                **placeholders.from_entities(entities),
                **placeholders.from_situation(flow.deadline, situation, stated, this),
                **placeholders.from_policy(policy, order),
            }
            if offer is not None and stated is not None:
                situation.notes.append(placeholders.offer_note(offer, stated))
            scripts.append(self._script(flow, branch, values, situation, this, pending))
            deadlines.extend(d for d in situation.deadlines if d not in deadlines)
            eligibility.update(situation.eligibility)
        if not triage.intents:
            approved = approval(proposed_compensation if proposed_compensation is not None else asked, policy, now)
        if approved is not None and approved.needed and approved.answer_by is not None:
            deadlines.append(
                Deadline(DeadlineKind.SUPERVISOR_APPROVAL, approved.answer_by, f"{approved.approver}批复时限")
            )
        deadlines.sort(key=lambda d: d.due_at)
        return Suggestion(
            match, tuple(scripts), entities, self.catalog.version, tuple(deadlines), eligibility, approved, triage
        )

    def step(
        self,
        intent: str,
        state: CaseState,
        *,
        order: Order | None = None,
        shop_id: str | None = None,
        now: datetime | None = None,
        pinned: str | None = None,
    ) -> Suggestion:
        """The script a case is at now, with no new message: what the case cockpit shows after each click. The
        branch is the one the case's state selects (or ``pinned``, the branch the agent chose)."""
        prepared = self.matcher.prepare("")
        match = self.matcher.narrow(prepared, (intent,), confirmed=True)
        triage = Triage(
            match, (intent,) if intent in self.catalog.flows else (), Reading(match, ReadAs.CONTINUED, (), prepared)
        )
        return self.advise(
            triage,
            cases={intent: state},
            order=order,
            shop_id=shop_id,
            now=now,
            pinned={intent: pinned} if pinned else None,
        )

    def search_scripts(self, query: str, shop_id: str | None = None, limit: int = 20) -> list[Hit]:
        """The shop's effective scripts (its overrides, the shared ones for the rest) that the query finds."""
        index = self._indexes.get(shop_id or "")
        if index is None:
            names = {i.id: i.name for i in self.catalog.intents.values()}
            flows = self.catalog.flows_for(shop_id).values()
            index = self._indexes[shop_id or ""] = ScriptIndex(flows, names, self.normalizer)
        return index.search(query, limit)

    def script_text(self, branch: Branch) -> str:
        """A branch's text as the agent would insert it with nothing known: placeholders as 【名称】."""
        return self.playbook.render(branch, {}).text

    def reply(
        self, message: str, attachments: Sequence[str], waiting: frozenset[str], proposed: frozenset[str]
    ) -> Reply:
        """What a buyer's message does to an open case beyond its intent: evidence it brings (of ``waiting``,
        the evidence asked for and not received) and agreement to a remedy the last script proposed."""
        text = self.matcher.prepare(message)
        evidence = self.replies.evidence(text, attachments, waiting)
        agreed = self.replies.agreement(text, conversation.bare(text), proposed)
        return Reply(evidence, agreed)

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
            self.triage(message, order=order),
            order=order,
            evidence_received=evidence_received,
            assessment=assessment,
            shop_id=shop_id,
            proposed_compensation=proposed_compensation,
            now=now,
        )

    def _script(
        self,
        flow: Flow,
        branch: Branch,
        values: dict[str, str],
        situation: Situation,
        approved: Approval | None,
        pending: bool = False,
    ) -> ScriptSuggestion:
        vocab = self.catalog.vocabulary
        rendered = self.playbook.render(branch, values, pending=pending)
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


def _money(
    state: CaseState,
    proposed: Decimal | None,
    asked: Decimal | None,
    policy: Policy,
    now: datetime,
    intent: str,
) -> tuple[Decimal | None, bool, Approval | None]:
    """The amount a script of ``intent`` may state, whether it must be the pending wording (帮您申请), and the
    approval advice. Stated as granted: the case's approved amount, or an amount within the agent's range
    (the agent's, or recorded on the case). Above the range and not approved: only ever as asked for.
    The buyer's own figure is never stated; it only tells whether the 店长 would have to decide."""
    if state.approval == "pending" and state.asked is not None:
        return state.asked, True, approval(state.asked, policy, now, intent)
    offered = proposed if proposed is not None else state.amount
    advice = approval(offered if offered is not None else asked, policy, now, intent)
    if offered is None:
        return None, False, advice
    granted = state.approval == "approved" and state.amount is not None and offered <= state.amount
    if granted:
        advice = approval(offered, policy, now, intent)
        if advice is not None:
            advice = replace(advice, needed=False, why=f"{offered} 元已经{advice.approver}批准", answer_by=None)
        return offered, False, advice
    _, high = compensation_range(policy, intent)
    return offered, offered > high, advice


def _names_a_problem(match: Match) -> bool:
    """The best intent rests on a keyword the buyer did not deny: a new problem, not a continuation."""
    return bool(match.intents) and _names_a_problem_in(match.intents[0])


def _names_a_problem_in(score: IntentScore) -> bool:
    return any(not h.negated for h in score.keywords)


def _holds(when: Conditions, order: Order) -> bool:
    return order.status in when.order_status and (not when.signed_by or order.signed_by in when.signed_by)


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
    # Plain keywords only: the parts of a gapped keyword are not words, and as jieba words they would re-cut
    # other messages and move their similarity to the examples.
    words = frozenset(k.text for i in catalog.intents.values() for k in i.keywords if "~" not in k.text)
    previous = reuse.matcher.tokenizer if reuse is not None else None
    # jieba takes ~0.2 s to build; a reload that leaves the keywords alone shares the previous one, which
    # is never mutated after it is built.
    tokenizer = previous if previous is not None and previous.words == words else Tokenizer(words, cache_dir)
    return Engine(catalog, normalizer, tokenizer, policies, config)


def _strong_keyword(score: IntentScore) -> bool:
    return any(not h.negated and h.keyword.weight >= 1.0 for h in score.keywords)


def _states(agent_text: str) -> bool:
    """An agent's statement ("您的订单还没有发货哦"), not a question ("是已经发货了吗?"): only a statement says
    what state the order is in (the service's own questions name every state they ask about)."""
    return re.search(r"[吗嘛呢么?？]\W*$", agent_text.strip()) is None
