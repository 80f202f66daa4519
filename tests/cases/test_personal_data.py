"""Personal data in case records: in clear for roles that handle the buyer, masked for everyone else."""

from __future__ import annotations

import httpx

from tests.conftest import auth, make_key

NOTE = "买家新地址:浙江省杭州市西湖区文三路478号 收件人:张三丰 电话 138 1234 5678 身份证11010519491231002X"
WEEK = {"start": "2026-01-01T00:00:00+08:00", "end": "2030-01-01T00:00:00+08:00", "shop_id": "pii-shop"}


def test_agents_see_it_editors_and_bots_get_it_masked(server, client, database):
    case = client.post(
        "/v1/cases",
        json={
            "shop_id": "pii-shop",
            "intent": "address_change",
            "conversation_id": "pii-1",
            "buyer_ref": "13812345678",
        },
    ).json()
    client.post(f"/v1/cases/{case['id']}/events", json={"type": "note", "data": {"text": NOTE}})
    agent, editor, bot = (make_key(database, role, ("pii-shop",)) for role in ("agent", "editor", "bot"))
    with httpx.Client(base_url=server, timeout=10) as c:
        clear = c.get("/v1/register.csv", params=WEEK, headers=auth(agent)).text
        assert "138 1234 5678" in clear and "文三路478号" in clear and "13812345678" in clear
        masked = c.get("/v1/register.csv", params=WEEK, headers=auth(editor)).text
        assert "138****5678" in masked and "文三路" not in masked and "张三丰" not in masked
        assert "13812345678" not in masked and "11010519491231002X" not in masked
        assert "pii-1" in masked  # the rest of the row is intact

        timeline = c.get(f"/v1/cases/{case['id']}/timeline", headers=auth(bot)).text
        assert "1234 5678" not in timeline and "文三路" not in timeline and "138****5678" in timeline
        assert "1234 5678" in c.get(f"/v1/cases/{case['id']}/timeline", headers=auth(agent)).text
        assert c.get(f"/v1/cases/{case['id']}", headers=auth(bot)).json()["buyer_ref"] == "138****5678"


def test_csv_cells_cannot_become_formulas(client):
    case = client.post(
        "/v1/cases", json={"shop_id": "csv-shop", "intent": "complaint", "conversation_id": "csv-1"}
    ).json()
    client.post(f"/v1/cases/{case['id']}/events", json={"type": "note", "data": {"text": '=HYPERLINK("http://x")'}})
    text = client.get("/v1/register.csv", params={**WEEK, "shop_id": "csv-shop"}).text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
