"""The private note an agent reads in the conversation: the suggestion of /v1/suggest, in Chinese, as the
markdown Chatwoot renders in notes (bold, quotes, lists). Nothing of the buyer's own words is repeated."""

from __future__ import annotations

import re
from datetime import datetime

from app.core.clock import SHOP_TZ
from app.core.decision import Status
from app.core.engine import Suggestion
from app.core.suggestion import ScriptSuggestion
from app.suggest.casebook import CaseRef

TITLE = "**售后助手建议**"


def compose(result: Suggestion, refs: list[CaseRef]) -> str:
    """The note for one buyer message: intent, each script to send, evidence, deadlines, approval, cases."""
    lines = [f"{TITLE} · {_intents(result)}"]
    if not result.scripts:
        question = result.triage.question if result.triage is not None else None
        if question is not None:
            lines += ["", "**意图还不确定,建议先问买家:**", *_quote(question.text)]
        else:
            lines += ["", "没有要套用的售后话术,请按常规接待回复。"]
    for script in result.scripts:
        lines += ["", *_script(script, len(result.scripts) > 1)]
    if result.deadlines:
        lines += ["", "**时限:**"]
        lines += [f"- {_when(d.due_at)} 前:{d.why}" for d in result.deadlines]
    if result.approval is not None and result.approval.needed:
        a = result.approval
        by = f",请在 {_when(a.answer_by)} 前答复" if a.answer_by else ""
        lines += ["", f"**需要{a.approver}审批:** {a.amount:.2f} 元超过客服权限 {a.agent_limit:.2f} 元{by}。"]
    if refs:
        cases = ",".join(f"#{r.case.id}{'(新开)' if r.created else ''}" for r in refs)
        lines += ["", f"案件 {cases}"]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def worth_a_note(result: Suggestion) -> bool:
    """Whether the suggestion tells the agent anything: a script to send, or a question to ask first."""
    return bool(result.scripts) or (result.triage is not None and result.triage.question is not None)


def _intents(result: Suggestion) -> str:
    if result.match.status is Status.NO_MATCH or not result.match.intents:
        return "未识别到售后意图"
    names = "、".join(i.name for i in result.match.intents)
    return f"{names}(待确认)" if result.match.status is Status.AMBIGUOUS else names


def _script(script: ScriptSuggestion, named: bool) -> list[str]:
    head = f"**建议回复 · {script.name}**" if named or script.name else "**建议回复**"
    out = [f"{head}(`{script.script_id}`)", *_quote(script.text), ""]  # a blank line ends the quote
    if script.missing_placeholders:  # 【…】 left in the text: the service could not fill them
        out.append("发送前请补全【】里的内容。")
    if script.evidence:
        out.append("**请买家提供:** " + "、".join(e.name for e in script.evidence))
    if script.actions:
        out.append("**要做的操作:** " + "、".join(a.name for a in script.actions))
    out += [f"- 注意:{n}" for n in script.notes]
    out += [f"- 先核实:{a}" for a in script.asks]
    return out


def _when(at: datetime) -> str:
    local = at.astimezone(SHOP_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""]]
