"""intents/_reading.yaml → ReadingRules and phrasebook/_clarify.yaml → Clarify: how a conversation is read,
and the questions asked instead of a promise when the reading is unsure."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from app.core.content.fields import Collector, at, validated
from app.core.content.formats import ClarifyFile, ReadingFile
from app.core.content.models import Clarify, Question, ReadingRules, Source

READING = "_reading.yaml"  # in intents/
CLARIFY = "_clarify.yaml"  # in phrasebook/
# A question asked because the service is unsure must not promise what only a matched case may promise: it
# may ask about a refund ("是想退货退款吗?"), never offer one.
PROMISES = (
    "给您补发",
    "为您补发",
    "安排补发",
    "马上补发",
    "给您退款",
    "为您退款",
    "马上退款",
    "立即退款",
    "安排退款",
    "处理退款",
    "给您补偿",
    "补偿您",
    "赔偿您",
    "给您赔",
    "退钱给您",
    "给您换",
    "返现",
)


def parse_reading(
    c: Collector, path: Path, data: Any, normalize: Callable[[str], str], evidence: Collection[str] = ()
) -> ReadingRules | None:
    """``evidence``: the vocabulary's evidence ids, which attachments may stand for."""
    file = c.rel(path)
    doc = validated(c, file, data, ReadingFile)
    if doc is None:
        return None
    for key in ("skip", "strip", "corrections"):
        for i, pattern in enumerate(getattr(doc, key)):
            _compiles(c, file, pattern, at(data[key], i))
    for key in ("evidence_sent", "agree"):
        for i, pattern in enumerate(getattr(doc.replies, key)):
            _compiles(c, file, pattern, at(data["replies"][key], i))
    for kind, ids in doc.replies.attachments.items():
        for i, evidence_id in enumerate(ids):
            if evidence_id not in evidence:
                where = at(data["replies"]["attachments"][kind], i)
                c.add(file, where, f"词表里没有这个凭证 unknown evidence '{evidence_id}' (phrasebook/vocabulary.yaml)")
    for state, patterns in doc.state_cues.items():
        for i, pattern in enumerate(patterns):
            _compiles(c, file, pattern, at(data["state_cues"][state.value], i))
    return ReadingRules(
        skip=tuple(doc.skip),
        strip=tuple(doc.strip),
        affirm=frozenset(_bare(normalize(w)) for w in doc.affirm),
        deny=frozenset(_bare(normalize(w)) for w in doc.deny),
        corrections=tuple(doc.corrections),
        burst_turns=doc.burst.turns,
        burst_minutes=doc.burst.minutes,
        state_cues=tuple((state, p) for state, patterns in doc.state_cues.items() for p in patterns),
        evidence_sent=tuple(doc.replies.evidence_sent),
        agree=tuple(doc.replies.agree),
        attachments={kind: tuple(ids) for kind, ids in doc.replies.attachments.items()},
    )


def _compiles(c: Collector, file: str, pattern: str, where: tuple[int, int]) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        c.add(file, where, f"正则表达式写错了 not a valid pattern: {exc}")


def parse_clarify(
    c: Collector, path: Path, data: Any, intents: Collection[str], names: Mapping[str, str]
) -> Clarify | None:
    file = c.rel(path)
    doc = validated(c, file, data, ClarifyFile)
    if doc is None:
        return None
    pairs: dict[frozenset[str], Question] = {}
    for i, pair in enumerate(doc.pairs):
        where = Source(file, *at(data["pairs"], i))
        key = frozenset(pair.intents)
        for intent in pair.intents:
            _known(c, where, intent, intents)
        if len(key) != 2:
            c.add(file, (where.line, where.column), "一个问题要对应两个不同的意图 a pair names two different intents")
        elif key in pairs:
            c.add(file, (where.line, where.column), f"这两个意图已经有问题了 pair already at {pairs[key].source}")
        pairs[key] = Question(pair.text, tuple(pair.intents), where)
    confirm: dict[str, Question] = {}
    for intent, text in doc.confirm.items():
        where = Source(file, *at(data["confirm"], intent))
        _known(c, where, intent, intents)
        confirm[intent] = Question(text, (intent,), where)
    default = Question(doc.default, (), Source(file, *at(data, "default")))
    either = None
    if doc.either is not None:
        where = Source(file, *at(data, "either"))
        if "{a}" not in doc.either or "{b}" not in doc.either:
            c.add(file, (where.line, where.column), "either 需要 {a} 和 {b} two places for the intents' names")
        either = Question(doc.either, (), where)
    clarify = Clarify(pairs, confirm, default, either, names)
    for q in [*clarify.all(), *([either] if either else [])]:
        promised = [w for w in PROMISES if w in q.text]
        if promised:
            c.add(
                q.source.file,
                (q.source.line, q.source.column),
                f"确认问题里不能承诺 a question asked when unsure must not promise: {'、'.join(promised)}",
            )
    return clarify


def _known(c: Collector, where: Source, intent: str, intents: Collection[str]) -> None:
    if intent not in intents or intent.startswith("_"):
        c.add(where.file, (where.line, where.column), f"未知的意图 unknown intent '{intent}'")


def _bare(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)
