"""The bytes each target kind receives, checked against the recipes their documentation gives
(tests/data/robots/README.md), written out here independently of app/integrations/outbound/formats.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import UTC, datetime

import pytest

from app.integrations.outbound.formats import accepted, build

NOW = datetime(2026, 12, 8, 1, 2, 3, tzinfo=UTC)
APPROVAL = {
    "id": "evt_0123456789abcdef01234567",
    "type": "approval.needed",
    "shop_id": "shop-a",
    "at": "2026-12-08T01:02:03+00:00",
    "data": {
        "approval": {
            "id": 7,
            "status": "pending",
            "amount": "80.00",
            "remedy": "compensate",
            "asked_by": "小王",
            "asked_at": "2026-12-08T01:02:03+00:00",
            "answer_by": "2026-12-08T13:02:03+00:00",
            "decided_by": None,
            "decided_at": None,
            "reason": None,
        },
        "case": {"id": 12, "intent": "damaged", "status": "waiting_approval", "order_id": "TB1001"},
    },
}


def test_webhook_body_is_the_event_and_the_signature_covers_timestamp_and_body():
    out = build("webhook", "https://erp.example.com/h", "whsec_test-secret", APPROVAL, NOW)
    assert json.loads(out.body) == APPROVAL
    ts = out.headers["X-Shouhou-Timestamp"]
    assert ts == str(int(NOW.timestamp()))
    expected = hmac.new(b"whsec_test-secret", f"{ts}.".encode() + out.body, hashlib.sha256).hexdigest()
    assert out.headers["X-Shouhou-Signature"] == f"sha256={expected}"
    assert out.headers["X-Shouhou-Event"] == "approval.needed"
    assert out.headers["X-Shouhou-Event-Id"] == APPROVAL["id"]
    # A changed byte breaks the signature.
    tampered = hmac.new(b"whsec_test-secret", f"{ts}.".encode() + out.body + b" ", hashlib.sha256).hexdigest()
    assert out.headers["X-Shouhou-Signature"] != f"sha256={tampered}"


def test_wecom_markdown_as_documented():
    out = build("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", None, APPROVAL, NOW)
    body = json.loads(out.body)
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "80.00" in content and "案件 #12" in content and "售后助手" in content
    assert len(content.encode()) <= 4096
    assert out.url.endswith("?key=K")


def test_wecom_content_is_cut_to_4096_bytes():
    long = json.loads(json.dumps(APPROVAL))
    long["type"] = "followup.overdue"
    long["data"]["follow_up"] = {"id": 1, "what": "回访" * 3000, "kind": None, "due_at": "2026-12-08T01:00:00+00:00"}
    body = json.loads(build("wecom", "https://x.example/h", None, long, NOW).body)
    assert len(body["markdown"]["content"].encode()) <= 4096


def test_dingtalk_markdown_and_signature_follow_the_documented_python_recipe():
    secret = "SECabcdef0123456789"
    out = build("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=T", secret, APPROVAL, NOW)
    body = json.loads(out.body)
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert "80.00" in body["markdown"]["text"]
    query = urllib.parse.urlsplit(out.url).query
    params = dict(p.split("=", 1) for p in query.split("&"))
    assert params["access_token"] == "T" and params["timestamp"] == str(int(NOW.timestamp() * 1000))
    # The documentation's Python 3 sample, verbatim in substance.
    string_to_sign = "{}\n{}".format(params["timestamp"], secret)
    hmac_code = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    assert params["sign"] == urllib.parse.quote_plus(base64.b64encode(hmac_code))


def test_dingtalk_without_secret_sends_no_signature():
    out = build("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=T", None, APPROVAL, NOW)
    assert "sign=" not in out.url and "timestamp=" not in out.url


def test_feishu_text_and_signature_follow_the_documented_python_recipe():
    secret = "feishu-secret-1"
    body = json.loads(build("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", secret, APPROVAL, NOW).body)
    assert body["msg_type"] == "text" and "80.00" in body["content"]["text"]
    timestamp = body["timestamp"]
    assert timestamp == str(int(NOW.timestamp()))
    key = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(key, b"", digestmod=hashlib.sha256).digest()).decode("utf-8")
    assert body["sign"] == expected
    assert "**" not in body["content"]["text"]  # a text message shows markdown marks literally


@pytest.mark.parametrize(
    ("kind", "status", "answer", "ok"),
    [
        ("webhook", 204, b"", True),
        ("webhook", 500, b"", False),
        ("wecom", 200, b'{"errcode":0,"errmsg":"ok"}', True),
        ("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}', False),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', False),
        ("feishu", 200, b'{"code":0,"msg":"success","data":{}}', True),
        ("feishu", 200, b'{"StatusCode":0,"StatusMessage":"success"}', True),
        (
            "feishu",
            200,
            b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
            False,
        ),
        ("feishu", 200, b"not json", False),
    ],
)
def test_what_counts_as_accepted(kind, status, answer, ok):
    reason = accepted(kind, status, answer)
    assert (reason is None) is ok
    if reason is not None:
        assert "sign match" not in reason and "invalid webhook" not in reason  # never the receiver's words
