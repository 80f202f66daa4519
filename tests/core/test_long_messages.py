"""A long message costs a bounded amount: beyond MEASURED_CHARS only its head and tail are measured."""

from __future__ import annotations

import time

from app.core.matcher import MEASURED_CHARS, window
from scripts.evaluate import read_tsv
from scripts.identity import HELDOUT


def test_window_keeps_short_messages_whole_and_cuts_long_ones():
    short = "杯子碎了" * (MEASURED_CHARS // 4)
    assert window(short) == short
    long = "头" * 1000 + "尾" * 1000
    cut = window(long)
    assert len(cut) == MEASURED_CHARS + 1
    assert cut.startswith("头" * (MEASURED_CHARS // 2)) and cut.endswith("尾" * (MEASURED_CHARS // 2))


def test_a_long_message_is_still_read_by_its_words(engine):
    filler = "快递小哥送到楼下,我下班回家才拿到手,"
    story = "我跟你说一下情况," + filler * (1960 // len(filler)) + "结果拆开发现杯子碎了"
    assert 1900 < len(story) <= 2000
    m = engine.match(story)
    assert m.best is not None and m.best.intent == "damaged"


def _cpu(engine, messages: list[str], rounds: int = 5) -> float:
    """Least CPU per message over a few rounds (the machine is shared: the least is the least disturbed)."""
    best = float("inf")
    for _ in range(rounds):
        t = time.thread_time()
        for message in messages:
            engine.matcher.forget()
            engine.suggest(message)
        best = min(best, (time.thread_time() - t) / len(messages))
    return best


def test_a_2000_character_message_costs_a_bounded_few_typical_ones(engine):
    typical = [i.text for i in read_tsv(HELDOUT)[:100]]
    text = "".join(typical)
    at_window, at_limit = text[:MEASURED_CHARS], text[:2000]
    one = _cpu(engine, typical, 3)
    windowed = _cpu(engine, [at_window] * 5)
    longest = _cpu(engine, [at_limit] * 5)
    # Beyond the window only the linear steps before it grow (normalising, entities); measuring does not.
    assert longest < 2.0 * windowed, (longest, windowed)
    # Generous against a shared machine: measured ~12x on a quiet one (~40x without the window).
    assert longest < 30 * one, (longest, one)
