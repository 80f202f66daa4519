"""The prepared-examples cache (app/core/prepared.py): read back instead of tokenising, the same answers,
missed when the content changes, and a damaged entry is recomputed, never a failure."""

from __future__ import annotations

import logging

import pytest

from app.core import prepared
from app.core.engine import build_engine

MESSAGES = ("收到的杯子碎了", "还没发货吗", "地址写错了能改吗", "在吗", "我要退货 不合适")


def _answers(engine) -> list[tuple[str, str | None, float]]:
    out = []
    for m in MESSAGES:
        r = engine.match(m)
        out.append((r.status.value, r.best.intent if r.best else None, r.best.similarity if r.best else 0.0))
    return out


def test_a_warm_start_reads_the_entry_and_answers_the_same(content_root, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cold = build_engine(content_root, cache)
    entries = list((cache / prepared.FOLDER).glob("*.pickle"))
    assert len(entries) == 1

    def refuse(*args, **kwargs):  # a hit never prepares the examples again
        raise AssertionError("prepared the examples although the cache holds them")

    monkeypatch.setattr(prepared, "prepare", refuse)
    warm = build_engine(content_root, cache)
    assert _answers(warm) == _answers(cold)
    assert warm.matcher._ngrams.labels == cold.matcher._ngrams.labels


def test_changed_content_misses_and_its_new_example_is_used(content_root, tmp_path):
    cache = tmp_path / "cache"
    build_engine(content_root, cache)
    path = content_root / "intents" / "damaged.yaml"
    new = "亲 我收到的那个青花瓷大花瓶裂成三瓣了"
    path.write_text(path.read_text(encoding="utf-8").replace("examples:\n", f"examples:\n  - {new}\n", 1), "utf-8")
    engine = build_engine(content_root, cache)
    assert len(list((cache / prepared.FOLDER).glob("*.pickle"))) == 2
    best = engine.match(new).best
    assert best is not None and best.intent == "damaged" and best.example is not None
    assert best.example.text == new and best.similarity == pytest.approx(1.0)


def test_a_damaged_entry_is_recomputed(content_root, tmp_path, caplog):
    cache = tmp_path / "cache"
    expected = _answers(build_engine(content_root, cache))
    (entry,) = (cache / prepared.FOLDER).glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    with caplog.at_level(logging.WARNING, logger="app.content"):
        assert _answers(build_engine(content_root, cache)) == expected
    assert "damaged" in caplog.text


def test_an_entry_naming_a_class_is_refused(content_root, tmp_path, caplog):
    import pickle

    cache = tmp_path / "cache"
    expected = _answers(build_engine(content_root, cache))
    (entry,) = (cache / prepared.FOLDER).glob("*.pickle")
    entry.write_bytes(pickle.dumps({"examples": [], "planted": logging.Logger}))
    with caplog.at_level(logging.WARNING, logger="app.content"):
        assert _answers(build_engine(content_root, cache)) == expected
    assert "not allowed" in caplog.text


def test_an_edit_that_leaves_the_examples_alone_reads_the_entry(content_root, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    before = build_engine(content_root, cache)
    flow = content_root / "phrasebook" / "damaged.yaml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("亲", "亲爱的顾客", 1), encoding="utf-8")

    def refuse(*args, **kwargs):  # a script edit (a reload) does not tokenise the examples again
        raise AssertionError("prepared the examples although only a script changed")

    monkeypatch.setattr(prepared, "prepare", refuse)
    after = build_engine(content_root, cache)
    assert after.version != before.version
    assert len(list((cache / prepared.FOLDER).glob("*.pickle"))) == 1
    assert _answers(after) == _answers(before)
