"""Character n-gram naive Bayes, fitted from the examples when the catalog loads.

Buyers paraphrase, misspell and write dialect; character 1–3-grams carry what survives of the meaning
("配的腰带没有" shares 没有, 配的 with missing-item examples without sharing a keyword). Scoring only
touches the n-grams of the message, so it costs the same with 700 or 10,000 examples.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

NGRAM_SIZES = (1, 2, 3)


def grams(bare: str) -> set[str]:
    return {bare[i: i + n] for n in NGRAM_SIZES for i in range(len(bare) - n + 1)}


class NgramModel:
    def __init__(self, labelled: Iterable[tuple[str, str]], alpha: float) -> None:
        counts: dict[str, Counter[str]] = {}
        for label, bare in labelled:
            counts.setdefault(label, Counter()).update(grams(bare))
        self.labels: tuple[str, ...] = tuple(counts)
        vocab = set().union(*counts.values()) if counts else set()
        totals = [sum(counts[label].values()) for label in self.labels]
        # Score = n·default + Σ (log p − default) over the n-grams a class has seen: the unseen ones
        # all cost `default`, so only the few (n-gram, class) pairs with counts are visited per message.
        self._default = [math.log(alpha / (t + alpha * len(vocab))) for t in totals]
        delta: dict[str, list[tuple[int, float]]] = {}
        for ci, label in enumerate(self.labels):
            for gram, n in counts[label].items():
                logp = math.log((n + alpha) / (totals[ci] + alpha * len(vocab)))
                delta.setdefault(gram, []).append((ci, logp - self._default[ci]))
        self._delta = {g: tuple(v) for g, v in delta.items()}

    def loglik(self, bare: str) -> list[float]:
        """Log-likelihood of the message's known n-grams under each label, in ``self.labels`` order."""
        known = [g for g in grams(bare) if g in self._delta]
        scores = [len(known) * d for d in self._default]
        for g in known:
            for ci, dv in self._delta[g]:
                scores[ci] += dv
        return scores
