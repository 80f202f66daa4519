"""The private note an agent reads in the conversation: the answer of /v1/suggest (its JSON, as
``app/suggest/serialize.suggestion_out`` makes it), in Chinese, as the markdown Chatwoot renders in notes (bold,
quotes, lists). Made from the answer rather than the engine's values so that an answer recorded first by the
sidebar for the same Chatwoot message (replayed by its message id) gives the same note. Nothing of the buyer's
own words is repeated."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from app.core.clock import SHOP_TZ

TITLE = "**售后助手建议**"


def compose(answer: dict[str, Any]) -> str:
    """The note for one buyer message: intent, each script to send, evidence, deadlines, approval, cases."""
    lines = [f"{TITLE} · {_intents(answer)}"]
    scripts = answer.get("suggestions") or []
    if not scripts:
        question = answer.get("clarify")
        if question:
            lines += ["", "**意图还不确定,建议先问买家:**", *_quote(question["text"])]
        else:
            lines += ["", "没有要套用的售后话术,请按常规接待回复。"]
    for script in scripts:
        lines += ["", *_script(script, len(scripts) > 1)]
    deadlines = answer.get("deadlines") or []
    if deadlines:
        lines += ["", "**时限:**"]
        lines += [f"- {_when(d['due_at'])} 前:{d['why']}" for d in deadlines]
    approval = answer.get("approval")
    if approval and approval.get("needed"):
        by = f",请在 {_when(approval['answer_by'])} 前答复" if approval.get("answer_by") else ""
        lines += [
            "",
            f"**需要{approval['approver']}审批:** {approval['amount']} 元超过客服权限 {approval['agent_limit']} 元{by}。",
        ]
    cases = answer.get("cases") or []
    if cases:
        lines += ["", "案件 " + ",".join(f"#{c['id']}{'(新开)' if c.get('created') else ''}" for c in cases)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def worth_a_note(answer: dict[str, Any]) -> bool:
    """Whether the answer tells the agent anything: a script to send, or a question to ask first."""
    return bool(answer.get("suggestions")) or bool(answer.get("clarify"))


def _intents(answer: dict[str, Any]) -> str:
    intents = answer.get("intents") or []
    if answer.get("status") == "no_match" or not intents:
        return "未识别到售后意图"
    names = "、".join(i["name"] for i in intents)
    return f"{names}(待确认)" if answer.get("status") == "ambiguous" else names


def _script(script: dict[str, Any], named: bool) -> list[str]:
    head = f"**建议回复 · {script['name']}**" if named or script.get("name") else "**建议回复**"
    out = [f"{head}(`{script['script_id']}`)", *_quote(script["text"]), ""]  # a blank line ends the quote
    if script.get("missing_placeholders"):  # 【…】 left in the text: the service could not fill them
        out.append("发送前请补全【】里的内容。")
    if script.get("evidence"):
        out.append("**请买家提供:** " + "、".join(e["name"] for e in script["evidence"]))
    if script.get("actions"):
        out.append("**要做的操作:** " + "、".join(a["name"] for a in script["actions"]))
    out += [f"- 注意:{n}" for n in script.get("notes") or []]
    out += [f"- 先核实:{a}" for a in script.get("asks") or []]
    return out


def _when(iso: str) -> str:
    local = datetime.fromisoformat(iso).astimezone(SHOP_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in text.splitlines() or [""]]
