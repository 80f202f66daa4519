"""phrasebook/<id>.yaml → Flow: branches with conditions, script template, evidence, actions, next steps.

The file's shape is checked by its model (content/formats.py); this adds what needs the vocabulary or the
other branches: known ids, placeholders, links between branches, exactly one entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from app.core.content.fields import Collector, at, did_you_mean, validated
from app.core.content.formats import BranchDoc, FlowFile, ShopBranchDoc, ShopFlowFile, When
from app.core.content.models import Branch, Conditions, Flow, Source, Vocabulary
from app.core.content.templates import TemplateProblem, placeholders_of
from app.core.terms import REMEDIES


def parse_flow(c: Collector, path: Path, data: Any, vocab: Vocabulary, normalize: Callable[[str], str]) -> Flow | None:
    file = c.rel(path)
    _same_name(c, file, path, data)
    doc = validated(c, file, data, FlowFile)
    if doc is None:
        return None
    raw = data["branches"]
    branches = [
        _branch(c, file, b, raw[i], at(raw, i), doc.intent, vocab, normalize) for i, b in enumerate(doc.branches)
    ]
    flow = _checked(c, file, at(data, "branches"), doc.intent, branches)
    if flow is None:
        return None
    return Flow(flow.intent, flow.branches, doc.deadline, tuple(doc.checks))


def parse_override(
    c: Collector, path: Path, data: Any, base: Flow | None, vocab: Vocabulary, normalize: Callable[[str], str]
) -> Flow | None:
    """A shop's phrasebook/shops/<shop>/<intent>.yaml: each branch replaces the shared branch with its id
    (only the fields given change) or, with a new id, is added to the flow."""
    file = c.rel(path)
    _same_name(c, file, path, data)
    doc = validated(c, file, data, ShopFlowFile)
    if doc is None:
        return None
    if base is None:
        c.add(
            file,
            at(data, "intent"),
            f"没有共用的话术 phrasebook/{doc.intent}.yaml 可覆盖 no shared flow to override",
        )
        return None
    merged = {b.id: b for b in base.branches}
    raw = data["branches"]
    for i, b in enumerate(doc.branches):
        branch = _override(c, file, b, raw[i], at(raw, i), merged.get(b.id), doc.intent, vocab, normalize)
        if branch is not None:
            merged[branch.id] = branch
    flow = _checked(c, file, at(data, "branches"), doc.intent, list(merged.values()))
    # A shop rewords steps; what the service works out for the intent stays the shared flow's.
    return Flow(flow.intent, flow.branches, base.deadline, base.checks) if flow is not None else None


def _same_name(c: Collector, file: str, path: Path, data: Any) -> None:
    intent = data.get("intent")
    if isinstance(intent, str) and intent.strip() and intent.strip() != path.stem:
        c.add(
            file,
            at(data, "intent"),
            f"intent '{intent.strip()}' 必须与文件名一致 must equal the file name '{path.stem}'",
        )


def _branch(
    c: Collector,
    file: str,
    b: BranchDoc,
    raw: Any,
    where: tuple[int, int],
    intent: str,
    vocab: Vocabulary,
    normalize: Callable[[str], str],
) -> Branch:
    _placeholders(c, file, b.text, raw, vocab)
    _pending(c, file, b.text, b.pending, raw, where, vocab)
    return Branch(
        id=b.id,
        intent=intent,
        name=b.name,
        entry=b.entry,
        when=_conditions(c, file, b.when, raw.get("when"), vocab, normalize),
        text=b.text,
        evidence=_known(c, file, b.evidence, raw.get("evidence"), vocab.evidence, "evidence", "凭证"),
        actions=_known(c, file, b.actions, raw.get("actions"), vocab.actions, "actions", "操作"),
        next=tuple(b.next),
        source_note=b.source or "",
        source=Source(file, *where),
        pending=b.pending,
    )


def _override(
    c: Collector,
    file: str,
    b: ShopBranchDoc,
    raw: Any,
    where: tuple[int, int],
    shared: Branch | None,
    intent: str,
    vocab: Vocabulary,
    normalize: Callable[[str], str],
) -> Branch | None:
    """A shop's branch: the shared one with the fields given replaced, or a whole new branch."""
    given = b.model_fields_set
    # A new branch needs both; a changed one may leave them out, but not blank them (name: null).
    missing = [k for k in ("name", "text") if getattr(b, k) is None and (shared is None or k in given)]
    for key in missing:
        c.add(file, where, f"缺少或无效的字段 missing or invalid field '{key}'")
    if missing:
        return None
    if shared is None:
        doc = BranchDoc.model_validate(b.model_dump())  # name and text present: a whole branch
        return _branch(c, file, doc, raw, where, intent, vocab, normalize)
    if b.text is not None:
        _placeholders(c, file, b.text, raw, vocab)
    pending = b.pending if "pending" in given else shared.pending
    _pending(c, file, b.text if b.text is not None else shared.text, pending, raw, where, vocab)
    return Branch(
        id=b.id,
        intent=intent,
        name=b.name if b.name is not None else shared.name,
        entry=b.entry if "entry" in given else shared.entry,
        when=_conditions(c, file, b.when, raw.get("when"), vocab, normalize) if "when" in given else shared.when,
        text=b.text if b.text is not None else shared.text,
        evidence=_known(c, file, b.evidence, raw.get("evidence"), vocab.evidence, "evidence", "凭证")
        if "evidence" in given
        else shared.evidence,
        actions=_known(c, file, b.actions, raw.get("actions"), vocab.actions, "actions", "操作")
        if "actions" in given
        else shared.actions,
        next=tuple(b.next) if "next" in given else shared.next,
        source_note=(b.source or "") if "source" in given else shared.source_note,
        source=Source(file, *where),
        pending=pending,
    )


def _conditions(
    c: Collector, file: str, when: When | None, raw: Any, vocab: Vocabulary, normalize: Callable[[str], str]
) -> Conditions:
    if when is None:
        return Conditions()
    if when.assessment is not None and when.assessment not in vocab.assessments:
        c.add(
            file,
            at(raw, "assessment"),
            f"未知的判断 unknown assessment '{when.assessment}' (declare it under assessments: in vocabulary.yaml)"
            + did_you_mean(when.assessment, vocab.assessments),
        )
    return Conditions(
        order_status=frozenset(when.order_status or ()),
        signed_by=frozenset(when.signed_by or ()),
        message_has=tuple(normalize(w) for w in when.message_has or ()),
        evidence_received=frozenset(
            _known(
                c,
                file,
                when.evidence_received or [],
                raw.get("evidence_received"),
                vocab.evidence,
                "evidence_received",
                "凭证",
            )
        ),
        assessment=when.assessment,
        remedy=frozenset(_remedies(c, file, when.remedy or [], raw.get("remedy"))),
    )


def _remedies(c: Collector, file: str, ids: Iterable[str], raw: Any) -> tuple[str, ...]:
    out = tuple(ids)
    for i, value in enumerate(out):
        if value not in REMEDIES:
            c.add(
                file,
                at(raw, i),
                f"未知的处理方式 unknown remedy '{value}' (known: {', '.join(REMEDIES)})"
                + did_you_mean(value, REMEDIES),
            )
    return out


def _known(
    c: Collector, file: str, ids: Iterable[str], raw: Any, known: Mapping[str, str], key: str, what: str
) -> tuple[str, ...]:
    out = tuple(ids)
    for i, value in enumerate(out):
        if value not in known:
            c.add(file, at(raw, i), f"未知的{what} unknown {key} id '{value}'")
    return out


def _placeholders(c: Collector, file: str, text: str, raw: Any, vocab: Vocabulary, key: str = "text") -> None:
    try:
        for name in sorted(placeholders_of(text)):
            if name not in vocab.placeholders:
                c.add(
                    file,
                    at(raw, key),
                    f"未知占位符 unknown placeholder '{{{{ {name} }}}}'" + did_you_mean(name, vocab.placeholders),
                )
    except TemplateProblem as exc:
        line, col = at(raw, key)
        c.add(file, (line + max(exc.line - 1, 0), col), str(exc))


def _pending(
    c: Collector, file: str, text: str, pending: str | None, raw: Any, where: tuple[int, int], vocab: Vocabulary
) -> None:
    """A script that states {{ amount }} needs its wording for while the amount awaits the approver, which
    asks (申请) instead of granting: the engine shows it then, and never the plain text."""
    if pending is not None:
        _placeholders(c, file, pending, raw, vocab, "pending")
        if "申请" not in pending:
            c.add(file, at(raw, "pending"), "pending 话术须说“申请”,不能说成已给 pending must ask (申请), not grant")
    try:
        states_amount = "amount" in placeholders_of(text)
    except TemplateProblem:
        return  # reported with the text
    if states_amount and pending is None:
        c.add(
            file,
            where,
            "话术写了 {{ amount }},缺少等待审批时的 pending 话术 "
            "a script stating {{ amount }} needs 'pending' wording for while the amount awaits approval",
        )


def _checked(c: Collector, file: str, where: tuple[int, int], intent_id: str, branches: list[Branch]) -> Flow | None:
    ids = [b.id for b in branches]
    for b in branches:
        if ids.count(b.id) > 1 and b is not next(x for x in branches if x.id == b.id):
            c.add(b.source.file, (b.source.line, b.source.column), f"重复的分支 id duplicate branch id '{b.id}'")
        for target in b.next:
            if target not in ids:
                c.add(
                    b.source.file,
                    (b.source.line, b.source.column),
                    f"next 指向不存在的分支 unknown next branch '{target}'",
                )
    entries = [b for b in branches if b.entry]
    if len(entries) != 1:
        c.add(file, where, f"必须恰好有一个 entry 分支 exactly one entry branch needed, found {len(entries)}")
    return Flow(intent_id, tuple(branches)) if intent_id and len(entries) == 1 else None
