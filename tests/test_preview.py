"""The editors' preview page: intent, branch, filled script and why, all escaped."""

import pytest


def test_empty_form(client):
    r = client.get("/editor/preview")
    assert r.status_code == 200 and "买家消息" in r.text and 'name="message"' in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_preview_explains_the_match(client):
    r = client.get(
        "/editor/preview", params={"message": "快递显示签收了 我根本没收到", "status": "signed", "signed_by": "locker"}
    )
    assert r.status_code == 200
    assert "丢件" in r.text and "lost_parcel.signed_proxy_not_received" in r.text
    assert "intents/lost_parcel.yaml:" in r.text and "phrasebook/lost_parcel.yaml:" in r.text


def test_unfilled_placeholders_are_highlighted_and_the_rest_escaped():
    from app.web.endpoints import highlight

    out = str(highlight("给您【金额】元补偿<b>x</b>"))
    assert out == '给您<mark class="missing">【金额】</mark>元补偿&lt;b&gt;x&lt;/b&gt;'


def test_shop_wording_is_previewed(client):
    r = client.get("/editor/preview", params={"message": "杯子碎了", "shop_id": "demo-shop"})
    assert "phrasebook/shops/demo-shop/damaged.yaml" in r.text


@pytest.mark.parametrize("evil", ["<img src=x onerror=alert(1)>", "</textarea><script>alert(1)</script>"])
def test_buyer_text_is_escaped(client, evil):
    r = client.get("/editor/preview", params={"message": evil + " 杯子碎了"})
    assert r.status_code == 200 and evil not in r.text and "&lt;" in r.text


def test_bad_parameters_are_4xx(client):
    assert client.get("/editor/preview", params={"status": "teleported", "message": "x"}).status_code == 422
    assert client.get("/editor/preview", params={"message": "x" * 2001}).status_code == 422
