"""Buyer replies that move a case on: "照片发你了" or a picture marks the evidence the case asked for as received,
and a yes right after a proposed remedy ("那就补发吧") is the buyer's agreement. The phrases are content
(intents/_reading.yaml ``replies``); this module only applies them to a message already prepared by the matcher's
normaliser, so both sides of every comparison are normalised the same way."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from app.core.content.models import ReadingRules

# The words that name each remedy in a buyer's agreement ("那就补发吧"); ids as in the vocabulary's actions.
_NAMED: Mapping[str, tuple[str, ...]] = {
    "resend": ("补发", "重发", "发新的", "再发"),
    "refund": ("退款", "退钱"),
    "exchange": ("换货", "换一个", "换个"),
    "compensate": ("补偿", "赔偿"),
    "return_refund": ("退货",),
    "partial_refund": ("部分退款", "退部分"),
}


@dataclass(frozen=True, slots=True)
class Agreement:
    """The buyer agreed; ``remedy`` is the one they named or the only one proposed, None when they did not say
    which of several."""

    remedy: str | None


class Replies:
    """Built once per content version (the engine holds it): the patterns compiled."""

    def __init__(self, rules: ReadingRules, bare: frozenset[str]) -> None:
        self._sent = [re.compile(p) for p in rules.evidence_sent]
        self._agree = [re.compile(p) for p in rules.agree]
        self._affirm = bare  # the affirm words, normalised and without punctuation (app.core.conversation)
        self._attachments = {kind: frozenset(ids) for kind, ids in rules.attachments.items()}
        self._media = frozenset().union(*self._attachments.values()) if self._attachments else frozenset()

    def evidence(self, text: str, attachments: Iterable[str], waiting: Collection[str]) -> frozenset[str]:
        """Of the evidence the case asked for and has not received (``waiting``), what this message brings: the
        kinds its attachments can stand for, and, when the words say it was sent, every picture or video asked
        for (or everything asked for when none of it is a picture or video)."""
        waiting = frozenset(waiting)
        found: set[str] = set()
        for kind in attachments:
            found |= self._attachments.get(kind, frozenset()) & waiting
        if waiting and any(p.search(text) for p in self._sent):
            found |= (waiting & self._media) or waiting
        return frozenset(found)

    def agreement(self, text: str, bare: str, proposed: Collection[str]) -> Agreement | None:
        """The buyer's yes to a remedy the last script proposed (``proposed``: its remedy action ids), or None."""
        if not proposed:
            return None
        if bare not in self._affirm and not any(p.search(bare) for p in self._agree):
            return None
        named = [r for r in proposed if any(w in text for w in _NAMED.get(r, ()))]
        if len(named) == 1:
            return Agreement(named[0])
        if not named and any(any(w in text for w in words) for r, words in _NAMED.items() if r not in proposed):
            return None  # "退款吧" after an exchange was offered asks for something else: not a yes to the offer
        return Agreement(next(iter(proposed)) if len(proposed) == 1 else None)
