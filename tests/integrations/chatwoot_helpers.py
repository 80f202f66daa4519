"""Helpers of the Chatwoot tests: Chatwoot's own payload (tests/data/chatwoot/) and its signed delivery."""

from __future__ import annotations

import copy
import itertools
import json
import random
import time
from typing import Any

from app.integrations.chatwoot.signature import sign
from tests.conftest import DATA

PAYLOAD: dict[str, Any] = {
    k: v for k, v in json.loads((DATA / "chatwoot" / "message_created.json").read_text()).items() if k != "_source"
}
SECRET = "cw-webhook-secret-1"
_ids = itertools.count(random.randrange(10**6, 10**9, 10**4))  # ids no other run of the suite uses


def new_id() -> int:
    return next(_ids)


def message(
    *, account: int = 1, inbox: int = 7, conversation: int | None = None, message_id: int | None = None, **fields: Any
) -> dict[str, Any]:
    """Chatwoot's message_created payload for a new message (a new conversation unless one is given)."""
    payload = copy.deepcopy(PAYLOAD)
    payload["account"]["id"] = account
    payload["inbox"]["id"] = inbox
    payload["conversation"]["id"] = conversation if conversation is not None else new_id()
    payload["conversation"]["inbox_id"] = inbox
    payload["id"] = message_id if message_id is not None else new_id()
    payload.update(fields)
    return payload


def body_of(payload: dict[str, Any]) -> bytes:
    """As Chatwoot sends it: ``payload.to_json``, compact UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed(body: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    ts = str(int(time.time() if at is None else at))
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Chatwoot-Delivery": f"delivery-{new_id()}",
        "X-Chatwoot-Timestamp": ts,
        "X-Chatwoot-Signature": sign(secret, ts, body),
    }


def wait_for(check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
