"""The bytes each kind of target receives, and how each says it accepted them. Pure: no I/O, the clock given.

- ``webhook``: the event as JSON; ``X-Shouhou-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``
  with ``X-Shouhou-Timestamp`` (Unix seconds), ``X-Shouhou-Event`` (its type) and ``X-Shouhou-Event-Id`` (the
  receiver's dedupe key: a retry or a redelivery sends the same id). Accepted: any 2xx.
- ``wecom`` (企业微信群机器人): ``{"msgtype": "markdown", "markdown": {"content": …}}`` POSTed to the robot's URL
  (…/cgi-bin/webhook/send?key=…); content at most 4096 bytes. Accepted: ``errcode`` 0.
  https://developer.work.weixin.qq.com/document/path/91770
- ``dingtalk`` (钉钉自定义机器人): ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with 加签 the URL gets
  ``&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")))>``. Accepted:
  ``errcode`` 0. https://open.dingtalk.com/document/robots/custom-robot-access and
  https://open.dingtalk.com/document/robots/customize-robot-security-settings
- ``feishu`` (飞书自定义机器人): ``{"msg_type": "text", "content": {"text": …}}``; with 签名校验 the body also gets
  ``"timestamp": "<s>"`` and ``"sign": base64(HMAC-SHA256(key="<timestamp>\\n<secret>", message=""))``. Accepted:
  ``code`` 0 (older answers: ``StatusCode`` 0). https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot

tests/data/robots/README.md lists the pages these were checked against and the payloads the tests send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from app import __version__
from app.integrations.outbound.messages import robot_text

WECOM_MAX_BYTES = 4096  # 企业微信: markdown content "最长不超过4096个字节"


@dataclass(frozen=True, slots=True)
class Outgoing:
    url: str
    headers: dict[str, str]
    body: bytes


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(mac.digest()).decode())


def feishu_sign(secret: str, timestamp_s: str) -> str:
    # Feishu's documented recipe keys the HMAC with the string to sign and signs an empty message.
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _truncate(text: str, limit: int) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


def build(kind: str, url: str, secret: str | None, event: dict[str, Any], now: datetime) -> Outgoing:
    """The request for one delivery of ``event`` (its stored payload) to a target of ``kind``."""
    json_type = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"shouhou/{__version__}"}
    if kind == "webhook":
        raw = _json(event)
        timestamp = str(int(now.timestamp()))
        headers = {
            **json_type,
            "X-Shouhou-Event": event["type"],
            "X-Shouhou-Event-Id": event["id"],
            "X-Shouhou-Timestamp": timestamp,
        }
        if secret:
            headers["X-Shouhou-Signature"] = webhook_signature(secret, timestamp, raw)
        return Outgoing(url, headers, raw)
    title, text = robot_text(event)
    if kind == "wecom":
        content = _truncate(text, WECOM_MAX_BYTES)
        return Outgoing(url, json_type, _json({"msgtype": "markdown", "markdown": {"content": content}}))
    if kind == "dingtalk":
        if secret:
            ms = str(int(now.timestamp() * 1000))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={dingtalk_sign(secret, ms)}"
        return Outgoing(url, json_type, _json({"msgtype": "markdown", "markdown": {"title": title, "text": text}}))
    if kind == "feishu":
        message: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{_plain(text)}"}}
        if secret:
            seconds = str(int(now.timestamp()))
            message = {"timestamp": seconds, "sign": feishu_sign(secret, seconds), **message}
        return Outgoing(url, json_type, _json(message))
    raise ValueError(f"unknown target kind {kind!r}")


def _plain(markdown: str) -> str:
    """Feishu's text message shows markdown marks as they are: drop the few we write."""
    lines = [line.lstrip("#> ").replace("**", "") for line in markdown.splitlines()[1:]]
    return "\n".join(lines)


def accepted(kind: str, status: int, body: bytes) -> str | None:
    """None when the target took the message, else why not in our words (never the answer's text, which may
    echo what we sent). The robots answer 200 with an error code when they refuse."""
    if not 200 <= status < 300:
        return f"HTTP {status}"
    if kind == "webhook":
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return "机器人应答不是 JSON the robot's answer is not JSON"
    if not isinstance(answer, dict):
        return "机器人应答不是 JSON 对象 the robot's answer is not a JSON object"
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode"))
    else:
        code = answer.get("errcode")
    if code == 0:
        return None
    return f"机器人拒绝 robot refused: code {str(code)[:20]}"
