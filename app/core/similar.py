"""Nearest examples: an inverted index over tokens and character bigrams shortlists, rapidfuzz ranks.

This is what lets a result say *which* example it resembles (with file:line), and it stays fast as
content grows because only the shortlist is scored.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

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
        postings: dict[str, list[int]] = defaultdict(list)
        for idx, entry in enumerate(entries):
            for feat in set(entry.tokens.split()) | bigrams(entry.bare):
                postings[feat].append(idx)
        n = max(len(entries), 1)
        # A feature shared with every example says nothing: weight by inverse document frequency.
        self._postings = {f: (math.log(1 + n / len(ids)), tuple(ids)) for f, ids in postings.items()}

    def nearest(self, bare: str, tokens: list[str]) -> dict[tuple[str, bool], tuple[float, Example]]:
        """Best (similarity, example) per (intent, is_negative) among the shortlisted examples."""
        acc: dict[int, float] = defaultdict(float)
        for feat in set(tokens) | bigrams(bare) | ({bare} if len(bare) == 1 else set()):
            hit = self._postings.get(feat)
            if hit is not None:
                weight, ids = hit
                for i in ids:
                    acc[i] += weight
        joined = " ".join(tokens)
        best: dict[tuple[str, bool], tuple[float, Example]] = {}
        for i, _ in heapq.nlargest(self._shortlist, acc.items(), key=lambda kv: kv[1]):
            entry = self._entries[i]
            sim = similarity(bare, joined, entry.bare, entry.tokens)
            key = (entry.example.intent, entry.example.negative)
            if key not in best or sim > best[key][0]:
                best[key] = (sim, entry.example)
        return best


def similarity(bare: str, tokens: str, other_bare: str, other_tokens: str) -> float:
    """0–1: the better of character-level and token-order-insensitive edit similarity."""
    char = fuzz.ratio(bare, other_bare)
    tok = fuzz.token_sort_ratio(tokens, other_tokens) if tokens and other_tokens else 0.0
    return max(char, tok) / 100.0
