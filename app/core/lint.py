"""The whole content check an editor runs (scripts/lint) and a reload runs before going live.

Loading already reports format mistakes; this adds what needs the built engine: branches that no
context can reach, scripts that fail to render, test sentences the matcher files elsewhere, near misses
it files under their own intent, and warnings for weak spots. (Wording the platforms forbid is refused when
the content loads: content/wording.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.content.errors import ContentError, ContentInvalid
from app.core.content.models import NONE_INTENT, Branch, Catalog
from app.core.content.templates import TemplateProblem, placeholders_of, render
from app.core.engine import Engine, build_engine
from app.core.playbook import Context

LONG_SCRIPT = 150  # characters; chat scripts longer than this are hard to read on a phone


@dataclass(frozen=True, slots=True)
class Report:
    errors: tuple[ContentError, ...]
    warnings: tuple[ContentError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [str(e) for e in (*self.errors, *self.warnings)]


def lint(root: Path, cache_dir: Path | None = None) -> Report:
    return build_checked(root, cache_dir)[1]


def build_checked(
    root: Path, cache_dir: Path | None = None, reuse: Engine | None = None
) -> tuple[Engine | None, Report]:
    """(engine, report): the engine only when the report has no error. What a reload puts live."""
    try:
        engine = build_engine(root, cache_dir, reuse=reuse)
    except ContentInvalid as exc:
        return None, _report(exc.errors)
    report = _checks(engine)
    return (engine if report.ok else None), report


def _checks(engine: Engine) -> Report:
    found: list[ContentError] = [*engine.catalog.warnings, *engine.policies.warnings]
    found += _unreachable(engine)
    found += _renders(engine.catalog)
    found += _wording(engine)
    found += _classification(engine)
    found += _ranges(engine)
    found += _return_address(engine)
    return _report(found)


def _ranges(engine: Engine) -> list[ContentError]:
    """A compensation range for an intent that does not exist is a typo that silently leaves agents with the
    general range (compensation.by_intent in a policy file)."""
    found = []
    policies = engine.policies
    for shop, file in [(None, "policy/default.yaml")] + [
        (s, f"phrasebook/shops/{s}/policy.yaml") for s in policies.shops
    ]:
        for intent in policies.for_shop(shop).compensation.by_intent:
            if intent not in engine.catalog.intents:
                found.append(
                    ContentError(
                        file,
                        1,
                        1,
                        f"compensation.by_intent: 没有这个意图 unknown intent '{intent}'",
                    )
                )
    return found


def _report(found: list[ContentError]) -> Report:
    ordered = sorted(found, key=lambda e: (e.file, e.line, e.column))
    return Report(
        tuple(e for e in ordered if e.severity == "error"), tuple(e for e in ordered if e.severity != "error")
    )


def _at(branch: Branch, message: str, severity: str = "error") -> ContentError:
    return ContentError(branch.source.file, branch.source.line, branch.source.column, message, severity)


def _unreachable(engine: Engine) -> list[ContentError]:
    found = []
    for flow in engine.catalog.all_flows():
        for branch in flow.branches:
            if branch.entry:
                continue
            w = branch.when
            if not w.specificity:
                found.append(
                    _at(
                        branch,
                        f"分支 '{branch.id}' 没有条件,永远不会被选中 branch has no `when` condition, "
                        "so it is never selected",
                    )
                )
                continue
            ctx = Context(
                min(w.order_status) if w.order_status else None,
                min(w.signed_by) if w.signed_by else None,
                w.evidence_received,
                w.assessment,
                remedy=min(w.remedy) if w.remedy else None,
            )
            chosen = engine.playbook.select(flow, ctx, w.message_has[0] if w.message_has else "")
            if chosen.id != branch.id:
                found.append(
                    _at(
                        branch,
                        f"分支 '{branch.id}' 永远不会被选中:同样的条件下总是选 '{chosen.id}' "
                        f"branch is never selected: its own conditions select '{chosen.id}'",
                    )
                )
    return found


def _renders(catalog: Catalog) -> list[ContentError]:
    samples = {name: f"<{label}>" for name, label in catalog.vocabulary.placeholders.items()}
    found = []
    for flow in catalog.all_flows():
        for branch in flow.branches:
            try:
                render(branch.text, samples)
            except TemplateProblem as exc:
                found.append(_at(branch, f"话术用示例值渲染失败 script fails to render with sample values: {exc}"))
    return found


def _wording(engine: Engine) -> list[ContentError]:
    """Long scripts. Wording the platforms forbid is an error of the content itself (content/wording.py):
    content holding it never builds, so it never reaches this point."""
    found = []
    for flow in engine.catalog.all_flows():
        for branch in flow.branches:
            if len(branch.text) > LONG_SCRIPT:
                found.append(
                    _at(branch, f"话术过长 script is long: {len(branch.text)} characters (> {LONG_SCRIPT})", "warning")
                )
    return found


def _classification(engine: Engine) -> list[ContentError]:
    found = []
    for intent in engine.catalog.intents.values():
        for test in intent.tests:
            best = engine.match(test.text).best
            got = best.intent if best else NONE_INTENT
            if got != intent.id:
                found.append(
                    ContentError(
                        test.source.file,
                        test.source.line,
                        test.source.column,
                        f"测试句被识别为 '{got}' 而不是 '{intent.id}' test sentence is matched as '{got}', "
                        f"not '{intent.id}'",
                    )
                )
        for near in intent.negatives:
            best = engine.match(near.text).best
            if best is not None and best.intent == intent.id:
                found.append(
                    ContentError(
                        near.source.file,
                        near.source.line,
                        near.source.column,
                        f"反例被识别为本意图 '{intent.id}' near miss is matched as this intent",
                        "warning",
                    )
                )
    return found


def _return_address(engine: Engine) -> list[ContentError]:
    """A shop whose scripts say {{ return_address }} needs a full address (address, receiver, phone) for every
    warehouse its policy can send a return to; otherwise buyers would be told 【退货地址】. An error for a shop
    with its own policy. The defaults are not checked: the seeds name the warehouses but give no address, so a
    shop without a policy of its own leaves 【退货地址】 for the agent to fill (missing_placeholders)."""
    found = []
    for shop in engine.policies.shops:
        scripts = [
            b.script_id
            for f in engine.catalog.flows_for(shop).values()
            for b in f.branches
            if "return_address" in placeholders_of(b.text)
        ]
        policy = engine.policies.for_shop(shop)
        unset = [w.name for w in policy.return_warehouses.all() if not w.complete]
        if not scripts or not unset:
            continue
        file = f"phrasebook/shops/{shop}/policy.yaml"
        message = (
            f"店铺 {shop} 的退货仓缺少地址、收件人或电话:{'、'.join(unset)};"
            f"话术 {', '.join(scripts[:3])}{' …' if len(scripts) > 3 else ''} 的 {{{{ return_address }}}} 无法填写 "
            "return_warehouses needs address, receiver and phone to fill {{ return_address }}"
        )
        found.append(ContentError(file, 1, 1, message))
    return found
