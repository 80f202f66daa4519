"""Read intents/, phrasebook/ and the vocabulary into a Catalog, collecting every error on the way."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.content.errors import ContentInvalid
from app.core.content.fields import Collector, validated
from app.core.content.flows import parse_flow, parse_override
from app.core.content.formats import VocabularyFile
from app.core.content.intents import parse_intent
from app.core.content.models import (
    CONTRACT_INTENTS,
    NONE_INTENT,
    Catalog,
    Clarify,
    Example,
    Flow,
    Intent,
    Keyword,
    ReadingRules,
    Vocabulary,
)
from app.core.content.reading import CLARIFY, READING, parse_clarify, parse_reading
from app.core.content.yamlsafe import load_file, yaml_files


def load_catalog(root: Path, normalize: Callable[[str], str]) -> Catalog:
    """Load the content under ``root`` (holding intents/ and phrasebook/). Raises ContentInvalid."""
    c = Collector(root)
    docs: dict[str, list[tuple[Path, Any]]] = {"intents": [], "phrasebook": []}
    vocab_doc = reading_doc = clarify_doc = None
    for sub in ("intents", "phrasebook"):
        for path in yaml_files(root / sub):
            data = _read_mapping(c, path)
            if data is None:
                continue
            if sub == "phrasebook" and path.name == "vocabulary.yaml":
                vocab_doc = (path, data)
            elif sub == "intents" and path.name == READING:
                reading_doc = (path, data)
            elif sub == "phrasebook" and path.name == CLARIFY:
                clarify_doc = (path, data)
            else:
                docs[sub].append((path, data))
    vocab = _vocabulary(c, vocab_doc)
    intents = {i.id: i for i in (parse_intent(c, p, d, normalize) for p, d in docs["intents"]) if i}
    reading = (parse_reading(c, *reading_doc, normalize, vocab.evidence) if reading_doc else None) or ReadingRules()
    # Intents whose file did not fit its format are named by other files all the same: not "unknown" too.
    named = {*intents, *(p.stem for p, _ in docs["intents"])}
    names = {i.id: i.name for i in intents.values()}
    clarify: Clarify | None = parse_clarify(c, *clarify_doc, named, names) if clarify_doc else None
    flows = {f.intent: f for f in (parse_flow(c, p, d, vocab, normalize) for p, d in docs["phrasebook"]) if f}
    # A file that was read but did not fit its format has its errors already: not "missing" on top of them.
    unfit = {p.stem for p, _ in docs["intents"] if p.stem not in intents}
    unfit |= {p.stem for p, _ in docs["phrasebook"] if p.stem not in flows}
    _cross_checks(c, intents, flows, unfit)
    shop_flows = _shop_flows(c, root, flows, vocab, normalize, unfit)
    errors = [e for e in c.errors if e.severity == "error"]
    if errors:
        raise ContentInvalid(c.errors)
    return Catalog(
        intents=Catalog.freeze(intents),
        flows=Catalog.freeze(flows),
        vocabulary=vocab,
        shop_flows=Catalog.freeze({shop: Catalog.freeze(f) for shop, f in shop_flows.items()}),
        version=content_digest(root),
        warnings=tuple(e for e in c.errors if e.severity == "warning"),
        reading=reading,
        clarify=clarify,
    )


def _read_mapping(c: Collector, path: Path) -> Any:
    """A content file's parsed top-level mapping, or None with the error collected."""
    loaded = load_file(path, c.rel(path))
    if loaded.error:
        c.errors.append(loaded.error)
        return None
    if not isinstance(loaded.data, dict):
        c.add(c.rel(path), (1, 1), "文件顶层必须是映射 top level must be a mapping")
        return None
    return loaded.data


CONTENT_FOLDERS = ("intents", "phrasebook", "policy")


def content_files(root: Path) -> list[Path]:
    return sorted(p for sub in CONTENT_FOLDERS for p in (root / sub).rglob("*.y*ml") if p.is_file())


def content_digest(root: Path) -> str:
    """The content version: every content file's path and bytes, policy included."""
    digest = hashlib.sha256()
    for path in content_files(root):
        try:
            data = path.read_bytes()
        except OSError:  # unreadable, or gone since it was listed: the loader reports it; the version still differs
            data = b"\0unreadable"
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:12]


SHOP_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def _shop_flows(
    c: Collector,
    root: Path,
    flows: dict[str, Flow],
    vocab: Vocabulary,
    normalize: Callable[[str], str],
    unfit: set[str],
) -> dict[str, dict[str, Flow]]:
    """phrasebook/shops/<shop_id>/<intent>.yaml: each shop's flows, merged over the shared ones."""
    shops: dict[str, dict[str, Flow]] = {}
    base = root / "phrasebook" / "shops"
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        if not SHOP_ID.match(folder.name):
            c.add(
                c.rel(folder),
                (0, 0),
                "店铺目录名只能用字母、数字、_ . - shop folder name must be letters, digits, _ . -",
            )
            continue
        for path in yaml_files(folder):
            if path.name == "policy.yaml" or path.stem in unfit:
                continue  # the shop's policy: read by content/policy.py; an unfit shared flow: fix that first
            data = _read_mapping(c, path)
            if data is None:
                continue
            merged = parse_override(c, path, data, flows.get(path.stem), vocab, normalize)
            if merged is not None:
                shops.setdefault(folder.name, {})[merged.intent] = merged
    return shops


def _vocabulary(c: Collector, doc: tuple[Path, Any] | None) -> Vocabulary:
    if doc is None:
        c.add("phrasebook/vocabulary.yaml", (0, 0), "缺少词表文件 vocabulary file missing")
        return Vocabulary({}, {}, {}, {})
    path, data = doc
    v = validated(c, c.rel(path), data, VocabularyFile)
    if v is not None:
        return Vocabulary(
            Catalog.freeze(v.evidence),
            Catalog.freeze(v.actions),
            Catalog.freeze(v.placeholders),
            Catalog.freeze(v.assessments),
        )
    # Its mistakes are reported; the entries that are fine still count, so the flows are not flooded with
    # "unknown id" errors that fixing the vocabulary would take back.
    sections = [data.get(s) if isinstance(data.get(s), dict) else {} for s in VocabularyFile.model_fields]
    fine = [
        {k: n.strip() for k, n in t.items() if isinstance(k, str) and isinstance(n, str) and n.strip()}
        for t in sections
    ]
    return Vocabulary(*(Catalog.freeze(t) for t in fine))


def _cross_checks(c: Collector, intents: dict[str, Intent], flows: dict[str, Flow], unfit: set[str]) -> None:
    for required in CONTRACT_INTENTS:
        if required not in intents and required not in unfit:
            c.add(f"intents/{required}.yaml", (0, 0), f"缺少约定的意图 contract intent '{required}' is missing")
    for intent_id, intent in intents.items():
        if intent_id != NONE_INTENT and intent_id not in flows and intent_id not in unfit:
            c.add(intent.source.file, (1, 1), f"意图 '{intent_id}' 没有话术 has no phrasebook/{intent_id}.yaml")
    for intent_id, flow in flows.items():
        if intent_id not in intents and intent_id not in unfit:
            c.add(
                flow.branches[0].source.file, (1, 1), f"话术对应的意图不存在 no intents/{intent_id}.yaml for this flow"
            )
    owner: dict[str, Keyword] = {}
    for intent in intents.values():
        for kw in intent.keywords:
            first = owner.setdefault(kw.text, kw)
            if first.intent != kw.intent:
                c.add(
                    kw.source.file,
                    (kw.source.line, kw.source.column),
                    f"关键词 '{kw.text}' 同时属于两个意图 keyword also under '{first.intent}' ({first.source})",
                )
    for intent in intents.values():
        for near in intent.negatives:
            home = near.belongs_to
            if home == intent.id or (home not in intents and home not in unfit):
                c.add(
                    near.source.file,
                    (near.source.line, near.source.column),
                    f"近似句所属的意图 '{home}' 不存在或就是本意图 a near miss must belong to another "
                    f"existing intent, not '{home}'",
                )
    for intent in intents.values():
        for r in intent.redirects:
            if r.intent in unfit:
                continue
            if r.intent not in intents or r.intent in (NONE_INTENT, intent.id):
                c.add(r.source.file, (r.source.line, r.source.column), f"未知的意图 unknown intent '{r.intent}'")
        where = intent.yields_source or intent.source
        for other in sorted(intent.yields_to):
            if other in unfit:
                continue
            if other not in intents or other in (NONE_INTENT, intent.id):
                c.add(where.file, (where.line, where.column), f"yields_to: 未知的意图 unknown intent '{other}'")
            elif intent.id in intents[other].yields_to:
                c.add(
                    where.file,
                    (where.line, where.column),
                    f"yields_to: '{other}' 也让给本意图 also yields to this intent",
                )
    seen: dict[str, Example] = {}
    for intent in intents.values():
        for ex in (*intent.examples, *intent.tests):
            first_ex = seen.setdefault(ex.text, ex)
            if first_ex is not ex and first_ex.intent != ex.intent:
                c.add(
                    ex.source.file,
                    (ex.source.line, ex.source.column),
                    f"例句同时列在两个意图下 example also listed under '{first_ex.intent}' ({first_ex.source})",
                )
