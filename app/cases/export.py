"""The 登记表格 (register) export: one row per case created in a date range, as CSV or as XLSX.

Rows come out in clear; the caller masks what the key's role may not see, then these formats make every
cell safe to open in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.cases import repository as repo
from app.cases.models import Case, CaseEvent
from app.core.clock import SHOP_TZ

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
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


def register_rows(
    s: Session,
    shop_ids: tuple[str, ...] | None,
    start: datetime,
    end: datetime,
    intent_names: Mapping[str, str],
    evidence_names: Mapping[str, str],
) -> list[list[str]]:
    cases = repo.cases_created_between(s, shop_ids, start, end)
    notes = repo.latest_events(s, [c.id for c in cases], "note")
    return [register_row(c, intent_names, evidence_names, notes.get(c.id)) for c in cases]


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


def to_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    writer.writerows(_csv_safe(row) for row in rows)
    return "\ufeff" + out.getvalue()  # the BOM lets Excel open the UTF-8 file with its Chinese intact


def to_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook  # only exports need it: kept out of the start-up imports

    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记表格")
    sheet.append(list(REGISTER_COLUMNS))
    for row in rows:
        sheet.append(_csv_safe(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_safe(row: list[str]) -> list[str]:
    """A buyer's note starting with = would run as a formula in Excel (CSV injection): quote it as text."""
    return ["'" + cell if cell.startswith(_FORMULA) else cell for cell in row]
