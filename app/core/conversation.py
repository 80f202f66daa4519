"""Reading a message with the conversation before it.

Real buyers write in fragments over several messages ("在吗" / "我买的杯子" / "碎了"), answer the agent's
questions with one word ("是的" after "需要拦截退回对吗"), and send greetings, order cards and "转人工" in
between. The newest message is read first; when it says nothing on its own, the buyer's burst of
consecutive messages is read together; a short yes is read against the agent's last question, and an answer
to one of the service's own clarifying questions chooses among the intents it named. Pure: the matching is
passed in, the rules are content (intents/_reading.yaml, phrasebook/_clarify.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from app.core.content.models import Clarify, Question, ReadingRules
from app.core.decision import Match, Status


class Role(StrEnum):
    BUYER = "buyer"
    AGENT = "agent"


class ReadAs(StrEnum):
    NEWEST = "newest"  # the new message on its own
    BURST = "burst"  # the buyer's consecutive messages, read together
    ANSWER = "answer"  # a yes to the agent's question: the question says what the buyer wants
    CHOICE = "choice"  # an answer to a clarifying question: one of the intents it named
    CHOSEN = "chosen"  # the agent chose the intent
    CONTINUED = "continued"  # nothing new: the conversation's open case goes on


@dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    text: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    match: Match
    read_as: ReadAs
    turns: tuple[int, ...]  # the turns read: indexes into the context, len(context) for the newest message
    text: str  # the buyer's words read (prepared): what branch conditions and entities look at


class Matching(Protocol):
    """What reading needs of the matcher (app.core.matcher.Matcher)."""

    def prepare(self, message: str) -> str: ...

    def match_prepared(self, prepared: str) -> Match: ...

    def narrow(self, prepared: str, intents: tuple[str, ...], *, confirmed: bool) -> Match: ...


def bare(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


class Questions:
    """The service's own questions, prepared once per catalog: an agent's message is compared with them on the
    request path. A question made from the ``either`` template is recognised by the template."""

    def __init__(self, clarify: Clarify | None, m: Matching) -> None:
        self._fixed = [(bare(m.prepare(q.text)), q) for q in clarify.all() if q.intents] if clarify else []
        self._either: re.Pattern[str] | None = None
        self._by_name: dict[str, str] = {}
        if clarify is not None and clarify.either is not None:
            template = bare(m.prepare(clarify.either.text.replace("{a}", "甲").replace("{b}", "乙")))
            pattern = re.escape(template).replace("甲", "(?P<a>.+?)").replace("乙", "(?P<b>.+?)")
            self._either = re.compile(pattern)
            self._by_name = {bare(m.prepare(name)): intent for intent, name in clarify.names.items()}
            self._source = clarify.either

    def find(self, said: str) -> Question | None:
        for wanted, q in self._fixed:
            if wanted and wanted in said:
                return q
        if self._either is not None:
            found = self._either.search(said)
            if found is not None:
                a, b = self._by_name.get(found["a"]), self._by_name.get(found["b"])
                if a and b:
                    return Question(self._source.text.format(a=found["a"], b=found["b"]), (a, b), self._source.source)
        return None


def read(
    newest: str, context: Sequence[Turn], rules: ReadingRules, questions: Questions | None, m: Matching
) -> Reading:
    here = len(context)
    own_text = m.prepare(newest)
    own = m.match_prepared(own_text)
    said = bare(own_text)
    if said in rules.deny:
        return Reading(own, ReadAs.NEWEST, (here,), own_text)
    asked = _last_agent_turn(context)
    ours = _our_question(context[asked].text, questions, m) if asked is not None else None
    if asked is not None and ours is not None:
        if said in rules.affirm and len(ours.intents) == 1:
            return Reading(m.narrow(own_text, ours.intents, confirmed=True), ReadAs.ANSWER, (asked, here), own_text)
        if len(ours.intents) == 2:
            chosen = m.narrow(own_text, ours.intents, confirmed=False)
            if chosen.status is Status.MATCHED:
                return Reading(chosen, ReadAs.CHOICE, (asked, here), own_text)
    elif asked is not None and said in rules.affirm and _is_question(context[asked].text):
        answered = m.match_prepared(m.prepare(context[asked].text))
        if answered.status is Status.MATCHED and _named(answered):
            return Reading(answered, ReadAs.ANSWER, (asked, here), own_text)
    if own.status is Status.MATCHED:
        return Reading(own, ReadAs.NEWEST, (here,), own_text)
    # A greeting, an order card, a thanks or a bare yes says nothing new: reading it with the messages before
    # it would only show their intent again.
    burst = _burst(context, rules, m) if said and said not in rules.affirm else ()
    if burst:
        joined = " ".join([*(m.prepare(context[i].text) for i in burst), own_text])
        together = m.match_prepared(joined)
        if together.status is Status.MATCHED or (together.status is Status.AMBIGUOUS and own.status is Status.NO_MATCH):
            return Reading(together, ReadAs.BURST, (*burst, here), joined)
    return Reading(own, ReadAs.NEWEST, (here,), own_text)


def _burst(context: Sequence[Turn], rules: ReadingRules, m: Matching) -> tuple[int, ...]:
    """The buyer's messages since the agent last wrote, oldest first, greetings and order cards read past."""
    found: list[int] = []
    later: datetime | None = None
    gap = timedelta(minutes=rules.burst_minutes)
    for i in range(len(context) - 1, -1, -1):
        turn = context[i]
        if turn.role is Role.AGENT or len(found) >= rules.burst_turns - 1:
            break
        if later is not None and turn.at is not None and later - turn.at > gap:
            break
        later = turn.at or later
        if m.prepare(turn.text):
            found.append(i)
    return tuple(reversed(found))


def _last_agent_turn(context: Sequence[Turn]) -> int | None:
    """The agent's message when it is the last turn before the buyer's newest (skipping nothing)."""
    return len(context) - 1 if context and context[-1].role is Role.AGENT else None


def _named(match: Match) -> bool:
    """The agent's question names its request with a keyword ("需要拦截退回对吗"); a question that only resembles
    an example ("电话地址对吗" while arranging a pickup) is not read as the buyer's request."""
    best = match.best
    return best is not None and any(not h.negated and h.keyword.weight >= 1.0 for h in best.keywords)


def _is_question(text: str) -> bool:
    return re.search(r"[吗嘛呢么?？]\W*$", text.strip()) is not None


def _our_question(said: str, questions: Questions | None, m: Matching) -> Question | None:
    """The service's own clarifying question, when the agent sent it (maybe with words around it)."""
    return questions.find(bare(m.prepare(said))) if questions is not None else None
