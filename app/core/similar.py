"""Nearest examples of the leading intents, scored by rapidfuzz in one C-level pass per measure.

This is what lets a result say *which* example it resembles (with file:line). The n-gram model and the
keywords already shortlist the intents (two per message), so only those intents' examples are scored: a
few hundred at ~0.05 µs each, whatever the size of the whole phrasebook. An intent with thousands of examples
is shortlisted further by an exact bound (app/core/shortlist.py): only examples that could beat the best are
scored, so one huge intent does not make every message that leads with it slow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from app.core.content.models import Example
from app.core.shortlist import Shortlist

# Below this many examples scoring them all is cheaper than bounding them first (the bound costs ~10 µs).
SHORTLIST_FROM = 400
_JOINED = 4096  # sets of intents whose texts are kept laid end to end (each: a few hundred references)


@dataclass(frozen=True, slots=True)
class Entry:
    example: Example
    bare: str
    tokens: tuple[str, ...]  # jieba's content tokens


def sorted_tokens(tokens: list[str] | tuple[str, ...]) -> str:
    """token_sort_ratio's own preprocessing, done once per example at load time instead of per comparison."""
    return " ".join(sorted(tokens))


class SimilarityIndex:
    def __init__(self, entries: list[Entry], shortlist_from: int = SHORTLIST_FROM) -> None:
        by_intent: dict[str, list[Entry]] = {}
        for entry in entries:
            by_intent.setdefault(entry.example.intent, []).append(entry)
        self._examples = {intent: tuple(e.example for e in group) for intent, group in by_intent.items()}
        self._bare = {intent: [e.bare for e in group] for intent, group in by_intent.items()}
        self._sorted = {intent: [sorted_tokens(e.tokens) for e in group] for intent, group in by_intent.items()}
        self._large = {
            intent: Shortlist(self._bare[intent], self._sorted[intent])
            for intent, group in by_intent.items()
            if len(group) >= shortlist_from
        }
        # The groups' texts laid end to end, per set of leading intents: built on first use (a few hundred
        # pairs of intents at most), instead of concatenating a few hundred strings per message.
        self._joined: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}

    def nearest(self, bare: str, tokens: list[str], intents: set[str] | list[str]) -> dict[str, tuple[float, Example]]:
        """Best (similarity 0–1, example) per intent: the closer of character and word-order-free token
        similarity, so "碎了杯子" and "杯子碎了" are as close as they read. Of equally close examples, the first
        written."""
        query = sorted_tokens(tokens)
        best: dict[str, tuple[float, Example]] = {}
        small = []
        for intent in intents:
            if intent in self._large:
                score, at = self._large[intent].best(bare, query)
                best[intent] = (score / 100.0, self._examples[intent][at])
            elif intent in self._bare:
                small.append(intent)
        if not small:
            return best
        groups = tuple(small)
        joined = self._joined.get(groups)
        if joined is None:
            joined = ([b for i in groups for b in self._bare[i]], [t for i in groups for t in self._sorted[i]])
            if len(self._joined) < _JOINED:
                self._joined[groups] = joined
        # One C-level call per similarity over all the groups' examples: the per-call overhead (~4 µs) is
        # most of the cost at this size.
        scores = process.cdist([bare], joined[0], scorer=fuzz.ratio, dtype="float32")[0]
        if query:
            words = process.cdist([query], joined[1], scorer=fuzz.ratio, dtype="float32")[0]
            np.maximum(scores, words, out=scores)
        start = 0
        for intent in groups:
            end = start + len(self._bare[intent])
            at = int(scores[start:end].argmax())
            best[intent] = (float(scores[start + at]) / 100.0, self._examples[intent][at])
            start = end
        return best
