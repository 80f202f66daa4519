"""phrasebook/<id>.yaml → Flow: branches with conditions, script template, evidence, actions, next steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core.content.fields import ID, Collector, at, did_you_mean, id_list, strings, text_field
from app.core.content.models import Branch, Conditions, Flow, Source, Vocabulary
from app.core.content.templates import TemplateProblem, placeholders_of
from app.core.terms import Check, DeadlineKind, OrderStatus, Signer

# As sets of their string values: `in` on the enum classes themselves raises for a non-member on 3.11.
STATUSES, SIGNERS = frozenset(OrderStatus), frozenset(Signer)
CHECKS, DEADLINES = frozenset(Check), frozenset(DeadlineKind)
WHEN_KEYS = {"order_status", "signed_by", "message_has", "evidence_received", "assessment"}


def parse_conditions(
    c: Collector, file: str, data: Any, vocab: Vocabulary, normalize: Callable[[str], str]
) -> Conditions:
    when = data.get("when") or {}
    if not isinstance(when, dict):
        c.add(file, at(data, "when"), "'when' 必须是映射 must be a mapping")
        return Conditions()
    for key in when:
        if key not in WHEN_KEYS:
            c.add(file, at(when, key), f"未知条件 unknown condition '{key}' (known: {', '.join(sorted(WHEN_KEYS))})")
    assessment = when.get("assessment")
    if assessment is not None and (not isinstance(assessment, str) or not ID.match(assessment)):
        c.add(file, at(when, "assessment"), "'assessment' 必须是一个小写标识 must be one lower_snake_case word")
        assessment = None
    elif assessment is not None and assessment not in vocab.assessments:
        c.add(
            file,
            at(when, "assessment"),
            f"未知的判断 unknown assessment '{assessment}' (declare it under assessments: in vocabulary.yaml)"
            + did_you_mean(assessment, vocab.assessments),
        )
    statuses = id_list(c, file, when, "order_status", STATUSES, "订单状态")
    signers = id_list(c, file, when, "signed_by", SIGNERS, "签收人")
    return Conditions(
        order_status=frozenset(OrderStatus(v) for v in statuses if v in STATUSES),
        signed_by=frozenset(Signer(v) for v in signers if v in SIGNERS),
        message_has=tuple(normalize(w) for w, _ in strings(c, file, when, "message_has", required=False)),
        evidence_received=frozenset(id_list(c, file, when, "evidence_received", vocab.evidence, "凭证")),
        assessment=assessment,
    )


def parse_flow(c: Collector, path: Path, data: Any, vocab: Vocabulary, normalize: Callable[[str], str]) -> Flow | None:
    file = c.rel(path)
    intent_id = text_field(c, file, data, "intent")
    if intent_id and intent_id != path.stem:
        c.add(file, at(data, "intent"), f"intent '{intent_id}' 必须与文件名一致 must equal the file name '{path.stem}'")
    raw = data.get("branches")
    if not isinstance(raw, list) or not raw:
        c.add(file, at(data), "缺少 branches 列表 missing non-empty list 'branches'")
        return None
    branches = [
        b
        for i, item in enumerate(raw)
        if (b := _branch(c, file, item, at(raw, i), intent_id, vocab, normalize, None)) is not None
    ]
    flow = _checked(c, file, at(data, "branches"), intent_id, branches)
    return replace(flow, deadline=_deadline(c, file, data), checks=_checks(c, file, data)) if flow else None


def _deadline(c: Collector, file: str, data: Any) -> DeadlineKind | None:
    value = data.get("deadline")
    if value is None:
        return None
    if not isinstance(value, str) or value not in DEADLINES:
        known = ", ".join(DeadlineKind)
        c.add(file, at(data, "deadline"), f"未知的时限 unknown deadline {value!r} (known: {known})")
        return None
    return DeadlineKind(value)


def _checks(c: Collector, file: str, data: Any) -> tuple[Check, ...]:
    names = id_list(c, file, data, "checks", CHECKS, "检查")
    return tuple(Check(n) for n in names if n in CHECKS)


def parse_override(
    c: Collector, path: Path, data: Any, base: Flow | None, vocab: Vocabulary, normalize: Callable[[str], str]
) -> Flow | None:
    """A shop's phrasebook/shops/<shop>/<intent>.yaml: each branch replaces the shared branch with its id
    (only the fields given change) or, with a new id, is added to the flow."""
    file = c.rel(path)
    intent_id = text_field(c, file, data, "intent")
    if intent_id and intent_id != path.stem:
        c.add(file, at(data, "intent"), f"intent '{intent_id}' 必须与文件名一致 must equal the file name '{path.stem}'")
    if base is None:
        if intent_id:
            c.add(
                file,
                at(data, "intent"),
                f"没有共用的话术 phrasebook/{intent_id}.yaml 可覆盖 no shared flow to override",
            )
        return None
    raw = data.get("branches")
    if not isinstance(raw, list) or not raw:
        c.add(file, at(data), "缺少 branches 列表 missing non-empty list 'branches'")
        return None
    merged = {b.id: b for b in base.branches}
    for i, item in enumerate(raw):
        key = item.get("id") if isinstance(item, dict) else None
        shared = merged.get(key) if isinstance(key, str) else None
        branch = _branch(c, file, item, at(raw, i), intent_id, vocab, normalize, shared)
        if branch is not None:
            merged[branch.id] = branch
    flow = _checked(c, file, at(data, "branches"), intent_id, list(merged.values()))
    # A shop rewords steps; what the service works out for the intent stays the shared flow's.
    return replace(flow, deadline=base.deadline, checks=base.checks) if flow else None


def _branch(
    c: Collector,
    file: str,
    b: Any,
    where: tuple[int, int],
    intent_id: str,
    vocab: Vocabulary,
    normalize: Callable[[str], str],
    base: Branch | None,
) -> Branch | None:
    if not isinstance(b, dict):
        c.add(file, where, "每个分支必须是映射 each branch must be a mapping")
        return None

    def kept(key: str) -> Branch | None:
        """The shared branch, when this is a shop's branch that leaves ``key`` out (and so keeps its value)."""
        return base if base is not None and key not in b else None

    text = k.text if (k := kept("text")) is not None else text_field(c, file, b, "text")
    if kept("text") is None:
        try:
            for name in sorted(placeholders_of(text)):
                if name not in vocab.placeholders:
                    c.add(
                        file,
                        at(b, "text"),
                        f"未知占位符 unknown placeholder '{{{{ {name} }}}}'" + did_you_mean(name, vocab.placeholders),
                    )
        except TemplateProblem as exc:
            line, col = at(b, "text")
            c.add(file, (line + max(exc.line - 1, 0), col), str(exc))
    return Branch(
        id=text_field(c, file, b, "id"),
        intent=intent_id,
        name=k.name if (k := kept("name")) is not None else text_field(c, file, b, "name"),
        entry=k.entry if (k := kept("entry")) is not None else bool(b.get("entry", False)),
        when=k.when if (k := kept("when")) is not None else parse_conditions(c, file, b, vocab, normalize),
        text=text,
        evidence=k.evidence
        if (k := kept("evidence")) is not None
        else id_list(c, file, b, "evidence", vocab.evidence, "凭证"),
        actions=k.actions
        if (k := kept("actions")) is not None
        else id_list(c, file, b, "actions", vocab.actions, "操作"),
        next=k.next if (k := kept("next")) is not None else id_list(c, file, b, "next", None, "分支"),
        source_note=k.source_note if (k := kept("source")) is not None else str(b.get("source") or ""),
        source=Source(file, *where),
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
