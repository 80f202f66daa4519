"""Fake receivers: real HTTP servers on loopback that record what they are sent and answer as told. They stand
for systems we do not own (a shop's ERP, 企业微信 / 钉钉 / 飞书 robots); the robots answer with the bodies their
documentation gives (tests/data/robots/README.md)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """``answers``: (status, body) per request in order; the last one repeats."""

    def __init__(self, answers: list[tuple[int, bytes]] | None = None) -> None:
        self.answers = answers or [(200, b"ok")]
        self.received: list[Received] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                with outer._lock:
                    status, answer = outer.answers[min(len(outer.received), len(outer.answers) - 1)]
                    outer.received.append(
                        Received(
                            parts.path,
                            {k: v[0] for k, v in parse_qs(parts.query).items()},
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


WECOM_OK = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
DINGTALK_OK = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
FEISHU_OK = json.dumps({"code": 0, "msg": "success", "data": {}}).encode()
