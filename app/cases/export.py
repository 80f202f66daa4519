"""The 登记表格 (register) export: one row per case created in a date range, as CSV or as XLSX.

Rows are read a page of cases at a time, each page in a transaction of its own, and go out as they are read
(CSV) or into a workbook kept on disk (XLSX): what the export holds in memory does not grow with the number
of cases (4,000 cases used to take +37 MB), and no transaction stays open while a client downloads. Rows come
out in clear; the caller masks what the key's role may not see, then these formats make every cell safe to
open in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import IO

from app.cases import repository as repo
from app.cases.models import Case, CaseEvent
from app.core.clock import SHOP_TZ
from app.db.session import Database

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# What XLSX cannot hold (XML 1.0 refuses C0 controls but tab and line breaks; openpyxl raises on them) and the
# writes refuse since (app/http/fields.py Text): rows stored before may still hold some.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PAGE = 500  # cases per query: one page of rows is what the export holds at a time
CHUNK = 64 * 1024  # bytes of the finished workbook per write to the client
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


def register_pages(
    db: Database,
    shop_ids: tuple[str, ...] | None,
    start: datetime,
    end: datetime,
    intent_names: Mapping[str, str],
    evidence_names: Mapping[str, str],
) -> Iterator[list[list[str]]]:
    """The register's rows for cases created in [start, end), in (created_at, id) order, one page at a time.

    Keyset paging: each page starts after the last case of the previous one, so a case created meanwhile is
    neither skipped nor repeated, and every page costs one indexed query however deep into the range it is.
    """
    after: tuple[datetime, int] | None = None
    while True:
        with db.reading() as s:  # closed before the page is handed on: never open across a download
            cases = repo.cases_created_between(s, shop_ids, start, end, after=after, limit=PAGE)
            notes = repo.latest_events(s, [c.id for c in cases], "note")
            rows = [register_row(c, intent_names, evidence_names, notes.get(c.id)) for c in cases]
        if rows:
            yield rows
        if len(cases) < PAGE:
            return
        after = (cases[-1].created_at, cases[-1].id)


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


def csv_chunks(pages: Iterable[list[list[str]]]) -> Iterator[str]:
    """The CSV, a page of rows per chunk. The BOM lets Excel open the UTF-8 file with its Chinese intact."""
    yield "\ufeff" + _csv([list(REGISTER_COLUMNS)])
    for rows in pages:
        yield _csv([_safe(row) for row in rows])


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def xlsx_file(pages: Iterable[list[list[str]]]) -> IO[bytes]:
    """The workbook in an anonymous temporary file, at its start. openpyxl's write-only mode keeps the sheet's
    rows on disk as they are appended (inline strings: no table of them grows in memory)."""
    from openpyxl import Workbook  # only exports need it: kept out of the start-up imports

    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记表格")
    sheet.append(list(REGISTER_COLUMNS))
    for rows in pages:
        for row in rows:
            sheet.append(_safe(row))
    out = tempfile.TemporaryFile()
    try:
        book.save(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """``file`` in pieces, closed (and so deleted) at the end or when the client goes away mid-way."""
    try:
        while chunk := file.read(CHUNK):
            yield chunk
    finally:
        file.close()


def _safe(row: list[str]) -> list[str]:
    """A buyer's note starting with = would run as a formula in Excel (CSV injection): quote it as text. A
    control character XLSX cannot hold, stored before the writes refused them, becomes U+FFFD."""
    cells = [_UNWRITABLE.sub("\ufffd", cell) for cell in row]
    return ["'" + cell if cell.startswith(_FORMULA) else cell for cell in cells]
