"""intents/<id>.yaml → Intent: keywords with synonyms, hints, examples, near misses and tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.content.fields import Collector, at, validated
from app.core.content.formats import IntentFile
from app.core.content.models import NONE_INTENT, Example, Intent, Keyword, Source

KEYWORD_WEIGHT = 1.0
HINT_WEIGHT = 0.35
MIN_EXAMPLES = 40


def parse_intent(c: Collector, path: Path, data: Any, normalize: Callable[[str], str]) -> Intent | None:
    file = c.rel(path)
    raw_id = data.get("id")
    if isinstance(raw_id, str) and raw_id.strip() and raw_id.strip() != path.stem:
        c.add(file, at(data, "id"), f"id '{raw_id.strip()}' 必须与文件名一致 must equal the file name '{path.stem}'")
    doc = validated(c, file, data, IntentFile)
    if doc is None:
        return None
    keywords: list[Keyword] = []
    table = data.get("keywords") or {}
    for word, synonyms in doc.keywords.items():
        where = Source(file, *at(table, word))
        keywords.append(Keyword(normalize(word), normalize(word), doc.id, KEYWORD_WEIGHT, where))
        for i, term in enumerate(synonyms or ()):
            src = Source(file, *at(table[word], i))
            keywords.append(Keyword(normalize(term), normalize(word), doc.id, KEYWORD_WEIGHT, src))
    for i, hint in enumerate(doc.hints):
        keywords.append(
            Keyword(normalize(hint), normalize(hint), doc.id, HINT_WEIGHT, Source(file, *at(data["hints"], i)))
        )
    for kw in keywords:
        if not kw.text:
            c.add(file, (kw.source.line, kw.source.column), "关键词规范化后为空 keyword is empty after normalisation")

    def examples(key: str, texts: list[str]) -> tuple[Example, ...]:
        return tuple(Example(t, doc.id, Source(file, *at(data[key], i))) for i, t in enumerate(texts))

    near = tuple(
        Example(n.text, doc.id, Source(file, *at(data["negatives"], i)), True, n.intent)
        for i, n in enumerate(doc.negatives)
    )
    intent = Intent(
        doc.id,
        doc.name,
        (doc.description or "").strip(),
        tuple(k for k in keywords if k.text),
        examples("examples", doc.examples),
        near,
        examples("tests", doc.tests),
        Source(file, *at(data)),
    )
    if doc.id != NONE_INTENT and len(intent.examples) < MIN_EXAMPLES:
        c.add(
            file,
            at(data, "examples"),
            f"示例太少 only {len(intent.examples)} examples (want at least {MIN_EXAMPLES})",
            "warning",
        )
    return intent
