"""The bounded search for the closest example gives exactly the full scan's answer (score and first index)."""

from __future__ import annotations

import random

import numpy as np
from rapidfuzz import fuzz, process

from app.core.shortlist import Shortlist

ALPHABET = "碎了破坏少件没收到发货快递退换货地址改我的杯子怎么办在吗 "


def _full(bare: list[str], sorted_tokens: list[str], text: str, query: str) -> tuple[float, int]:
    scores = process.cdist([text], bare, scorer=fuzz.ratio, dtype="float32")[0]
    if query:
        scores = np.maximum(scores, process.cdist([query], sorted_tokens, scorer=fuzz.ratio, dtype="float32")[0])
    at = int(scores.argmax())
    return float(scores[at]), at


def _text(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def test_shortlist_matches_the_full_scan():
    rng = random.Random(7)
    bare = [_text(rng, 0, 30) for _ in range(1500)]
    bare[10] = bare[900] = "杯子碎了"  # equal examples: the first one is the answer
    sorted_tokens = [" ".join(sorted(b[i : i + 2] for i in range(0, len(b), 2))) for b in bare]
    shortlist = Shortlist(bare, sorted_tokens)
    checked = 0
    for _ in range(300):
        text = _text(rng, 0, 40)
        query = " ".join(sorted(text[i : i + 2] for i in range(0, len(text), 2))) if rng.random() < 0.8 else ""
        assert shortlist.best(text, query) == _full(bare, sorted_tokens, text, query), (text, query)
        checked += 1
    assert shortlist.best("杯子碎了", "") == (100.0, 10)
    assert shortlist.best("", "") == _full(bare, sorted_tokens, "", "")
    assert checked == 300


def test_shortlist_of_a_small_list():
    bare = ["碎了", "少件", "没收到"]
    shortlist = Shortlist(bare, bare)
    assert shortlist.best("少了一件", "少了一件") == _full(bare, bare, "少了一件", "少了一件")


def test_similarity_index_answers_the_same_with_every_intent_shortlisted(engine):
    from app.core.normalize import strip_punctuation
    from app.core.similar import Entry, SimilarityIndex
    from scripts.evaluate import read_tsv
    from scripts.identity import HELDOUT

    m = engine.matcher
    entries = []
    for intent in engine.catalog.intents.values():
        for ex in intent.examples:
            norm = engine.normalizer(ex.text)
            entries.append(Entry(ex, strip_punctuation(norm), tuple(m.tokenizer.tokens(norm))))
    scanned, bounded = SimilarityIndex(entries, shortlist_from=10**9), SimilarityIndex(entries, shortlist_from=0)
    intents = list(engine.catalog.intents)
    for n, item in enumerate(read_tsv(HELDOUT)[:200]):
        norm = m.prepare(item.text)
        bare, tokens = strip_punctuation(norm), m.tokenizer.tokens(norm)
        leaders = [intents[n % len(intents)], intents[(3 * n + 1) % len(intents)]]
        assert bounded.nearest(bare, tokens, leaders) == scanned.nearest(bare, tokens, leaders), item.text
