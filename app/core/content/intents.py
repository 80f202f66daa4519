"""intents/<id>.yaml → Intent: keywords with synonyms, hints, examples, near misses and tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.content.fields import ID, Collector, at, strings, text_field
from app.core.content.models import NONE_INTENT, Example, Intent, Keyword, Source

KEYWORD_WEIGHT = 1.0
HINT_WEIGHT = 0.35
MIN_EXAMPLES = 40


def parse_intent(c: Collector, path: Path, data: Any, normalize: Callable[[str], str]) -> Intent | None:
    file = c.rel(path)
    intent_id = text_field(c, file, data, "id")
    if intent_id and intent_id != path.stem:
        c.add(file, at(data, "id"), f"id '{intent_id}' 必须与文件名一致 must equal the file name '{path.stem}'")
    if intent_id and not ID.match(intent_id):
        c.add(file, at(data, "id"), f"id '{intent_id}' 必须是小写字母加下划线 must be lower_snake_case")
    name = text_field(c, file, data, "name")
    keywords: list[Keyword] = []
    table = data.get("keywords", {})
    if not isinstance(table, dict):
        c.add(file, at(data, "keywords"), "'keywords' 必须是映射 must be a mapping 关键词: [同义词]")
        table = {}
    for word, synonyms in table.items():
        where = Source(file, *at(table, word))
        if synonyms is None:
            synonyms = []
        if not isinstance(word, str) or not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            c.add(
                file,
                (where.line, where.column),
                f"关键词 {word!r} 的同义词必须是文字列表 synonyms must be a list of text",
            )
            continue
        for i, term in enumerate([word, *synonyms]):
            src = where if i == 0 else Source(file, *at(synonyms, i - 1))
            keywords.append(Keyword(normalize(term), normalize(word), intent_id, KEYWORD_WEIGHT, src))
    for hint, pos in strings(c, file, data, "hints", required=False):
        keywords.append(Keyword(normalize(hint), normalize(hint), intent_id, HINT_WEIGHT, Source(file, *pos)))
    for kw in keywords:
        if not kw.text:
            c.add(file, (kw.source.line, kw.source.column), "关键词规范化后为空 keyword is empty after normalisation")

    def examples(key: str) -> tuple[Example, ...]:
        return tuple(
            Example(t, intent_id, Source(file, *p)) for t, p in strings(c, file, data, key, required=key == "examples")
        )

    intent = Intent(
        intent_id,
        name,
        str(data.get("description") or "").strip(),
        tuple(k for k in keywords if k.text),
        examples("examples"),
        near_misses(c, file, data, intent_id),
        examples("tests"),
        Source(file, *at(data)),
    )
    if intent_id != NONE_INTENT and len(intent.examples) < MIN_EXAMPLES:
        c.add(
            file,
            at(data, "examples"),
            f"示例太少 only {len(intent.examples)} examples (want at least {MIN_EXAMPLES})",
            "warning",
        )
    return intent if intent_id else None


def near_misses(c: Collector, file: str, data: Any, intent_id: str) -> tuple[Example, ...]:
    """``negatives:``, each ``{intent: <the intent it belongs to>, text: <the message>}``."""
    seq = data.get("negatives")
    if seq is None:
        return ()
    if not isinstance(seq, list):
        c.add(file, at(data, "negatives"), "'negatives' 必须是列表 must be a list")
        return ()
    out = []
    for i, item in enumerate(seq):
        text = item.get("text") if isinstance(item, dict) else None
        owner = item.get("intent") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip() or not isinstance(owner, str) or not ID.match(owner):
            c.add(
                file,
                at(seq, i),
                f"'negatives' 第 {i + 1} 项必须写成 {{intent: 所属意图, text: 买家原话}} "
                f"item {i + 1} must be {{intent: <the intent it belongs to>, text: <the message>}}",
            )
            continue
        out.append(Example(text.strip(), intent_id, Source(file, *at(seq, i)), True, owner))
    return tuple(out)
