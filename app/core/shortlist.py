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
    """Upper bounds of fuzz.ratio between a text and each of a list of texts: a (character × text) count
    table, so a message costs one gather over the rows of its own characters, whatever their frequency."""

    def __init__(self, texts: list[str]) -> None:
        counts = [Counter(text) for text in texts]
        self._columns: dict[str, int] = {}
        for c in counts:
            for ch in c:
                self._columns.setdefault(ch, len(self._columns))
        most = max((n for c in counts for n in c.values()), default=0)
        # Exact counts (uint16 once a text repeats a character more than 255 times): a capped count could
        # make the bound smaller than the score it bounds.
        self._table = np.zeros((len(self._columns), len(texts)), dtype=np.uint8 if most < 256 else np.uint16)
        for at, c in enumerate(counts):
            for ch, n in c.items():
                self._table[self._columns[ch], at] = n
        self._top = int(np.iinfo(self._table.dtype).max)
        self._lengths = np.array([len(t) for t in texts], dtype=np.float64)

    def __call__(self, text: str) -> np.ndarray:
        wanted = [(self._columns[ch], n) for ch, n in Counter(text).items() if ch in self._columns]
        if wanted:
            rows = self._table[[r for r, _ in wanted]]
            # Every count in the table fits its dtype, so capping the message's counts there changes no min().
            limit = np.array([min(n, self._top) for _, n in wanted], dtype=self._table.dtype)[:, None]
            common = np.minimum(rows, limit).sum(axis=0, dtype=np.float64)
        else:
            common = np.zeros(len(self._lengths))
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
