"""What can happen next on a case, from its flow: the agent's judgements that lead on from the branch it is
at (with the vocabulary's Chinese names), the evidence with what has arrived, the remedies with the amount an
agent may give, and the other actions. The sidebar turns each into a button (GET /v1/cases/{id}/next)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal

from app.core.content.models import Branch, Flow, Vocabulary
from app.core.suggestion import Named

# The words the checks (app/core/checks.py, windows.py) write as facts from the order data: an agent never
# chooses them, the order proves them. over_<hours>h is the late-shipment rule's, with the shop's hours.
DERIVED = frozenset({"over_7_days", "pickup_timeout", "no_tracking_48h", "stalled", "no_result", "presumed_lost"})
_LATE = re.compile(r"over_\d+h")
# Remedies that take an amount; the others (补发, 退款, 换货 …) are the order's own.
WITH_AMOUNT = frozenset({"compensate", "partial_refund"})


def derived(word: str) -> bool:
    return word in DERIVED or _LATE.fullmatch(word) is not None


@dataclass(frozen=True, slots=True)
class Assessment:
    id: str
    name: str
    script_id: str  # the branch it leads to


@dataclass(frozen=True, slots=True)
class Evidence:
    id: str
    name: str
    received: bool


@dataclass(frozen=True, slots=True)
class Remedy:
    id: str
    name: str
    min: Decimal | None
    max: Decimal | None

    @property
    def needs_amount(self) -> bool:
        return self.min is not None


@dataclass(frozen=True, slots=True)
class Steps:
    assessments: tuple[Assessment, ...]
    evidence: tuple[Evidence, ...]
    remedies: tuple[Remedy, ...]
    actions: tuple[Named, ...]


def next_steps(
    flow: Flow,
    branch: Branch,
    vocab: Vocabulary,
    *,
    requested: Collection[str],
    received: Collection[str],
    remedies: Collection[str],
    amount_range: Callable[[str], tuple[Decimal, Decimal]],
) -> Steps:
    """``requested``/``received``: the case's evidence; ``remedies``: the action ids that are remedies;
    ``amount_range(remedy)``: the amount an agent may give for one that takes an amount."""
    assessments: list[Assessment] = []
    for target in (flow.branch(t) for t in branch.next):
        word = target.when.assessment if target is not None else None
        if target is None or word is None or derived(word) or any(a.id == word for a in assessments):
            continue
        assessments.append(Assessment(word, vocab.assessments.get(word, word), target.script_id))
    wanted = [*requested, *(e for e in branch.evidence if e not in requested)]
    evidence = tuple(Evidence(e, vocab.evidence.get(e, e), e in received) for e in wanted)
    found: list[Remedy] = []
    for action in branch.actions:
        if action in remedies:
            low, high = amount_range(action) if action in WITH_AMOUNT else (None, None)
            found.append(Remedy(action, vocab.actions.get(action, action), low, high))
    actions = tuple(Named(a, vocab.actions.get(a, a)) for a in branch.actions if a not in remedies)
    return Steps(tuple(assessments), evidence, tuple(found), actions)
