"""Choose the branch of an intent's flow that fits what is known, and render its script."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.core.content.models import Branch, Catalog, Conditions, Flow
from app.core.content.templates import compile_template, placeholders_of
from app.core.terms import OrderStatus, Signer


@dataclass(frozen=True, slots=True)
class Context:
    """What is known beyond the message: order state, the case so far, values for placeholders."""

    order_status: OrderStatus | None = None
    signed_by: Signer | None = None
    evidence_received: frozenset[str] = frozenset()
    assessment: str | None = None  # the agent's judgement
    facts: frozenset[str] = frozenset()  # the same words, proven by the order data (situation.py)
    remedy: str | None = None  # the case's remedy: agreed by the buyer ("那就补发吧") or recorded by the agent


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # placeholders filled; an unfilled one appears as 【名称】 and is listed in ``missing``
    missing: tuple[str, ...]


def holds(when: Conditions, ctx: Context, normalized_message: str) -> bool:
    if when.order_status and ctx.order_status not in when.order_status:
        return False
    if when.signed_by and ctx.signed_by not in when.signed_by:
        return False
    if when.message_has and not any(w in normalized_message for w in when.message_has):
        return False
    if when.evidence_received and not when.evidence_received <= ctx.evidence_received:
        return False
    if when.assessment and ctx.assessment != when.assessment and when.assessment not in ctx.facts:
        return False
    if when.remedy and ctx.remedy not in when.remedy:
        return False
    return True


class Playbook:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        branches = [b for f in catalog.all_flows() for b in f.branches]
        # Compiled once per catalog: rendering is on the request path. Keyed by where the branch is written,
        # not its script id, because a shop may word the same step differently (and hashing a whole Branch
        # would hash every field on every request).
        self._templates = {b.source: compile_template(b.text) for b in branches}
        self._placeholders = {b.source: tuple(sorted(placeholders_of(b.text))) for b in branches}
        self._pending = {b.source: compile_template(b.pending) for b in branches if b.pending}
        self._pending_placeholders = {
            b.source: tuple(sorted(placeholders_of(b.pending))) for b in branches if b.pending
        }

    def flow(self, intent: str, shop_id: str | None = None) -> Flow | None:
        return self._catalog.flows_for(shop_id).get(intent)

    def select(self, flow: Flow, ctx: Context, normalized_message: str, current: str | None = None) -> Branch:
        """The most specific branch whose conditions all hold; when nothing more is known, the step the case
        is at (``current``, a script id), else the entry step: a case never falls back to its first script."""
        at = flow.branch(current.removeprefix(f"{flow.intent}.")) if current else None
        best = flow.entry
        agreed: Branch | None = None
        for branch in flow.branches:
            if branch.entry or not holds(branch.when, ctx, normalized_message):
                continue
            if branch.when.remedy:
                if agreed is None or branch.when.specificity > agreed.when.specificity:
                    agreed = branch
            elif branch.when.specificity > (0 if best.entry else best.when.specificity):
                best = branch
        # Once the case's remedy is settled ("那就补发吧"), the step that carries it out is the case's step,
        # however much evidence and judgement the proposal rested on; only a step it leads to (its ``next``: the
        # agent records "已补发") moves the case on from there.
        if agreed is not None and best.id not in agreed.next:
            return agreed
        # Where it is (an agent's choice, or a step the order data chose) ranks as the entry would: anything
        # the case now meets moves it on, nothing sends it back.
        return at if best.entry and at is not None else best

    def states_amount(self, branch: Branch) -> bool:
        return "amount" in self._placeholders[branch.source]

    def render(self, branch: Branch, values: Mapping[str, str], *, pending: bool = False) -> Rendered:
        """``pending``: the amount awaits the approver, so the branch's pending wording (帮您申请…) is shown;
        a branch without one gets no amount at all rather than an un-approved amount stated as granted."""
        labels = self._catalog.vocabulary.placeholders
        if pending and branch.source in self._pending:
            template, names = self._pending[branch.source], self._pending_placeholders[branch.source]
        else:
            template, names = self._templates[branch.source], self._placeholders[branch.source]
            if pending:
                values = {k: v for k, v in values.items() if k != "amount"}
        missing = tuple(n for n in names if not values.get(n))
        filled = {n: values[n] if values.get(n) else f"【{labels.get(n, n)}】" for n in names}
        return Rendered(template.render(**filled), missing)


def describe_conditions(branch: Branch) -> dict[str, object]:
    """A branch's conditions as the API shows them: only those it has, sets sorted."""
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
    if w.remedy:
        out["remedy"] = sorted(w.remedy)
    return out
