"""A chat client's message id: each buyer message is recorded once per shop and conversation, whoever sends it
and however often (Chatwoot re-sends its whole context), over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx

from app.core.clock import SHOP_TZ
from tests.conftest import auth, make_key


def _stats(client: httpx.Client, shop: str) -> dict[str, int]:
    now = datetime.now(SHOP_TZ)
    window = {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    body = client.get("/v1/stats", params={**window, "shop_id": shop}).json()
    return dict(body["by_intent"].get("damaged", {}))


def _types(client: httpx.Client, case_id: int) -> list[str]:
    return [e["type"] for e in client.get(f"/v1/cases/{case_id}/timeline").json()]


def test_the_same_message_id_is_recorded_once_whoever_sends_it(client, server, database):
    shop = f"shop-{uuid.uuid4().hex[:6]}"
    conversation = f"chatwoot-3-{uuid.uuid4().hex[:6]}"
    first_agent, second_agent = (make_key(database, "agent", (shop,)) for _ in range(2))
    body = {"message": "收到的杯子碎了", "conversation_id": conversation, "message_id": "5101"}
    with httpx.Client(base_url=server, timeout=10) as http:
        answers = [http.post("/v1/suggest", json=body, headers=auth(first_agent)) for _ in range(2)]
        # The context re-sent later by another agent's sidebar: a different body, the same buyer message.
        again = {**body, "context": [{"role": "buyer", "text": "在吗"}]}
        answers.append(http.post("/v1/suggest", json=again, headers=auth(second_agent)))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    case_id = answers[0].json()["cases"][0]["id"]
    assert _types(client, case_id).count("message_received") == 1
    assert _types(client, case_id).count("suggestion_shown") == 1
    assert _stats(client, shop)["shown"] == 1
    # The next buyer message has its own id: recorded.
    nxt = client.post(
        "/v1/suggest", json={**body, "shop_id": shop, "message": "照片发你了", "message_id": "5102"}
    ).json()
    assert nxt["cases"][0]["id"] == case_id
    assert _types(client, case_id).count("message_received") == 2


def test_a_message_id_never_reaches_another_shops_answer(client, database):
    conversation = f"chatwoot-3-{uuid.uuid4().hex[:6]}"
    body = {"message": "收到的杯子碎了", "conversation_id": conversation, "message_id": "77"}
    ours = client.post("/v1/suggest", json={**body, "shop_id": "shop-a"}).json()
    theirs = client.post("/v1/suggest", json={**body, "shop_id": "shop-b"}).json()
    assert ours["cases"][0]["id"] != theirs["cases"][0]["id"]
    assert {client.get(f"/v1/cases/{c['cases'][0]['id']}").json()["shop_id"] for c in (ours, theirs)} == {
        "shop-a",
        "shop-b",
    }


def test_the_agents_choice_after_a_question_is_its_own_record(client, engine):
    from tests.suggest.test_context import an_ambiguous_pair

    message, pair = an_ambiguous_pair(engine)
    body = {"message": message, "conversation_id": f"c-{uuid.uuid4().hex[:8]}", "message_id": "9", "shop_id": "shop-a"}
    unsure = client.post("/v1/suggest", json=body).json()
    assert unsure["status"] == "ambiguous" and not unsure["cases"]
    picked = client.post("/v1/suggest", json={**body, "intent": pair[1]}).json()
    assert picked["cases"] and picked["cases"][0]["intent"] == pair[1]
    assert client.post("/v1/suggest", json={**body, "intent": pair[1]}).json() == picked


def test_without_a_conversation_the_message_id_records_nothing(client):
    plain = client.post("/v1/suggest", json={"message": "杯子碎了", "message_id": "1"})
    assert plain.status_code == 200 and plain.json().get("cases", []) == []
    # It took no record: the same id in a conversation is recorded then.
    kept = client.post(
        "/v1/suggest",
        json={
            "message": "杯子碎了",
            "message_id": "1",
            "conversation_id": f"c-{uuid.uuid4().hex[:8]}",
            "shop_id": "shop-a",
        },
    )
    assert kept.json()["cases"][0]["created"] is True
