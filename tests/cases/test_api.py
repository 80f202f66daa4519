"""Case records over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta

import pytest

from app.cases.schemas import CaseList, CaseOut, EventOut, OverdueList, StatsOut
from app.core.clock import SHOP_TZ
from app.suggest.responses import SuggestResponse


def conv() -> str:
    return f"conv-{uuid.uuid4().hex[:10]}"


def say(client, conversation, message, **extra):
    r = client.post(
        "/v1/suggest", json={"message": message, "conversation_id": conversation, "shop_id": "shop-a", **extra}
    )
    assert r.status_code == 200, r.text
    return SuggestResponse.model_validate(r.json())


def test_damaged_conversation_from_first_message_to_closed_case(client):
    c = conv()
    # 1. The buyer reports the damage: the case opens on the evidence step.
    first = say(client, c, "亲 收到的杯子碎了 /:Q")
    assert first.suggestions[0].script_id == "damaged.ask_evidence"
    case = first.cases[0]
    assert case.created and case.intent == "damaged" and case.branch == "damaged.ask_evidence"
    detail = CaseOut.model_validate(client.get(f"/v1/cases/{case.id}").json())
    assert {e.id for e in detail.evidence} == {"waybill_photo", "box_photos", "item_photos"}
    assert all(e.received_at is None for e in detail.evidence)
    # 2. The photos arrive; the agent ticks them off. The next message, which names no problem itself,
    #    continues the case with the next step, not "请提供照片" again.
    for evidence in ("waybill_photo", "box_photos", "item_photos"):
        r = client.post(f"/v1/cases/{case.id}/evidence/{evidence}/received", json={"by": "xiaowang"})
        assert r.status_code == 200
    second = say(client, c, "照片发你了")
    assert second.suggestions[0].script_id == "damaged.review_photos"
    assert second.cases[0].id == case.id and not second.cases[0].created
    # 3. The agent judges the damage: box intact, goods badly broken → 补发 or 退款.
    version = client.get(f"/v1/cases/{case.id}").json()["version"]
    r = client.patch(
        f"/v1/cases/{case.id}", json={"version": version, "assessment": "box_intact_severe", "actor": "xiaowang"}
    )
    assert r.status_code == 200
    third = say(client, c, "那怎么处理呢")
    assert third.suggestions[0].script_id == "damaged.box_intact_severe"
    assert {a.id for a in third.suggestions[0].actions} >= {"resend", "refund", "note", "register"}
    # 4. Remedy chosen, 备注 and 登记 recorded, a follow-up set and done, then resolved and closed.
    version = client.get(f"/v1/cases/{case.id}").json()["version"]
    r = client.patch(f"/v1/cases/{case.id}", json={"version": version, "remedy": "resend", "actor": "xiaowang"})
    version = r.json()["version"]
    for event in (
        {"type": "script_used", "script_id": "damaged.box_intact_severe", "actor": "xiaowang"},
        {"type": "action_done", "data": {"action": "resend"}, "actor": "xiaowang"},
        {"type": "note", "data": {"text": "外箱完好杯子碎,已补发"}, "actor": "xiaowang"},
        {"type": "registered", "actor": "xiaowang"},
    ):
        assert client.post(f"/v1/cases/{case.id}/events", json=event).status_code == 201
    due = (datetime.now(SHOP_TZ) + timedelta(hours=24)).isoformat()
    follow_up = client.post(
        f"/v1/cases/{case.id}/follow-ups", json={"what": "给买家留言补发单号", "due_at": due}
    ).json()
    r = client.post(f"/v1/cases/{case.id}/status", json={"status": "waiting_buyer", "version": version})
    assert r.status_code == 200
    assert client.post(f"/v1/follow-ups/{follow_up['id']}/done", json={"by": "xiaowang"}).status_code == 200
    version = client.get(f"/v1/cases/{case.id}").json()["version"]
    assert (
        client.post(f"/v1/cases/{case.id}/status", json={"status": "resolved", "version": version}).status_code == 200
    )
    assert (
        client.post(f"/v1/cases/{case.id}/status", json={"status": "closed", "version": version + 1}).status_code == 200
    )
    timeline = [EventOut.model_validate(e) for e in client.get(f"/v1/cases/{case.id}/timeline").json()]
    types = [e.type for e in timeline]
    for expected in (
        "message_received",
        "suggestion_shown",
        "evidence_requested",
        "evidence_received",
        "assessment",
        "action_done",
        "note",
        "registered",
        "follow_up_set",
        "follow_up_done",
        "status_changed",
    ):
        assert expected in types
    shown = [e.script_id for e in timeline if e.type == "suggestion_shown"]
    assert shown == ["damaged.ask_evidence", "damaged.review_photos", "damaged.box_intact_severe"]
    final = CaseOut.model_validate(client.get(f"/v1/cases/{case.id}").json())
    assert (final.status, final.remedy) == ("closed", "resend")


def test_a_follow_up_without_keyword_continues_the_open_case(client):
    c = conv()
    first = say(client, c, "少了一件 只收到一个")
    assert first.cases[0].intent == "missing_item"
    follow = say(client, c, "照片发你了")  # resembles 破损 examples, but names no new problem
    assert [x.id for x in follow.cases] == [first.cases[0].id]
    assert follow.suggestions[0].intent == "missing_item"


def test_two_problems_open_two_cases(client):
    result = say(client, conv(), "碎了一个还少了一件")
    assert {c.intent for c in result.cases} == {"damaged", "missing_item"} and all(c.created for c in result.cases)


def test_open_or_find_case(client):
    body = {"shop_id": "shop-a", "intent": "lost_parcel", "order_id": f"o-{uuid.uuid4().hex[:8]}"}
    first = client.post("/v1/cases", json=body)
    again = client.post("/v1/cases", json=body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert client.post("/v1/cases", json={"intent": "lost_parcel"}).status_code == 422


def test_illegal_transition_is_409_naming_current_status(client):
    case = client.post("/v1/cases", json={"intent": "damaged", "conversation_id": conv()}).json()
    r = client.post(f"/v1/cases/{case['id']}/status", json={"status": "closed", "version": case["version"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition" and "'open'" in r.text


def test_stale_version_is_409(client):
    case = client.post("/v1/cases", json={"intent": "damaged", "conversation_id": conv()}).json()
    assert client.patch(f"/v1/cases/{case['id']}", json={"version": 1, "assignee": "a"}).status_code == 200
    r = client.patch(f"/v1/cases/{case['id']}", json={"version": 1, "assignee": "b"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "stale_version"


def test_idempotency_key(client):
    case = client.post("/v1/cases", json={"intent": "damaged", "conversation_id": conv()}).json()
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    body = {"type": "note", "data": {"text": "已联系快递"}}
    answers = [client.post(f"/v1/cases/{case['id']}/events", json=body, headers=key) for _ in range(10)]
    assert {a.status_code for a in answers} == {201} and len({a.json()["id"] for a in answers}) == 1
    notes = [e for e in client.get(f"/v1/cases/{case['id']}/timeline").json() if e["type"] == "note"]
    assert len(notes) == 1
    other = client.post(f"/v1/cases/{case['id']}/events", json={"type": "note", "data": {"text": "别的"}}, headers=key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_mismatch"


def test_list_filters_and_pages(client):
    shop = f"shop-{uuid.uuid4().hex[:6]}"
    for i in range(5):
        client.post(
            "/v1/cases",
            json={"shop_id": shop, "intent": "damaged" if i % 2 else "lost_parcel", "conversation_id": conv()},
        )
    page = CaseList.model_validate(client.get("/v1/cases", params={"shop_id": shop, "page_size": 2}).json())
    assert page.page.total == 5 and len(page.cases) == 2
    damaged = client.get("/v1/cases", params={"shop_id": shop, "intent": "damaged"}).json()
    assert damaged["page"]["total"] == 2 and all(c["intent"] == "damaged" for c in damaged["cases"])
    assert client.get("/v1/cases", params={"page_size": 101}).status_code == 422
    assert client.get("/v1/cases", params={"page": 0}).status_code == 422


def test_overdue_follow_ups(client):
    shop = f"shop-{uuid.uuid4().hex[:6]}"
    case = client.post("/v1/cases", json={"shop_id": shop, "intent": "lost_parcel", "conversation_id": conv()}).json()
    past = (datetime.now(SHOP_TZ) - timedelta(hours=1)).isoformat()
    client.post(f"/v1/cases/{case['id']}/follow-ups", json={"what": "快递核实结果", "due_at": past})
    listing = OverdueList.model_validate(client.get("/v1/follow-ups/overdue", params={"shop_id": shop}).json())
    assert listing.page.total == 1 and listing.follow_ups[0].case.id == case["id"]


def test_unknown_case_and_evidence(client):
    assert client.get("/v1/cases/999999999").status_code == 404
    case = client.post("/v1/cases", json={"intent": "damaged", "conversation_id": conv()}).json()
    assert client.post(f"/v1/cases/{case['id']}/evidence/selfie/received", json={}).status_code == 422
    assert client.post(f"/v1/cases/{case['id']}/events", json={"type": "status_changed"}).status_code == 422


def test_register_export_csv_and_xlsx(client):
    shop = f"shop-{uuid.uuid4().hex[:6]}"
    result = client.post("/v1/suggest", json={"message": "杯子碎了", "conversation_id": conv(), "shop_id": shop}).json()
    case_id = result["cases"][0]["id"]
    client.post(f"/v1/cases/{case_id}/events", json={"type": "note", "data": {"text": "已补发"}})
    now = datetime.now(SHOP_TZ)
    window = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
        "shop_id": shop,
    }
    r = client.get("/v1/register.csv", params=window)
    assert r.status_code == 200 and r.text.startswith("\ufeff案件号")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][6] == "破损" and rows[1][14] == "已补发" and rows[1][8] == "处理中"
    from openpyxl import load_workbook

    x = client.get("/v1/register.xlsx", params=window)
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert [c.value for c in sheet[2]][0] == str(case_id) and sheet.max_row == 2
    assert client.get("/v1/register.csv", params={**window, "end": window["start"]}).status_code == 422


def test_stats_per_intent_and_script(client):
    shop = f"shop-{uuid.uuid4().hex[:6]}"
    c = conv()
    result = client.post("/v1/suggest", json={"message": "杯子碎了", "conversation_id": c, "shop_id": shop}).json()
    case_id = result["cases"][0]["id"]
    client.post(f"/v1/cases/{case_id}/events", json={"type": "script_edited", "script_id": "damaged.ask_evidence"})
    now = datetime.now(SHOP_TZ)
    body = StatsOut.model_validate(
        client.get(
            "/v1/stats",
            params={
                "start": (now - timedelta(hours=1)).isoformat(),
                "end": (now + timedelta(hours=1)).isoformat(),
                "shop_id": shop,
            },
        ).json()
    )
    assert body.by_intent["damaged"] == {"shown": 1, "used": 0, "edited": 1, "rejected": 0}
    assert [(s.script_id, s.shown, s.edited) for s in body.by_script] == [("damaged.ask_evidence", 1, 1)]


@pytest.mark.parametrize("path", ["/v1/stats", "/v1/register.csv"])
def test_date_range_needs_zone(client, path):
    assert client.get(path, params={"start": "2026-11-01T00:00:00", "end": "2026-11-02T00:00:00"}).status_code == 422


def test_lost_parcel_deadline_counts_from_the_report_not_the_latest_message(client):
    c = conv()
    first = client.post(
        "/v1/suggest",
        json={"message": "快递显示签收了 我根本没收到", "conversation_id": c, "now": "2026-09-30T15:00:00+08:00"},
    ).json()
    later = client.post(
        "/v1/suggest",
        json={
            "message": "快递显示签收了 我根本没收到 怎么还没结果",
            "conversation_id": c,
            "now": "2026-10-09T10:00:00+08:00",
        },
    ).json()
    assert first["cases"][0]["id"] == later["cases"][0]["id"]

    def due(body):
        return [d["due_at"] for d in body["deadlines"] if d["kind"] == "lost_parcel_verification"]

    assert due(first) == due(later) == ["2026-10-10T23:59:59+08:00"]


def test_a_retried_case_aware_suggestion_is_recorded_once(client):
    c = conv()
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    body = {"message": "杯子碎了", "conversation_id": c, "now": "2026-11-22T12:00:00+08:00"}
    answers = [client.post("/v1/suggest", json=body, headers=key).json() for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    events = client.get(f"/v1/cases/{answers[0]['cases'][0]['id']}/timeline").json()
    assert [e["type"] for e in events].count("message_received") == 1
