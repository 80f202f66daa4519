"""A fake Chatwoot: a real HTTP server on a free port that answers the Application API calls the integration
makes, as Chatwoot documents them (tests/data/chatwoot/), records what it was sent, and can fail or stall on
demand (the first N calls answer 500; every call waits ``delay`` seconds)."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MESSAGES = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/messages$")
_CANNED = re.compile(r"^/api/v1/accounts/(\d+)/canned_responses(?:/(\d+))?$")


@dataclass
class Posted:
    account_id: int
    conversation_id: int
    body: dict[str, Any]
    token: str | None
    at: float


@dataclass
class FakeChatwoot:
    token: str = "cw-token"
    fail_next: int = 0  # the next N calls answer 500
    fail_status: int = 500
    delay: float = 0.0
    messages: list[Posted] = field(default_factory=list)
    attempts: list[float] = field(default_factory=list)  # when each note call arrived, failed or not
    canned: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)  # account → id → response
    canned_calls: list[tuple[str, str]] = field(default_factory=list)
    _ids: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def notes_in(self, account_id: int, conversation_id: int) -> list[Posted]:
        return [m for m in self.messages if (m.account_id, m.conversation_id) == (account_id, conversation_id)]

    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        if self.delay:
            time.sleep(self.delay)
        if h.headers.get("api_access_token") != self.token:  # Chatwoot: 401 without a valid user token
            return _send(h, 401, {"error": "Invalid Access Token"})
        body = json.loads(raw) if raw else {}
        path = h.path.split("?", 1)[0]
        if (m := _MESSAGES.match(path)) and method == "POST":
            self.attempts.append(time.monotonic())
            with self._lock:
                failing = self.fail_next > 0
                self.fail_next -= 1 if failing else 0
            if failing:
                return _send(h, self.fail_status, {"error": "boom"})
            if "content" not in body:
                return _send(h, 422, {"error": "content is required"})
            self.messages.append(
                Posted(int(m[1]), int(m[2]), body, h.headers.get("api_access_token"), time.monotonic())
            )
            message_id = self._next_id()
            return _send(
                h,
                200,
                {
                    "id": message_id,
                    "content": body["content"],
                    "conversation_id": int(m[2]),
                    "message_type": 1 if body.get("message_type", "outgoing") == "outgoing" else 0,
                    "content_type": "text",
                    "private": bool(body.get("private")),
                    "created_at": int(time.time()),
                },
            )
        if m := _CANNED.match(path):
            account = self.canned.setdefault(int(m[1]), {})
            self.canned_calls.append((method, path))
            if method == "GET" and m[2] is None:
                return _send(h, 200, [{"id": i, "account_id": int(m[1]), **r} for i, r in account.items()])
            fields = body.get("canned_response", body)  # Rails wraps a flat JSON body under canned_response
            if method == "POST" and m[2] is None:
                new = self._next_id()
                account[new] = {"short_code": fields["short_code"], "content": fields["content"]}
                return _send(h, 200, {"id": new, "account_id": int(m[1]), **account[new]})
            if method == "PATCH" and m[2] is not None and int(m[2]) in account:
                account[int(m[2])].update({k: fields[k] for k in ("short_code", "content") if k in fields})
                return _send(h, 200, {"id": int(m[2]), "account_id": int(m[1]), **account[int(m[2])]})
        return _send(h, 404, {"error": "Resource could not be found"})


def _send(h: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json; charset=utf-8")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)
