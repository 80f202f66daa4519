"""Measuring a message: keyword hits, character n-gram likelihoods and the closest examples, from indexes
built once per catalog. The thresholds are applied by :func:`app.core.decision.decide`.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.core.content.models import NONE_INTENT, Catalog, Example
from app.core.decision import IntentScore, Match, MatcherConfig, Status, decide, grounded, logits_for
from app.core.keywords import KeywordHit, KeywordIndex
from app.core.ngrams import NgramModel
from app.core.normalize import Normalizer, strip_punctuation
from app.core.prepared import Prepared, prepare
from app.core.similar import Entry, SimilarityIndex
from app.core.tokenize import Tokenizer

__all__ = ["Evidence", "IntentScore", "Match", "Matcher", "MatcherConfig", "Status"]

_SORTED_UP_TO = 64  # intents ranked by sorting them all; beyond, numpy picks the leaders first
_EXPLAINED = 2  # intents per message whose closest example is looked up
_RANKED = 3  # public intents decide() reads: the best, the runner-up and a third for a two-problem message
_REMEMBERED = 4096  # texts whose preparation and match are kept: a few hundred live conversations' recent turns
# What one message may cost: measuring is linear in its length (the tokenizer most), and a buyer's 2,000
# characters (a pasted order history, a whole story) would cost ~40 typical messages. The request is in its
# first and its last sentences; the longest real buyer turn labelled so far is 491 characters, so no real
# message is cut (scripts/identity.py shows the same answers).
MEASURED_CHARS = 600


def window(norm: str) -> str:
    """The part of a prepared message that is measured: all of it up to MEASURED_CHARS, else its first and
    last MEASURED_CHARS / 2 characters."""
    if len(norm) <= MEASURED_CHARS:
        return norm
    half = MEASURED_CHARS // 2
    return f"{norm[:half]} {norm[-half:]}"


@dataclass(frozen=True, slots=True, eq=False)
class Evidence:
    """Everything measured about one message, before any threshold is applied."""

    normalized: str
    bare: str
    hits: tuple[KeywordHit, ...]
    loglik: np.ndarray  # n-gram log-likelihood per intent, in Matcher.labels order
    nearest: dict[str, tuple[float, Example]]  # closest example, for the few leading intents
    logits: np.ndarray  # under the matcher's own configuration (decide() recomputes for another)
    known: int = 0  # how many distinct n-grams of the message the examples hold


class Matcher:
    """Built once per catalog (at start-up or reload); ``match`` is pure and thread-safe."""

    def __init__(
        self,
        catalog: Catalog,
        normalizer: Normalizer,
        tokenizer: Tokenizer,
        config: MatcherConfig | None = None,
        prepared: Prepared | None = None,
    ) -> None:
        """``prepared``: the examples already normalised and tokenised (app/core/prepared.py, from the cache)."""
        self.catalog = catalog
        self.config = config or MatcherConfig()
        self._normalize = normalizer
        self.tokenizer = tokenizer
        self._keywords = KeywordIndex([k for i in catalog.intents.values() for k in i.keywords])
        if prepared is None:
            prepared = prepare(catalog, normalizer, tokenizer, self.config.alpha)
        every = [ex for intent in catalog.intents.values() for ex in intent.examples]
        entries = [Entry(ex, bare, tokens) for ex, (bare, tokens) in zip(every, prepared.examples, strict=True)]
        self._similar = SimilarityIndex(entries)
        self._ngrams = NgramModel(table=prepared.ngrams)
        self.labels = self._ngrams.labels
        self._index = {label: i for i, label in enumerate(self.labels)}
        self._public_at = [i for i, label in enumerate(self.labels) if label != NONE_INTENT]
        self._public_array = np.array(self._public_at, dtype=np.int64)
        self._names = {i.id: i.name for i in catalog.intents.values()}
        self._yields = {i.id: i.yields_to for i in catalog.intents.values() if i.yields_to}
        rules = catalog.reading
        self._skip = tuple(re.compile(p) for p in rules.skip)
        self._strip = tuple(re.compile(p) for p in (*rules.strip, *rules.corrections))
        # Bounded caches, one per matcher (a reload builds a new one): values are immutable, lru_cache is thread-safe.
        self._prepared = lru_cache(maxsize=_REMEMBERED)(self._prepare)
        self._matched = lru_cache(maxsize=_REMEMBERED)(self._match_prepared)

    def match(self, message: str) -> Match:
        return self.decide(self.evidence(message))

    def prepare(self, message: str) -> str:
        return self._prepared(message)

    def match_prepared(self, prepared: str) -> Match:
        """The match of a prepared text. Remembered for a while: the turns of a conversation come back as the
        context of every later message, and are read again with it."""
        return self._matched(prepared)

    def forget(self) -> None:
        """Empty the remembered preparations and matches (benchmarks time a message never seen before)."""
        self._prepared.cache_clear()
        self._matched.cache_clear()

    def _prepare(self, message: str) -> str:
        """The message as it is matched: normalised, with what only the platform or the buyer's correction of
        their own words put there removed (order cards, "发错了 应该是…"); empty when the whole message is a
        greeting, an order card or "转人工" (intents/_reading.yaml)."""
        norm = self._normalize(message)
        if any(p.search(norm) for p in self._skip):
            return ""
        for pattern in self._strip:
            norm = pattern.sub(" ", norm)
        return " ".join(norm.split())

    def _match_prepared(self, prepared: str) -> Match:
        return self.decide(self.measure(prepared))

    def evidence(self, message: str) -> Evidence:
        return self.measure(self.prepare(message))

    def measure(self, norm: str) -> Evidence:
        """Everything about a prepared message, before any threshold. A message longer than MEASURED_CHARS is
        measured on its head and its tail (see :func:`window`); the text read for entities stays whole."""
        measured = window(norm)
        bare = strip_punctuation(measured)
        hits = tuple(self._keywords.find(bare))
        rows = self._ngrams.known(bare)
        loglik = self._ngrams.loglik(bare, rows)
        # Only the leading intents can be grounded or shown, so only they need their closest example;
        # the order is the one decide() computes under this matcher's configuration.
        logits = logits_for(loglik, self._index, hits, self.config, len(rows))
        leaders = [self.labels[i] for i in self._leading(logits.tolist(), _EXPLAINED)]
        nearest = self._similar.nearest(bare, self.tokenizer.tokens(measured), leaders)
        return Evidence(norm, bare, hits, loglik, nearest, logits, len(rows))

    def decide(self, ev: Evidence, config: MatcherConfig | None = None) -> Match:
        """Apply the thresholds to measured evidence. Pure: scripts/tune.py calls it with other configs."""
        cfg = config or self.config
        logits = ev.logits if cfg is self.config else logits_for(ev.loglik, self._index, ev.hits, cfg, ev.known)
        if not len(logits):
            return decide(ev.normalized, [], cfg)
        # A score per intent for a couple of dozen intents: plain floats cost less than numpy's per-call overhead.
        values: list[float] = logits.tolist()
        top = max(values)
        weights = [math.exp(v - top) for v in values]
        total = sum(weights)
        hits_by: dict[str, list[KeywordHit]] = defaultdict(list)
        for h in ev.hits:
            hits_by[h.keyword.intent].append(h)
        # The decision reads the leading intents and the share of "no intent"; intents the message names a
        # keyword of stay too, so a denied keyword ("没破") is still shown as considered.
        ranked = set(self._leading(values, _RANKED))
        ranked.update(self._index[i] for i in hits_by if i in self._index)
        if NONE_INTENT in self._index:
            ranked.add(self._index[NONE_INTENT])
        ranking = []
        for at in sorted(ranked, key=lambda i: (-values[i], self.labels[i])):
            intent = self.labels[at]
            sim, example = ev.nearest.get(intent, (0.0, None))
            ranking.append(
                IntentScore(
                    intent,
                    self._names[intent],
                    weights[at] / total,
                    values[at],
                    tuple(hits_by.get(intent, ())),
                    example,
                    sim,
                )
            )
        return decide(ev.normalized, ranking, cfg, self._yields)

    def narrow(self, prepared: str, intents: tuple[str, ...], *, confirmed: bool) -> Match:
        """The message read among ``intents`` only: the answer to a question that named them. Matched when
        one of them is grounded in the message and ahead of the other, or when the buyer said yes to it
        (``confirmed``); else no match."""
        ev = self.measure(prepared)
        known = [i for i in intents if i in self._index]
        if not known:
            return decide(ev.normalized, [], self.config)
        nearest = {**self._similar.nearest(ev.bare, self.tokenizer.tokens(window(ev.normalized)), known), **ev.nearest}
        logits = np.array([ev.logits[self._index[i]] for i in known])
        shares = np.exp(logits - logits.max())
        shares = shares / shares.sum()
        scores = sorted(
            (
                IntentScore(
                    i,
                    self._names[i],
                    1.0 if confirmed else float(share),
                    float(logit),
                    tuple(h for h in ev.hits if h.keyword.intent == i),
                    *(nearest.get(i, (0.0, None))[::-1]),
                )
                for i, share, logit in zip(known, shares, logits, strict=True)
            ),
            key=lambda s: -s.logit,
        )
        if confirmed:
            return Match(Status.MATCHED, (scores[0],), None, ev.normalized, tuple(scores))
        based = [s for s in scores if grounded(s, self.config)]
        if based and (len(based) == 1 or based[0].score - based[1].score >= self.config.ambiguity_margin):
            best = based[0]
            return Match(Status.MATCHED, (best,), None, ev.normalized, tuple(scores))
        return Match(Status.NO_MATCH, (), scores[0], ev.normalized, tuple(scores))

    def _leading(self, logits: list[float], n: int) -> list[int]:
        """Indexes of the n public intents with the highest logits, best first (ties: by name, as decide())."""
        public = self._public_at
        if len(public) > _SORTED_UP_TO:
            # Hundreds of intents: keep those at or above the n-th value first (ties at the cut all stay).
            values = np.asarray(logits)[self._public_array]
            cut = np.partition(values, -n)[-n]
            public = self._public_array[values >= cut].tolist()
        return sorted(public, key=lambda i: (-logits[i], self.labels[i]))[:n]
