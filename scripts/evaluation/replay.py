"""Whole conversations replayed turn by turn, as a sidebar would send them: every buyer message with the
conversation before it as context. Measures what an agent sees first and how often the sidebar is wrong."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scripts.evaluation.data import EIGHT, Conversation, ReplayTurn


@dataclass(frozen=True, slots=True)
class Shown:
    """What the service answered for one message: the status, the intents best first (empty for none)."""

    status: str  # matched | ambiguous | no_match
    intents: tuple[str, ...] = ()

    @property
    def intent(self) -> str | None:
        """The intent an agent is shown with its script: only a match shows one (ambiguity asks instead)."""
        return self.intents[0] if self.status == "matched" and self.intents else None


Reader = Callable[[str, Sequence[ReplayTurn]], Shown]
CONTEXT_TURNS = 20  # the API's bound on context


@dataclass(slots=True)
class SessionScores:
    sessions: int = 0  # conversations with an intent somewhere
    first_right: int = 0  # … whose first intent shown is their first intent
    first_right_eight: int = 0
    sessions_eight: int = 0  # conversations whose first intent is one of the eight
    never_shown: int = 0  # … where nothing was ever shown
    quiet_sessions: int = 0  # conversations with no intent at all
    quiet_alarms: int = 0  # … where an intent was shown anyway
    shown_turns: int = 0  # buyer turns that showed an intent
    wrong_turns: int = 0  # … showing one that is neither the turn's intent nor the conversation's current one
    labelled_turns: int = 0  # buyer turns labelled with an intent
    labelled_right: int = 0  # … that showed it, read with their context
    misses: list[str] = field(default_factory=list)


def replay(conversations: Sequence[Conversation], read: Reader, intents: frozenset[str]) -> SessionScores:
    s = SessionScores()
    for conv in conversations:
        gold_first = conv.first_intent(intents)
        first_shown: str | None = None
        current: str | None = None  # the conversation's intent so far, by the labels
        for i, turn in enumerate(conv.turns):
            if turn.role != "buyer" or turn.label is None:
                continue
            shown = read(turn.text, conv.turns[max(0, i - CONTEXT_TURNS) : i]).intent
            if turn.label in intents:
                current = turn.label
                s.labelled_turns += 1
                s.labelled_right += shown == turn.label
            if shown is None:
                continue
            s.shown_turns += 1
            if shown not in (turn.label, current):
                s.wrong_turns += 1
                s.misses.append(f"{conv.id}: turn {i} '{turn.text[:40]}' showed {shown}, labelled {turn.label}")
            if first_shown is None:
                first_shown = shown
        if gold_first is None:
            s.quiet_sessions += 1
            s.quiet_alarms += first_shown is not None
            continue
        s.sessions += 1
        s.first_right += first_shown == gold_first
        s.never_shown += first_shown is None
        if gold_first in EIGHT:
            s.sessions_eight += 1
            s.first_right_eight += first_shown == gold_first
        if first_shown != gold_first:
            s.misses.append(f"{conv.id}: first intent {gold_first}, first shown {first_shown}")
    return s
