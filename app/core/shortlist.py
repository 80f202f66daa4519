"""The closest example of an intent with thousands of examples, without scoring them all.

``fuzz.ratio`` is 200·LCS / (len a + len b), and the longest common subsequence of two texts holds at most
``Σ_c min(count_a(c), count_b(c))`` characters. That bound comes from an inverted index of characters in a few
numpy operations; only the examples whose bound reaches the best score found among the most promising ones are
scored. The answer is exactly the full scan's: the same score and, of equal ones, the first example.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from rapidfuzz import fuzz, process

_FIRST = 32  # the most promising examples scored first: their best sets the bar the others must reach
_SLACK = 0.01  # scores come as float32; a bound this close to the bar is scored rather than trusted


class _Bound:
    """Upper bounds of fuzz.ratio between a text and each of a list of texts."""

    def __init__(self, texts: list[str]) -> None:
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for at, text in enumerate(texts):
            for ch, n in Counter(text).items():
                ids, counts = postings.setdefault(ch, ([], []))
                ids.append(at)
                counts.append(n)
        self._postings = {
            ch: (np.array(ids, dtype=np.int32), np.array(counts, dtype=np.int32))
            for ch, (ids, counts) in postings.items()
        }
        self._lengths = np.array([len(t) for t in texts], dtype=np.float64)

    def __call__(self, text: str) -> np.ndarray:
        common = np.zeros(len(self._lengths))
        for ch, n in Counter(text).items():
            hit = self._postings.get(ch)
            if hit is not None:
                common[hit[0]] += np.minimum(hit[1], n)
        total = self._lengths + len(text)
        # Two empty texts: rapidfuzz's own convention decides, so the bound never rules them out.
        bound: np.ndarray = np.divide(200.0 * common, total, out=np.full(len(total), 100.0), where=total > 0)
        return bound


class Shortlist:
    """One intent's examples: their bare texts and their sorted content tokens (app/core/similar.py)."""

    def __init__(self, bare: list[str], sorted_tokens: list[str]) -> None:
        self._bare = bare
        self._sorted = sorted_tokens
        self._bare_bound = _Bound(bare)
        self._sorted_bound = _Bound(sorted_tokens)

    def best(self, bare: str, query: str) -> tuple[float, int]:
        """(score 0–100, index) of the example closest to the message: the max of the character and the sorted
        token similarity (the latter only when the message has content tokens), the first of equal ones."""
        bound = self._bare_bound(bare)
        if query:
            np.maximum(bound, self._sorted_bound(query), out=bound)
        first = np.argpartition(-bound, _FIRST)[:_FIRST] if len(bound) > _FIRST else np.arange(len(bound))
        bar = float(self._scores(bare, query, np.sort(first)).max())
        candidates = np.flatnonzero(bound >= bar - _SLACK)
        scores = self._scores(bare, query, candidates)
        at = int(scores.argmax())
        return float(scores[at]), int(candidates[at])

    def _scores(self, bare: str, query: str, ids: np.ndarray) -> np.ndarray:
        picked = ids.tolist()
        scores: np.ndarray = process.cdist([bare], [self._bare[i] for i in picked], scorer=fuzz.ratio, dtype="float32")[
            0
        ]
        if query:
            words = process.cdist([query], [self._sorted[i] for i in picked], scorer=fuzz.ratio, dtype="float32")[0]
            np.maximum(scores, words, out=scores)
        return scores
