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
    name: str
    gold: tuple[str, ...]
    pred: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.gold)

    def core(self) -> tuple[int, int]:
        """Messages whose gold is one of the eight, and how many of them got it first."""
        pairs = [(g, p) for g, p in zip(self.gold, self.pred, strict=True) if g in EIGHT]
        return sum(g == p for g, p in pairs), len(pairs)

    def out_of_scope(self) -> tuple[int, int]:
        """Messages whose gold is not one of the eight, and how many of them were given one of the eight."""
        preds = [p for g, p in zip(self.gold, self.pred, strict=True) if g not in EIGHT]
        return sum(p in EIGHT for p in preds), len(preds)

    def none_given_any(self) -> tuple[int, int]:
        """Messages that ask for nothing, and how many of them were given any intent."""
        preds = [p for g, p in zip(self.gold, self.pred, strict=True) if g == NONE]
        return sum(p != NONE for p in preds), len(preds)

    def overall(self) -> tuple[int, int]:
        return sum(g == p for g, p in zip(self.gold, self.pred, strict=True)), self.n

    def per_label(self, labels: list[str]) -> list[PerLabel]:
        gold, pred = Counter(self.gold), Counter(self.pred)
        ok = Counter(g for g, p in zip(self.gold, self.pred, strict=True) if g == p)
        return [PerLabel(lab, gold[lab], pred[lab], ok[lab]) for lab in labels if gold[lab] or pred[lab]]

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter(zip(self.gold, self.pred, strict=True))


def rate(pair: tuple[int, int]) -> float:
    hits, total = pair
    return hits / total if total else 0.0


def pct(pair: tuple[int, int]) -> str:
    hits, total = pair
    return f"{rate(pair):.1%} ({hits}/{total})"
