"""intents/<id>.yaml → Intent: keywords with synonyms, hints, examples, near misses and tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.content.fields import Collector, at, validated
from app.core.content.formats import IntentFile
from app.core.content.models import NONE_INTENT, Conditions, Example, Intent, Keyword, Redirect, Source

KEYWORD_WEIGHT = 1.0
HINT_WEIGHT = 0.35
MIN_EXAMPLES = 40
GAP = "~"  # 什么时候~发货: the parts in this order with a few characters between (app/core/keywords.py)


def keyword_text(term: str, normalize: Callable[[str], str]) -> str:
    """A keyword as matched: normalised, each part of a gapped keyword on its own."""
    return GAP.join(normalize(part) for part in term.split(GAP))


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
        canonical = keyword_text(word, normalize)
        keywords.append(Keyword(canonical, canonical, doc.id, KEYWORD_WEIGHT, where))
        for i, term in enumerate(synonyms or ()):
            src = Source(file, *at(table[word], i))
            keywords.append(Keyword(keyword_text(term, normalize), canonical, doc.id, KEYWORD_WEIGHT, src))
    for i, hint in enumerate(doc.hints):
        text = keyword_text(hint, normalize)
        keywords.append(Keyword(text, text, doc.id, HINT_WEIGHT, Source(file, *at(data["hints"], i))))
    for kw in keywords:
        if not kw.text or any(not part for part in kw.text.split(GAP)):
            c.add(file, (kw.source.line, kw.source.column), "关键词规范化后为空 keyword is empty after normalisation")

    def examples(key: str, texts: list[str]) -> tuple[Example, ...]:
        return tuple(Example(t, doc.id, Source(file, *at(data[key], i))) for i, t in enumerate(texts))

    near = tuple(
        Example(n.text, doc.id, Source(file, *at(data["negatives"], i)), True, n.intent)
        for i, n in enumerate(doc.negatives)
    )
    redirects = tuple(
        Redirect(
            Conditions(order_status=frozenset(r.when.order_status or ()), signed_by=frozenset(r.when.signed_by or ())),
            r.intent,
            Source(file, *at(data["order_state"], i)),
        )
        for i, r in enumerate(doc.order_state)
    )
    for i, r in enumerate(doc.order_state):
        if (
            not r.when.order_status
            or r.when.message_has
            or r.when.evidence_received
            or r.when.assessment
            or r.when.remedy
        ):
            c.add(
                file,
                at(data["order_state"], i),
                "order_state 只能按订单状态(和签收人)order_state is decided by order_status (and signed_by) only",
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
        redirects,
        frozenset(doc.yields_to),
        Source(file, *at(data, "yields_to")) if doc.yields_to else None,
    )
    if doc.id != NONE_INTENT and len(intent.examples) < MIN_EXAMPLES:
        c.add(
            file,
            at(data, "examples"),
            f"示例太少 only {len(intent.examples)} examples (want at least {MIN_EXAMPLES})",
            "warning",
        )
    return intent
