"""Scores from gold and predicted labels: per-label precision and recall, the confusion matrix, the contract
figures (top-1 over the eight, out-of-scope messages given one of the eight)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scripts.evaluation.data import EIGHT, NONE


@dataclass(frozen=True, slots=True)
class PerLabel:
    label: str
    support: int  # gold count
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None


@dataclass(frozen=True, slots=True)
class Scores:
    """``alone``: per message, whether its label can be read from it alone. A message of one of the eight that
    needs the conversation ("是的" after "需要拦截吗?") is neither scored for top-1 alone nor counted out of
    scope: the conversation replay scores it. Every other message counts."""

    name: str
    gold: tuple[str, ...]
    pred: tuple[str, ...]
    alone: tuple[bool, ...] = ()

    def _rows(self) -> list[tuple[str, str, bool]]:
        alone = self.alone or (True,) * len(self.gold)
        return list(zip(self.gold, self.pred, alone, strict=True))

    @property
    def n(self) -> int:
        return len(self.gold)

    def core(self) -> tuple[int, int]:
        """Messages whose gold is one of the eight (readable alone), and how many of them got it first."""
        pairs = [(g, p) for g, p, a in self._rows() if g in EIGHT and a]
        return sum(g == p for g, p in pairs), len(pairs)

    def out_of_scope(self) -> tuple[int, int]:
        """Messages whose gold is not one of the eight, and how many of them were given one of the eight."""
        preds = [p for g, p, _ in self._rows() if g not in EIGHT]
        return sum(p in EIGHT for p in preds), len(preds)

    def none_given_any(self) -> tuple[int, int]:
        """Messages that ask for nothing, and how many of them were given any intent."""
        preds = [p for g, p, _ in self._rows() if g == NONE]
        return sum(p != NONE for p in preds), len(preds)

    def overall(self) -> tuple[int, int]:
        rows = [(g, p) for g, p, a in self._rows() if a]
        return sum(g == p for g, p in rows), len(rows)

    def per_label(self, labels: list[str]) -> list[PerLabel]:
        rows = [(g, p) for g, p, a in self._rows() if a]
        gold, pred = Counter(g for g, _ in rows), Counter(p for _, p in rows)
        ok = Counter(g for g, p in rows if g == p)
        return [PerLabel(lab, gold[lab], pred[lab], ok[lab]) for lab in labels if gold[lab] or pred[lab]]

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((g, p) for g, p, a in self._rows() if a)


def rate(pair: tuple[int, int]) -> float:
    hits, total = pair
    return hits / total if total else 0.0


def pct(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{rate(pair):.1%} ({hits}/{total})"
