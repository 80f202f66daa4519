"""GET /v1/cases/{id}/timeline a page at a time, on both engines: oldest first, the total in X-Total-Count,
the next page in Link while there is one."""

from __future__ import annotations

import uuid


def test_the_timeline_comes_a_page_at_a_time(client):
    case = client.post(
        "/v1/cases", json={"shop_id": "shop-p", "intent": "damaged", "conversation_id": f"p-{uuid.uuid4().hex}"}
    ).json()
    for i in range(7):
        assert client.post(f"/v1/cases/{case['id']}/events", json={"type": "note", "data": {"n": i}}).status_code == 201
    whole = client.get(f"/v1/cases/{case['id']}/timeline")
    assert whole.headers["x-total-count"] == str(len(whole.json())) and "link" not in whole.headers
    seen, url = [], f"/v1/cases/{case['id']}/timeline?page_size=3"
    pages = 0
    while url:
        r = client.get(url)
        assert r.status_code == 200 and len(r.json()) <= 3
        seen += r.json()
        pages += 1
        link = r.headers.get("link")
        url = link[1 : link.index(">")] if link else ""
        assert not link or link.endswith('rel="next"')
    assert seen == whole.json() and pages == -(-len(seen) // 3)
    assert [e["data"]["n"] for e in seen if e["type"] == "note"] == list(range(7))
    assert client.get(f"/v1/cases/{case['id']}/timeline?page_size=501").status_code == 422
    assert client.get(f"/v1/cases/{case['id']}/timeline?page=99").json() == []
