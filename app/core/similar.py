"""Nearest examples of the leading intents, scored by rapidfuzz in one C-level pass per measure.

This is what lets a result say *which* example it resembles (with file:line). The n-gram model and the
keywords already shortlist the intents (two per message), so only those intents' examples are scored: a
few hundred at ~0.1 µs each and measure, whatever the size of the whole phrasebook.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from app.core.content.models import Example


@dataclass(frozen=True, slots=True)
class Entry:
    example: Example
    bare: str
    tokens: tuple[str, ...]  # jieba's content tokens


def sorted_tokens(tokens: list[str] | tuple[str, ...]) -> str:
    """token_sort_ratio's own preprocessing, done once per example at load time instead of per comparison."""
    return " ".join(sorted(tokens))


class SimilarityIndex:
    def __init__(self, entries: list[Entry]) -> None:
        by_intent: dict[str, list[Entry]] = {}
        for entry in entries:
            by_intent.setdefault(entry.example.intent, []).append(entry)
        self._examples = {intent: tuple(e.example for e in group) for intent, group in by_intent.items()}
        self._bare = {intent: [e.bare for e in group] for intent, group in by_intent.items()}
        self._sorted = {intent: [sorted_tokens(e.tokens) for e in group] for intent, group in by_intent.items()}

    def nearest(self, bare: str, tokens: list[str], intents: set[str] | list[str]) -> dict[str, tuple[float, Example]]:
        """Best (similarity 0–1, example) per intent: the closer of character and word-order-free token
        similarity, so "碎了杯子" and "杯子碎了" are as close as they read."""
        query = sorted_tokens(tokens)
        groups = [i for i in intents if i in self._bare]
        if not groups:
            return {}
        # One C-level call per similarity over all the groups' examples: the per-call overhead (~2 µs) is
        # most of the cost at this size.
        bares = [b for i in groups for b in self._bare[i]]
        scores = process.cdist([bare], bares, scorer=fuzz.ratio, dtype="float32")[0]
        if query:
            words = process.cdist(
                [query], [t for i in groups for t in self._sorted[i]], scorer=fuzz.ratio, dtype="float32"
            )[0]
            scores = np.maximum(scores, words)
        best: dict[str, tuple[float, Example]] = {}
        start = 0
        for intent in groups:
            end = start + len(self._bare[intent])
            at = int(scores[start:end].argmax())
            best[intent] = (float(scores[start + at]) / 100.0, self._examples[intent][at])
            start = end
        return best
