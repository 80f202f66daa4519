"""Measuring a message: keyword hits, character n-gram likelihoods and the closest examples, from indexes
built once per catalog. The thresholds are applied by :func:`app.core.decision.decide`.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass

from app.core.content.models import NONE_INTENT, Catalog, Example
from app.core.decision import IntentScore, Match, MatcherConfig, Status, decide, logits_for
from app.core.keywords import KeywordHit, KeywordIndex
from app.core.ngrams import NgramModel
from app.core.normalize import Normalizer, strip_punctuation
from app.core.similar import Entry, SimilarityIndex
from app.core.tokenize import Tokenizer

__all__ = ["Evidence", "IntentScore", "Match", "Matcher", "MatcherConfig", "Status"]

_EXPLAINED = 2  # intents per message whose closest example is looked up


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything measured about one message, before any threshold is applied."""

    normalized: str
    bare: str
    hits: tuple[KeywordHit, ...]
    loglik: dict[str, float]  # n-gram log-likelihood per intent
    nearest: dict[str, tuple[float, Example]]  # closest example, for the few leading intents
    logits: dict[str, float]  # under the matcher's own configuration (decide() recomputes for another)


class Matcher:
    """Built once per catalog (at start-up or reload); ``match`` is pure and thread-safe."""

    def __init__(self, catalog: Catalog, normalizer: Normalizer, tokenizer: Tokenizer,
                 config: MatcherConfig | None = None) -> None:
        self.catalog = catalog
        self.config = cfg = config or MatcherConfig()
        self._normalize = normalizer
        self.tokenizer = tokenizer
        self._keywords = KeywordIndex([k for i in catalog.intents.values() for k in i.keywords])
        entries: list[Entry] = []
        for intent in catalog.intents.values():
            for ex in intent.examples:
                norm = normalizer(ex.text)
                entries.append(Entry(ex, strip_punctuation(norm), " ".join(tokenizer.tokens(norm))))
        self._similar = SimilarityIndex(entries, cfg.shortlist)
        self._ngrams = NgramModel(((e.example.intent, e.bare) for e in entries), cfg.alpha)
        self._names = {i.id: i.name for i in catalog.intents.values()}

    def match(self, message: str) -> Match:
        return self.decide(self.evidence(message))

    def evidence(self, message: str) -> Evidence:
        norm = self._normalize(message)
        bare = strip_punctuation(norm)
        hits = tuple(self._keywords.find(bare))
        loglik = dict(zip(self._ngrams.labels, self._ngrams.loglik(bare), strict=False))
        # Only the two leading intents can be grounded or shown, so only they need their closest
        # example; the order is the one decide() computes under this matcher's configuration.
        logits = logits_for(loglik, hits, self.config)
        leaders = heapq.nlargest(_EXPLAINED, (i for i in logits if i != NONE_INTENT), key=logits.__getitem__)
        nearest = self._similar.nearest(bare, self.tokenizer.tokens(norm), set(leaders))
        return Evidence(norm, bare, hits, loglik, nearest, logits)

    def decide(self, ev: Evidence, config: MatcherConfig | None = None) -> Match:
        """Apply the thresholds to measured evidence. Pure: scripts/tune.py calls it with other configs."""
        cfg = config or self.config
        logits = ev.logits if cfg is self.config else logits_for(ev.loglik, ev.hits, cfg)
        top = max(logits.values())
        weights = {intent: math.exp(v - top) for intent, v in logits.items()}
        z = sum(weights.values())
        hits_by: dict[str, list[KeywordHit]] = defaultdict(list)
        for h in ev.hits:
            hits_by[h.keyword.intent].append(h)
        ranking = []
        for intent in sorted(logits, key=lambda i: (-logits[i], i)):
            sim, example = ev.nearest.get(intent, (0.0, None))
            ranking.append(IntentScore(intent, self._names[intent], weights[intent] / z, logits[intent],
                                       tuple(hits_by.get(intent, ())), example, sim))
        return decide(ev.normalized, ranking, cfg)
