"""The leading intents are the same whether all intents are sorted or numpy picks them first (many intents)."""

from __future__ import annotations

import random

import numpy as np

from app.core import matcher as matcher_module


def test_leading_intents_are_the_same_either_way(engine, monkeypatch):
    m = engine.matcher
    rng = random.Random(3)
    for _ in range(200):
        # Rounded values, so ties (at the cut too) happen often: ties go by name either way.
        logits = [round(rng.uniform(-5, 5), 0) for _ in m.labels]
        for n in (1, 2, 3):
            monkeypatch.setattr(matcher_module, "_SORTED_UP_TO", 10**6)
            sorted_all = m._leading(logits, n)
            monkeypatch.setattr(matcher_module, "_SORTED_UP_TO", 0)
            picked = m._leading(logits, n)
            assert picked == sorted_all
            values = np.asarray(logits)
            assert all(values[i] >= values[sorted_all[-1]] for i in sorted_all)
