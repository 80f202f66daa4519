"""Character n-gram naive Bayes, fitted from the examples when the catalog loads.

Buyers paraphrase, misspell and write dialect; character 1–3-grams carry what survives of the meaning
("配的腰带没有" shares 没有, 配的 with missing-item examples without sharing a keyword). Scoring only
touches the n-grams of the message, so it costs the same with 700 or 10,000 examples.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
import numpy as np

NGRAM_SIZES = (1, 2, 3)
# Up to this many (n-gram, class) cells the table is one dense matrix (16 MB at most): one gather per
# message. Beyond it (hundreds of intents) the ~99 % of empty cells would cost hundreds of MB, so each
# n-gram keeps only its non-empty cells (CSR) and a message costs a few more array operations.
DENSE_CELLS = 2_000_000


def grams(bare: str) -> set[str]:
    return {bare[i : i + n] for n in NGRAM_SIZES for i in range(len(bare) - n + 1)}


@dataclass(frozen=True, slots=True, eq=False)
class NgramTable:
    """The fitted model as plain arrays: what app/core/prepared.py keeps in CACHE_DIR between starts."""

    labels: tuple[str, ...]
    vocab: list[str]  # every n-gram the examples hold, sorted: its index is its row
    default: np.ndarray  # per label: the log-probability of an n-gram it never saw
    rows: np.ndarray  # the (n-gram, label) cells with counts: row, label index, log p − default
    classes: np.ndarray
    deltas: np.ndarray


def fit(labelled: Iterable[tuple[str, str]], alpha: float) -> NgramTable:
    counts: dict[str, Counter[str]] = {}
    for label, bare in labelled:
        counts.setdefault(label, Counter()).update(grams(bare))
    labels: tuple[str, ...] = tuple(counts)
    vocab = sorted(set().union(*counts.values())) if counts else []
    totals = [sum(counts[label].values()) for label in labels]
    # Score = n·default + Σ (log p − default) over the n-grams a class has seen: the unseen ones
    # all cost `default`, so only the (n-gram, class) pairs with counts carry a value.
    default = np.array([math.log(alpha / max(t + alpha * len(vocab), alpha)) for t in totals])
    row = {g: i for i, g in enumerate(vocab)}
    rows, classes, deltas = [], [], []
    for ci, label in enumerate(labels):
        for gram, n in counts[label].items():
            rows.append(row[gram])
            classes.append(ci)
            deltas.append(math.log((n + alpha) / (totals[ci] + alpha * len(vocab))) - default[ci])
    return NgramTable(
        labels,
        vocab,
        default,
        np.array(rows, dtype=np.int64),
        np.array(classes, dtype=np.int64),
        np.array(deltas, dtype=np.float64),
    )


class NgramModel:
    def __init__(
        self,
        labelled: Iterable[tuple[str, str]] = (),
        alpha: float = 0.1,
        dense_cells: int = DENSE_CELLS,
        table: NgramTable | None = None,
    ) -> None:
        """Fitted from ``labelled`` (label, bare text) pairs, or built from a table fitted before."""
        table = table if table is not None else fit(labelled, alpha)
        self.labels: tuple[str, ...] = table.labels
        vocab, rows, classes, deltas = table.vocab, table.rows, table.classes, table.deltas
        self._default = table.default
        # All the message's known n-grams in one C pass, instead of slicing every 1–3-gram and looking
        # each one up in a dict.
        self._automaton = ahocorasick.Automaton()
        for i, gram in enumerate(vocab):
            self._automaton.add_word(gram, i)
        self._known = bool(vocab)
        if vocab:
            self._automaton.make_automaton()
        self._dense: np.ndarray | None = None
        if len(vocab) * len(self.labels) <= dense_cells:
            self._dense = np.zeros((len(vocab), len(self.labels)))
            self._dense[rows, classes] = deltas
            return
        order = np.argsort(rows, kind="stable")
        self._classes = classes[order]
        self._deltas = deltas[order]
        self._indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(vocab))))).astype(np.int64)

    def known(self, bare: str) -> list[int]:
        """The rows of the message's distinct n-grams that the examples hold."""
        return list({i for _, i in self._automaton.iter(bare)}) if bare and self._known else []

    def loglik(self, bare: str, rows: list[int] | None = None) -> np.ndarray:
        """Log-likelihood of the message's known n-grams under each label, in ``self.labels`` order."""
        rows = self.known(bare) if rows is None else rows
        # numpy types arithmetic on arrays of unknown dtype as Any: the annotations say what each result is.
        scores: np.ndarray = len(rows) * self._default
        if not rows:
            return scores
        if self._dense is not None:
            dense: np.ndarray = scores + self._dense[rows].sum(axis=0)
            return dense
        ids = np.array(rows, dtype=np.int64)
        starts, lengths = self._indptr[ids], self._indptr[ids + 1] - self._indptr[ids]
        # Every position of every selected row, without a Python loop: a run of aranges in one go.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        sparse: np.ndarray = scores + np.bincount(
            self._classes[offsets], weights=self._deltas[offsets], minlength=len(self.labels)
        )
        return sparse
