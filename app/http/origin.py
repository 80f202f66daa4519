"""State-changing browser requests must come from our own pages or a configured chat client.

Bots send no Origin header and pass; a browser always sends one on a cross-site POST, so a page on
another site cannot make an agent's browser write to a case.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.errors import send_error

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
                await send_error(send, 403, "forbidden_origin", "请求来源不被允许 origin not allowed")
                return
        await self.app(scope, receive, send)
