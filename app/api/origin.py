"""State-changing browser requests must come from our own pages or a configured chat client.

Bots send no Origin header and pass; a browser always sends one on a cross-site POST, so a page on
another site cannot make an agent's browser write to a case.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import error_body

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class OriginCheck:
    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = set(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _WRITES:
            headers = dict(scope.get("headers", ()))
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            own = {f"http://{host}", f"https://{host}"}
            if origin and origin != "null" and origin not in own and origin not in self.allowed:
                body = json.dumps(error_body("forbidden_origin", "请求来源不被允许 origin not allowed"),
                                  ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
