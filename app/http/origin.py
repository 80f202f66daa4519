"""State-changing browser requests must come from our own pages or a configured chat client.

Bots send no Origin header and pass; a browser always sends one on a cross-site POST, so a page on
another site cannot make an agent's browser write to a case.

``Origin: null`` hides where a request comes from: a sandboxed frame, a file:// page, or one of our
own pages whose Referrer-Policy is no-referrer (a browser then sends "null" even for its same-origin
POSTs, which is why the sidebar's writes carry it). On the API that is harmless: a request there
carries its key in a header, which no other page can add. Under ``cookie_paths`` a browser's cookie
is the authority, so "null" is refused like a foreign origin there: it once let a sandboxed frame sign
an editor's browser in with an attacker's key (POST /editor/login). The editor pages send
``Referrer-Policy: same-origin`` so that their own forms carry their real origin.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.http import audit
from app.http.errors import send_error

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class OriginCheck:
    def __init__(self, app: ASGIApp, allowed: tuple[str, ...], cookie_paths: tuple[str, ...] = ("/editor/",)) -> None:
        self.app = app
        self.allowed = set(allowed)
        self.cookie_paths = cookie_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _WRITES:
            headers = dict(scope.get("headers", ()))
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            own = {f"http://{host}", f"https://{host}"}
            hidden_ok = origin == "null" and not scope["path"].startswith(self.cookie_paths)
            if origin and not hidden_ok and origin not in own and origin not in self.allowed:
                audit.refused(scope, 403, "forbidden_origin")
                await send_error(send, 403, "forbidden_origin", "请求来源不被允许 origin not allowed")
                return
        await self.app(scope, receive, send)
