"""Nearest examples: an inverted index over tokens and character bigrams shortlists, rapidfuzz ranks.

This is what lets a result say *which* example it resembles (with file:line), and it stays fast as
content grows because only the shortlist is scored.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from app.core.content.models import Example


@dataclass(frozen=True, slots=True)
class Entry:
    example: Example
    bare: str
    tokens: str  # space-joined


def bigrams(bare: str) -> set[str]:
    return {bare[i: i + 2] for i in range(len(bare) - 1)}


class SimilarityIndex:
    def __init__(self, entries: list[Entry], shortlist: int) -> None:
        self._entries = entries
        self._shortlist = shortlist
        postings: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        df: dict[str, int] = defaultdict(int)
        for idx, entry in enumerate(entries):
            for feat in set(entry.tokens.split()) | bigrams(entry.bare):
                postings[entry.example.intent][feat].append(idx)
                df[feat] += 1
        n = max(len(entries), 1)
        # A feature shared with every example says nothing: weight by inverse document frequency.
        self._idf = {f: math.log(1 + n / count) for f, count in df.items()}
        # Per intent, so that looking up the few leading intents never walks the others' examples.
        self._postings = {intent: {f: tuple(ids) for f, ids in table.items()} for intent, table in postings.items()}

    def nearest(self, bare: str, tokens: list[str], intents: set[str]) -> dict[str, tuple[float, Example]]:
        """Best (similarity, example) per intent, among shortlisted examples of ``intents`` only."""
        feats = [(f, self._idf[f]) for f in set(tokens) | bigrams(bare) | ({bare} if len(bare) == 1 else set())
                 if f in self._idf]
        acc: dict[int, float] = defaultdict(float)
        for intent in intents:
            table = self._postings.get(intent)
            if table is None:
                continue
            for feat, weight in feats:
                for i in table.get(feat, ()):
                    acc[i] += weight
        shortlist = [i for i, _ in heapq.nlargest(self._shortlist, acc.items(), key=lambda kv: kv[1])]
        if not shortlist:
            return {}
        # Two batched C-level scans instead of one Python call per candidate.
        chars = process.extract(bare, {i: self._entries[i].bare for i in shortlist}, scorer=fuzz.ratio, limit=None)
        joined = " ".join(tokens)
        toks = process.extract(joined, {i: self._entries[i].tokens for i in shortlist}, scorer=fuzz.token_sort_ratio,
                               limit=None) if joined else []
        score: dict[int, float] = {i: s for _, s, i in chars}
        for _, s, i in toks:
            score[i] = max(score[i], s)
        best: dict[str, tuple[float, Example]] = {}
        for i, s in score.items():
            example = self._entries[i].example
            if example.intent not in best or s / 100.0 > best[example.intent][0]:
                best[example.intent] = (s / 100.0, example)
        return best
