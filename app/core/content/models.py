"""The catalog: immutable values built from the content files. Every rule knows where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from app.core.content.errors import ContentError
from app.core.terms import REMEDIES, Check, DeadlineKind, OrderStatus, Signer

K = TypeVar("K")
V = TypeVar("V")
NONE_INTENT = "_none"  # the out-of-scope class: matching it means "no intent"
# The eight intents whose ids are part of the API contract: content may add intents, never drop these.
CONTRACT_INTENTS = (
    "damaged",
    "missing_item",
    "wrong_item",
    "delivery_chase",
    "address_change",
    "intercept",
    "lost_parcel",
    "seven_day_return",
)


@dataclass(frozen=True, slots=True)
class Source:
    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Keyword:
    text: str  # normalised
    canonical: str  # the keyword a synonym stands for (itself for a keyword)
    intent: str
    weight: float
    source: Source


@dataclass(frozen=True, slots=True)
class Example:
    text: str  # as written
    intent: str
    source: Source
    negative: bool = False  # a near miss listed under `intent` that must NOT match it
    belongs_to: str | None = None  # a near miss: the intent it does belong to


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    name: str
    description: str
    keywords: tuple[Keyword, ...]
    examples: tuple[Example, ...]
    negatives: tuple[Example, ...]
    tests: tuple[Example, ...]
    source: Source
    redirects: tuple[Redirect, ...] = ()  # where the order's state decides: the words mean another intent
    yields_to: frozenset[str] = frozenset()  # more specific intents that win when both match
    yields_source: Source | None = None  # where yields_to is written


@dataclass(frozen=True, slots=True)
class Redirect:
    """In an order state matching ``when``, a message read as the intent is the buyer asking for ``intent``
    ("什么时候到" before shipping is 何时发货, after signing 丢件)."""

    when: Conditions
    intent: str
    source: Source


@dataclass(frozen=True, slots=True)
class ReadingRules:
    """intents/_reading.yaml: how a conversation is read. Phrases normalised; patterns are regex sources."""

    skip: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    affirm: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    corrections: tuple[str, ...] = ()
    burst_turns: int = 5
    burst_minutes: int = 10
    state_cues: tuple[tuple[OrderStatus, str], ...] = ()  # (state, pattern): the order state said in words
    # Buyer replies that move a case on (app/core/replies.py): patterns, and attachment type → evidence ids.
    evidence_sent: tuple[str, ...] = ()
    agree: tuple[str, ...] = ()
    attachments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Question:
    """A question the service asks instead of promising: between two intents, or confirming one."""

    text: str  # as written
    intents: tuple[str, ...]  # one: a yes confirms it; two: the answer chooses
    source: Source


@dataclass(frozen=True, slots=True)
class Clarify:
    """phrasebook/_clarify.yaml."""

    pairs: Mapping[frozenset[str], Question]
    confirm: Mapping[str, Question]
    default: Question
    either: Question | None = None  # a template ({a}, {b}: the intents' names) for a pair with no question
    names: Mapping[str, str] = field(default_factory=dict)  # intent → its Chinese name, for ``either``

    def question(self, intents: tuple[str, ...]) -> Question:
        """The question for these candidates: the pair's, else one built from ``either``, else the first one's
        confirmation, else the default."""
        if len(intents) >= 2:
            pair = self.pairs.get(frozenset(intents[:2]))
            if pair is not None:
                return pair
            if self.either is not None and all(i in self.names for i in intents[:2]):
                a, b = (self.names[i] for i in intents[:2])
                return Question(self.either.text.format(a=a, b=b), intents[:2], self.either.source)
        if intents and intents[0] in self.confirm:
            return self.confirm[intents[0]]
        return self.default

    def all(self) -> list[Question]:
        return [*self.pairs.values(), *self.confirm.values(), self.default]


@dataclass(frozen=True, slots=True)
class Conditions:
    order_status: frozenset[OrderStatus] = frozenset()
    signed_by: frozenset[Signer] = frozenset()
    message_has: tuple[str, ...] = ()  # normalised
    evidence_received: frozenset[str] = frozenset()
    assessment: str | None = None
    remedy: frozenset[str] = frozenset()  # the case's remedy, once agreed or recorded (app.core.terms.REMEDIES)

    @property
    def specificity(self) -> int:
        return sum(
            bool(x)
            for x in (
                self.order_status,
                self.signed_by,
                self.message_has,
                self.evidence_received,
                self.assessment,
                self.remedy,
            )
        )


@dataclass(frozen=True, slots=True)
class Branch:
    id: str  # local id within the intent's flow
    intent: str
    name: str
    entry: bool
    when: Conditions
    text: str  # a Jinja2 template
    evidence: tuple[str, ...]
    actions: tuple[str, ...]
    next: tuple[str, ...]
    source_note: str
    source: Source
    # The wording while the amount awaits the 店长 (帮您申请…): a script never states an un-approved amount
    # above the agent's range as granted. Required when ``text`` states {{ amount }}.
    pending: str | None = None

    @property
    def proposed_remedies(self) -> frozenset[str]:
        """The remedies this step offers the buyer (a yes to it is an agreement). A step conditioned on the
        case's remedy carries one out ("这边马上给您安排补发"): it proposes nothing."""
        return frozenset() if self.when.remedy else frozenset(a for a in self.actions if a in REMEDIES)

    @property
    def script_id(self) -> str:
        return f"{self.intent}.{self.id}"


@dataclass(frozen=True, slots=True)
class Flow:
    intent: str
    branches: tuple[Branch, ...]
    deadline: DeadlineKind | None = None  # the deadline its scripts' {{ deadline }} means
    checks: tuple[Check, ...] = ()  # what the service works out for it from the order and policy, in order

    @property
    def entry(self) -> Branch:
        return next(b for b in self.branches if b.entry)

    def branch(self, branch_id: str) -> Branch | None:
        return next((b for b in self.branches if b.id == branch_id), None)

    def by_script(self, script_id: str | None) -> Branch | None:
        """The branch a script id (``intent.branch``, as cases record their step) names in this flow."""
        return next((b for b in self.branches if b.script_id == script_id), None)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    evidence: Mapping[str, str]
    actions: Mapping[str, str]
    placeholders: Mapping[str, str]
    assessments: Mapping[str, str]  # the words an agent (or the order data) may choose in `when: assessment`


@dataclass(frozen=True, slots=True)
class Catalog:
    intents: Mapping[str, Intent]  # includes NONE_INTENT when present
    flows: Mapping[str, Flow]
    vocabulary: Vocabulary
    version: str  # hash of every content file's bytes: suggestions say which wording they came from
    warnings: tuple[ContentError, ...] = field(default=())
    shop_flows: Mapping[str, Mapping[str, Flow]] = field(default_factory=dict)  # shop → its overridden flows
    reading: ReadingRules = field(default_factory=ReadingRules)
    clarify: Clarify | None = None

    @staticmethod
    def freeze(mapping: Mapping[K, V]) -> Mapping[K, V]:
        return MappingProxyType(dict(mapping))

    def all_flows(self) -> list[Flow]:
        """The shared flows, and each shop's merged flows that hold a branch of the shop's own: every branch
        appears in one of them, each in its context."""
        flows = list(self.flows.values())
        seen = {b for f in flows for b in f.branches}
        for shop in self.shop_flows.values():
            for flow in shop.values():
                if any(b not in seen for b in flow.branches):
                    flows.append(flow)
        return flows

    def flows_for(self, shop_id: str | None) -> Mapping[str, Flow]:
        """The effective flows of a shop: its overrides, the shared flows for the rest."""
        overrides = self.shop_flows.get(shop_id or "")
        return {**self.flows, **overrides} if overrides else self.flows

    @property
    def public_intents(self) -> list[Intent]:
        return [i for i in self.intents.values() if i.id != NONE_INTENT]
