"""Cases as a real conversation leaves them (through /v1/suggest and the case routes), then aged in the
database: the purge compares times, and waiting 180 days is not an option."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from app.cases.models import Case, CaseEvent, FollowUp
from app.core.clock import SHOP_TZ
from app.db.session import Database

PHONE = "13912345678"
MESSAGE = (
    f"快递显示签收了但我没收到 收件人:李小龙 电话{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]} 浙江省杭州市西湖区文三路478号"
)
RANGE = {"start": "2025-01-01T00:00:00+08:00", "end": "2030-01-01T00:00:00+08:00"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def conversation_case(
    client: httpx.Client, shop: str, conversation: str, *, close: bool = True, buyer_ref: str | None = None
) -> int:
    """A 丢件 case opened by a buyer's message (with a phone, a name and an address), a hand-set follow-up
    and a note; resolved and closed unless ``close`` is False."""
    r = client.post("/v1/suggest", json={"message": MESSAGE, "conversation_id": conversation, "shop_id": shop})
    assert r.status_code == 200, r.text
    case_id = r.json()["cases"][0]["id"]
    client.post(f"/v1/cases/{case_id}/events", json={"type": "note", "data": {"text": f"买家电话 {PHONE}"}})
    client.post(
        f"/v1/cases/{case_id}/follow-ups", json={"what": f"回电 {PHONE}", "due_at": "2026-06-01T10:00:00+08:00"}
    )
    if buyer_ref is not None:
        client.post(
            "/v1/cases",
            json={"shop_id": shop, "intent": "complaint", "conversation_id": conversation, "buyer_ref": buyer_ref},
        )
    if close:
        for status in ("resolved", "closed"):
            version = client.get(f"/v1/cases/{case_id}").json()["version"]
            r = client.post(f"/v1/cases/{case_id}/status", json={"status": status, "version": version})
            assert r.status_code == 200, r.text
    return case_id


def age(db: Database, case_id: int, days: float) -> None:
    """Move the case and everything on its timeline ``days`` into the past."""
    delta = timedelta(days=days)
    with db.unit_of_work() as s:
        case = s.get(Case, case_id)
        assert case is not None
        case.created_at -= delta
        case.updated_at -= delta
        for event in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)):
            event.at -= delta
        s.execute(
            update(FollowUp).where(FollowUp.case_id == case_id).values(due_at=datetime(2026, 1, 1, tzinfo=SHOP_TZ))
        )
