"""Read intents/, phrasebook/ and the vocabulary into a Catalog, collecting every error on the way."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.content.errors import ContentError, ContentInvalid
from app.core.content.models import (
    CONTRACT_INTENTS, NONE_INTENT, Branch, Catalog, Conditions, Example, Flow, Intent, Keyword, Source, Vocabulary,
)
from app.core.content.yamlsafe import load_yaml
from app.core.templates import TemplateProblem, placeholders_of

ORDER_STATUSES = frozenset({"unpaid", "awaiting_shipment", "shipped", "in_transit", "out_for_delivery",
                            "signed", "rejected", "returning"})
SIGNERS = frozenset({"self", "proxy", "locker"})
KEYWORD_WEIGHT = 1.0
HINT_WEIGHT = 0.35
_ID = re.compile(r"^_?[a-z][a-z0-9_]*$")
_WHEN_KEYS = {"order_status", "signed_by", "message_has", "evidence_received", "assessment"}


class _Collector:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ContentError] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def add(self, file: str, where: tuple[int, int], message: str, severity: str = "error") -> None:
        self.errors.append(ContentError(file, where[0], where[1], message, severity))


def _pos(node: Any, key: Any = None) -> tuple[int, int]:
    """1-based (line, column) of a mapping key / sequence item, or of the node itself."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return (0, 0)
    try:
        if key is None:
            line, col = lc.line, lc.col
        elif isinstance(key, int):
            line, col = lc.item(key)
        else:
            line, col = lc.key(key)
    except (KeyError, IndexError, TypeError):
        return (lc.line + 1, lc.col + 1)
    return (line + 1, col + 1)


def load_catalog(root: Path, normalize: Callable[[str], str]) -> Catalog:
    """Load the content under ``root`` (holding intents/ and phrasebook/). Raises ContentInvalid."""
    c = _Collector(root)
    digest = hashlib.sha256()
    docs: dict[str, list[tuple[Path, Any]]] = {"intents": [], "phrasebook": []}
    vocab_doc = None
    for sub in ("intents", "phrasebook"):
        for path in sorted((root / sub).glob("*.yaml")):
            raw = path.read_bytes()
            digest.update(c.rel(path).encode() + b"\0" + raw + b"\0")
            loaded = load_yaml(raw, c.rel(path))
            if loaded.error:
                c.errors.append(loaded.error)
                continue
            if not isinstance(loaded.data, dict):
                c.add(c.rel(path), (1, 1), "文件顶层必须是映射 top level must be a mapping")
                continue
            if sub == "phrasebook" and path.name == "vocabulary.yaml":
                vocab_doc = (path, loaded.data)
            else:
                docs[sub].append((path, loaded.data))
    vocab = _vocabulary(c, vocab_doc)
    intents = {i.id: i for i in (_intent(c, p, d, normalize) for p, d in docs["intents"]) if i}
    flows = {f.intent: f for f in (_flow(c, p, d, vocab, normalize) for p, d in docs["phrasebook"]) if f}
    _cross_checks(c, intents, flows)
    errors = [e for e in c.errors if e.severity == "error"]
    if errors:
        raise ContentInvalid(c.errors)
    return Catalog(
        intents=Catalog.freeze(intents), flows=Catalog.freeze(flows), vocabulary=vocab,
        version=digest.hexdigest()[:12], warnings=tuple(e for e in c.errors if e.severity == "warning"),
    )


def _vocabulary(c: _Collector, doc: tuple[Path, Any] | None) -> Vocabulary:
    if doc is None:
        c.add("phrasebook/vocabulary.yaml", (0, 0), "缺少词表文件 vocabulary file missing")
        return Vocabulary({}, {}, {})
    path, data = doc
    parts: dict[str, dict[str, str]] = {}
    for section in ("evidence", "actions", "placeholders"):
        table = data.get(section)
        if not isinstance(table, dict):
            c.add(c.rel(path), _pos(data), f"缺少 {section} 表 missing mapping '{section}'")
            parts[section] = {}
            continue
        parts[section] = {}
        for key, name in table.items():
            if not isinstance(key, str) or not _ID.match(key) or not isinstance(name, str) or not name.strip():
                c.add(c.rel(path), _pos(table, key), f"无效条目 invalid entry {key!r}: id must be lower_snake_case with a Chinese name")
                continue
            parts[section][key] = name.strip()
    return Vocabulary(Catalog.freeze(parts["evidence"]), Catalog.freeze(parts["actions"]),
                      Catalog.freeze(parts["placeholders"]))


def _strings(c: _Collector, file: str, data: Any, key: str, required: bool = True) -> list[tuple[str, tuple[int, int]]]:
    seq = data.get(key)
    if seq is None:
        if required:
            c.add(file, _pos(data), f"缺少字段 missing field '{key}'")
        return []
    if not isinstance(seq, list):
        c.add(file, _pos(data, key), f"'{key}' 必须是列表 must be a list")
        return []
    out = []
    for i, item in enumerate(seq):
        if not isinstance(item, str) or not item.strip():
            c.add(file, _pos(seq, i), f"'{key}' 第 {i + 1} 项必须是非空文字 item {i + 1} must be non-empty text")
            continue
        out.append((item.strip(), _pos(seq, i)))
    return out


def _text(c: _Collector, file: str, data: Any, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        c.add(file, _pos(data, key) if key in data else _pos(data), f"缺少或无效的字段 missing or invalid field '{key}'")
        return ""
    return value.strip()


def _intent(c: _Collector, path: Path, data: Any, normalize: Callable[[str], str]) -> Intent | None:
    file = c.rel(path)
    intent_id = _text(c, file, data, "id")
    if intent_id and intent_id != path.stem:
        c.add(file, _pos(data, "id"), f"id '{intent_id}' 必须与文件名一致 must equal the file name '{path.stem}'")
    if intent_id and not _ID.match(intent_id):
        c.add(file, _pos(data, "id"), f"id '{intent_id}' 必须是小写字母加下划线 must be lower_snake_case")
    name = _text(c, file, data, "name")
    keywords: list[Keyword] = []
    table = data.get("keywords", {})
    if not isinstance(table, dict):
        c.add(file, _pos(data, "keywords"), "'keywords' 必须是映射 must be a mapping 关键词: [同义词]")
        table = {}
    for word, synonyms in table.items():
        where = Source(file, *_pos(table, word))
        if synonyms is None:
            synonyms = []
        if not isinstance(word, str) or not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            c.add(file, (where.line, where.column), f"关键词 {word!r} 的同义词必须是文字列表 synonyms must be a list of text")
            continue
        for i, term in enumerate([word, *synonyms]):
            src = where if i == 0 else Source(file, *_pos(synonyms, i - 1))
            keywords.append(Keyword(normalize(term), normalize(word), intent_id, KEYWORD_WEIGHT, src))
    for hint, pos in _strings(c, file, data, "hints", required=False):
        keywords.append(Keyword(normalize(hint), normalize(hint), intent_id, HINT_WEIGHT, Source(file, *pos)))
    for kw in keywords:
        if not kw.text:
            c.add(file, (kw.source.line, kw.source.column), "关键词规范化后为空 keyword is empty after normalisation")

    def examples(key: str, negative: bool = False) -> tuple[Example, ...]:
        return tuple(Example(t, intent_id, Source(file, *p), negative)
                     for t, p in _strings(c, file, data, key, required=key == "examples"))

    intent = Intent(intent_id, name, str(data.get("description") or "").strip(),
                    tuple(k for k in keywords if k.text), examples("examples"), examples("negatives", True),
                    examples("tests"), Source(file, *_pos(data)))
    if intent_id != NONE_INTENT and len(intent.examples) < 40:
        c.add(file, _pos(data, "examples"), f"示例太少 only {len(intent.examples)} examples (want at least 40)", "warning")
    return intent if intent_id else None


def _ids(c: _Collector, file: str, data: Any, key: str, known: Any, what: str) -> tuple[str, ...]:
    out = []
    for value, pos in _strings(c, file, data, key, required=False):
        if known is not None and value not in known:
            c.add(file, pos, f"未知的{what} unknown {key} id '{value}'")
        out.append(value)
    return tuple(out)


def _conditions(c: _Collector, file: str, data: Any, vocab: Vocabulary, normalize: Callable[[str], str]) -> Conditions:
    when = data.get("when") or {}
    if not isinstance(when, dict):
        c.add(file, _pos(data, "when"), "'when' 必须是映射 must be a mapping")
        return Conditions()
    for key in when:
        if key not in _WHEN_KEYS:
            c.add(file, _pos(when, key), f"未知条件 unknown condition '{key}' (known: {', '.join(sorted(_WHEN_KEYS))})")
    assessment = when.get("assessment")
    if assessment is not None and (not isinstance(assessment, str) or not _ID.match(assessment)):
        c.add(file, _pos(when, "assessment"), "'assessment' 必须是一个小写标识 must be one lower_snake_case word")
        assessment = None
    return Conditions(
        order_status=frozenset(_ids(c, file, when, "order_status", ORDER_STATUSES, "订单状态")),
        signed_by=frozenset(_ids(c, file, when, "signed_by", SIGNERS, "签收人")),
        message_has=tuple(normalize(w) for w, _ in _strings(c, file, when, "message_has", required=False)),
        evidence_received=frozenset(_ids(c, file, when, "evidence_received", vocab.evidence, "凭证")),
        assessment=assessment,
    )


def _flow(c: _Collector, path: Path, data: Any, vocab: Vocabulary, normalize: Callable[[str], str]) -> Flow | None:
    file = c.rel(path)
    intent_id = _text(c, file, data, "intent")
    if intent_id and intent_id != path.stem:
        c.add(file, _pos(data, "intent"), f"intent '{intent_id}' 必须与文件名一致 must equal the file name '{path.stem}'")
    raw = data.get("branches")
    if not isinstance(raw, list) or not raw:
        c.add(file, _pos(data), "缺少 branches 列表 missing non-empty list 'branches'")
        return None
    branches: list[Branch] = []
    for i, b in enumerate(raw):
        if not isinstance(b, dict):
            c.add(file, _pos(raw, i), "每个分支必须是映射 each branch must be a mapping")
            continue
        text = _text(c, file, b, "text")
        try:
            for name in sorted(placeholders_of(text)):
                if name not in vocab.placeholders:
                    c.add(file, _pos(b, "text"), f"未知占位符 unknown placeholder '{{{{ {name} }}}}'"
                          + _suggest(name, vocab.placeholders))
        except TemplateProblem as exc:
            line, col = _pos(b, "text")
            c.add(file, (line + max(exc.line - 1, 0), col), str(exc))
        branches.append(Branch(
            id=_text(c, file, b, "id"), intent=intent_id, name=_text(c, file, b, "name"),
            entry=bool(b.get("entry", False)), when=_conditions(c, file, b, vocab, normalize), text=text,
            evidence=_ids(c, file, b, "evidence", vocab.evidence, "凭证"),
            actions=_ids(c, file, b, "actions", vocab.actions, "操作"),
            next=_ids(c, file, b, "next", None, "分支"), source_note=str(b.get("source") or ""),
            source=Source(file, *_pos(raw, i)),
        ))
    ids = [b.id for b in branches]
    for b in branches:
        if ids.count(b.id) > 1 and b is not next(x for x in branches if x.id == b.id):
            c.add(file, (b.source.line, b.source.column), f"重复的分支 id duplicate branch id '{b.id}'")
        for target in b.next:
            if target not in ids:
                c.add(file, (b.source.line, b.source.column), f"next 指向不存在的分支 unknown next branch '{target}'")
    entries = [b for b in branches if b.entry]
    if len(entries) != 1:
        c.add(file, _pos(data, "branches"), f"必须恰好有一个 entry 分支 exactly one entry branch needed, found {len(entries)}")
    return Flow(intent_id, tuple(branches)) if intent_id and len(entries) == 1 else None


def _suggest(name: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f";是不是 did you mean '{close[0]}'?" if close else ""


def _cross_checks(c: _Collector, intents: dict[str, Intent], flows: dict[str, Flow]) -> None:
    for required in CONTRACT_INTENTS:
        if required not in intents:
            c.add(f"intents/{required}.yaml", (0, 0), f"缺少约定的意图 contract intent '{required}' is missing")
    for intent_id, intent in intents.items():
        if intent_id != NONE_INTENT and intent_id not in flows:
            c.add(intent.source.file, (1, 1), f"意图 '{intent_id}' 没有话术 has no phrasebook/{intent_id}.yaml")
    for intent_id, flow in flows.items():
        if intent_id not in intents:
            c.add(flow.branches[0].source.file, (1, 1), f"话术对应的意图不存在 no intents/{intent_id}.yaml for this flow")
    owner: dict[str, Keyword] = {}
    for intent in intents.values():
        for kw in intent.keywords:
            first = owner.setdefault(kw.text, kw)
            if first.intent != kw.intent:
                c.add(kw.source.file, (kw.source.line, kw.source.column),
                      f"关键词 '{kw.text}' 同时属于两个意图 keyword also under '{first.intent}' ({first.source})")
    seen: dict[str, Example] = {}
    for intent in intents.values():
        for ex in (*intent.examples, *intent.tests):
            first_ex = seen.setdefault(ex.text, ex)
            if first_ex is not ex and first_ex.intent != ex.intent:
                c.add(ex.source.file, (ex.source.line, ex.source.column),
                      f"例句同时列在两个意图下 example also listed under '{first_ex.intent}' ({first_ex.source})")
