"""The values the engine hands out: what phase 1 decided to answer, what a case already holds, and the
suggestion phase 2 builds. Plain frozen data, so callers (HTTP, cases, scripts) pass them around freely."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.core.content.models import Question, Redirect
from app.core.conversation import Reading
from app.core.entities import Entities
from app.core.matcher import Match
from app.core.situation import Approval, Deadline, Eligibility


@dataclass(frozen=True, slots=True)
class Triage:
    """Phase 1: the match, and the intents to answer, best first. The caller loads or opens a case for each
    before phase 2; every intent here has a flow."""

    match: Match
    intents: tuple[str, ...]
    reading: Reading | None = None  # how the message was read with the conversation before it
    question: Question | None = None  # asked instead of acting when unsure: then no intent is answered
    redirected: Mapping[str, tuple[str, Redirect]] = field(default_factory=dict)  # intent → (words' intent, rule)

    @property
    def text(self) -> str:
        """The buyer's words read (prepared): what branch conditions and entities look at."""
        return self.reading.text if self.reading is not None else self.match.normalized


@dataclass(frozen=True, slots=True)
class CaseState:
    """What a case already holds for one intent."""

    evidence_received: frozenset[str] = frozenset()
    assessment: str | None = None
    opened_at: datetime | None = None  # deadlines that run from the report count from here, not from now
    remedy: str | None = None
    amount: Decimal | None = None  # recorded by the agent within the range, or approved by the 店长
    approval: str | None = None  # the latest approval: None | "pending" | "approved" | "rejected"
    asked: Decimal | None = None  # the amount awaiting the 店长 while the approval is pending


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
    triage: Triage | None = None  # what phase 1 read and decided (the reading, the question, redirects)
