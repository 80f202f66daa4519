"""Case records → JSON-ready dicts and the 登记表格 rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from app.cases.models import Case, CaseEvent, FollowUp
from app.core.clock import SHOP_TZ


def _t(value: datetime | None) -> str | None:
    """Times go out in the shops' zone, like every other time in the API."""
    return value.astimezone(SHOP_TZ).isoformat() if value is not None else None


STATUS_NAMES = {
    "open": "处理中",
    "waiting_buyer": "等待买家",
    "waiting_courier": "等待快递",
    "waiting_approval": "等待审批",
    "resolved": "已解决",
    "closed": "已关闭",
}
REMEDY_NAMES = {
    "resend": "补发",
    "refund": "退款",
    "partial_refund": "部分退款",
    "exchange": "换货",
    "compensate": "补偿",
    "return_refund": "退货退款",
}
REGISTER_COLUMNS = (
    "案件号",
    "登记时间",
    "店铺",
    "订单号",
    "会话",
    "买家",
    "问题",
    "当前步骤",
    "状态",
    "处理方式",
    "金额",
    "负责人",
    "已收凭证",
    "待收凭证",
    "最近备注",
    "待跟进",
)


def follow_up_out(f: FollowUp) -> dict:
    return {
        "id": f.id,
        "case_id": f.case_id,
        "what": f.what,
        "due_at": _t(f.due_at),
        "done_at": _t(f.done_at),
        "done_by": f.done_by,
    }


def case_out(c: Case, evidence_names: Mapping[str, str]) -> dict:
    return {
        "id": c.id,
        "shop_id": c.shop_id,
        "order_id": c.order_id,
        "conversation_id": c.conversation_id,
        "buyer_ref": c.buyer_ref,
        "intent": c.intent,
        "branch": c.branch,
        "assessment": c.assessment,
        "status": c.status,
        "remedy": c.remedy,
        "amount": f"{c.amount:.2f}" if c.amount is not None else None,
        "assignee": c.assignee,
        "version": c.version,
        "created_at": _t(c.created_at),
        "updated_at": _t(c.updated_at),
        "evidence": [
            {
                "id": e.evidence_id,
                "name": evidence_names.get(e.evidence_id, e.evidence_id),
                "requested_at": _t(e.requested_at),
                "received_at": _t(e.received_at),
                "received_by": e.received_by,
            }
            for e in c.evidence
        ],
        "follow_ups": [follow_up_out(f) for f in c.follow_ups],
    }


def event_out(e: CaseEvent) -> dict:
    return {"id": e.id, "type": e.type, "at": _t(e.at), "actor": e.actor, "script_id": e.script_id, "data": e.data}


def register_row(
    c: Case, intent_names: Mapping[str, str], evidence_names: Mapping[str, str], last_note: CaseEvent | None
) -> list[str]:
    received = [evidence_names.get(e.evidence_id, e.evidence_id) for e in c.evidence if e.received_at]
    pending = [evidence_names.get(e.evidence_id, e.evidence_id) for e in c.evidence if not e.received_at]
    open_follow_ups = [
        f"{f.what}({f.due_at.astimezone(SHOP_TZ):%m-%d %H:%M})" for f in c.follow_ups if f.done_at is None
    ]
    return [
        str(c.id),
        f"{c.created_at.astimezone(SHOP_TZ):%Y-%m-%d %H:%M}",
        c.shop_id,
        c.order_id or "",
        c.conversation_id or "",
        c.buyer_ref or "",
        intent_names.get(c.intent, c.intent),
        c.branch or "",
        STATUS_NAMES[c.status],
        REMEDY_NAMES.get(c.remedy or "", ""),
        f"{c.amount:.2f}" if c.amount is not None else "",
        c.assignee or "",
        "、".join(received),
        "、".join(pending),
        str(last_note.data.get("text", "")) if last_note else "",
        ";".join(open_follow_ups),
    ]
