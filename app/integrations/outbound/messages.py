"""What a group robot says for each event: a title and a few lines of markdown, in Chinese, times in the shop's
zone. Built from the stored payload only (the same words on a retry). Every line starts with 售后助手 in the
title so that a 钉钉 or 飞书 robot secured by a keyword can be given that keyword."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.clock import SHOP_TZ

_REMEDIES = {
    "resend": "补发",
    "refund": "退款",
    "partial_refund": "部分退款",
    "exchange": "换货",
    "compensate": "补偿",
    "return_refund": "退货退款",
}


def _time(iso: str | None) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(SHOP_TZ).strftime("%m-%d %H:%M")


def _case_line(case: dict[str, Any]) -> str:
    parts = [f"案件 #{case['id']}", str(case.get("intent") or "")]
    if case.get("order_id"):
        parts.append(f"订单 {case['order_id']}")
    if case.get("assignee"):
        parts.append(f"负责人 {case['assignee']}")
    return " · ".join(p for p in parts if p)


def robot_text(event: dict[str, Any]) -> tuple[str, str]:
    """(title, markdown) for ``event``; markdown's first line is the title as a heading."""
    kind, data, shop = event["type"], event.get("data", {}), event.get("shop_id", "")
    case = data.get("case", {})
    lines: list[str]
    if kind == "approval.needed":
        a = data["approval"]
        title = f"售后助手:待审批 {a['amount']} 元"
        lines = [
            f"> {_case_line(case)}",
            f"申请 **{a['amount']} 元** {_REMEDIES.get(a.get('remedy') or '', a.get('remedy') or '')}",
            f"申请人 {a.get('asked_by') or '-'},请在 {_time(a.get('answer_by'))} 前审批",
        ]
    elif kind == "approval.decided":
        a = data["approval"]
        verdict = "已批准" if a["status"] == "approved" else "已驳回"
        title = f"售后助手:审批{verdict} {a['amount']} 元"
        lines = [f"> {_case_line(case)}", f"{verdict} by {a.get('decided_by') or '-'}"]
        if a.get("reason"):
            lines.append(f"原因:{a['reason']}")
    elif kind in ("followup.overdue", "followup.due"):
        f = data["follow_up"]
        late = kind == "followup.overdue"
        title = "售后助手:跟进已逾期" if late else "售后助手:跟进即将到期"
        lines = [
            f"> {_case_line(case)}",
            f"**{f['what']}**",
            f"{'应于' if late else '请在'} {_time(f.get('due_at'))} {'完成,已逾期' if late else '前完成'}",
        ]
    else:
        names = {"case.opened": "新案件", "case.resolved": "案件已解决", "case.closed": "案件已关闭"}
        title = f"售后助手:{names.get(kind, kind)}"
        lines = [f"> {_case_line(case)}"]
    lines.append(f"店铺 {shop} · {_time(event.get('at'))}")
    return title, "\n".join([f"### {title}", *lines])
