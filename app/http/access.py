"""Each request: its id, its count and latency by route, and its access-log line.

- Request id: a client's or proxy's ``X-Request-ID`` is kept when it looks like an id (``_VALID``: 1–64
  letters, digits and ``.-_:``), else a new one is made (a header of any other shape could carry personal
  data or forge log fields). It is echoed in the answer's ``X-Request-ID`` and set in ``app.logs.REQUEST_ID``,
  so that every log line written while the request is served carries it.
- Metrics: the route's template (``/v1/cases/{case_id}``, never the raw path: ids would make a series per
  case) and the status, with the time from arrival to the end of the answer (app/metrics.py).
  A path no route knows is ``unmatched``.
- Access log (``ACCESS_LOG``): one line per request on the ``app.access`` logger: method, route, status,
  duration, the key's public id and shops, the client, the request id, and the path with its query string
  decoded (so that the formatter's masking sees the Chinese and digits a client sent percent-encoded; phones,
  ID numbers and addresses come out masked, app/logs.py). Bodies are never logged.

The outermost layer of the app (app/main.py), so that a 500 made by ``errors.CatchAll`` and its log line are
counted and carry the id. Measured cost (tests/test_metrics.py prints it): a few µs per request without the
log line; the line itself is the formatter's masking.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import REQUEST_ID
from app.metrics import observe_request

log = logging.getLogger("app.access")

HEADER = b"x-request-id"
_VALID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_MAX_PATH = 300  # the logged path and query, cut short: a log line is no place for a long URL


def request_id(scope: Scope) -> str:
    """The id the client sent when it is a valid one, else a new one (16 hex digits)."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            given = value.decode("latin-1")
            return given if _VALID.fullmatch(given) else secrets.token_hex(8)
    return secrets.token_hex(8)


def route_of(scope: Scope) -> str:
    """The template of the route Starlette matched (it leaves the route in the scope; a mount's is
    ``/static/{path}``), else ``unmatched``."""
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else "unmatched"


class Access:
    def __init__(self, app: ASGIApp, *, log_requests: bool = True) -> None:
        self.app = app
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        token = REQUEST_ID.set(rid)
        # request.state lives in this dict: the route's principal (app/auth/guard.py) is read from it afterwards.
        state = scope.setdefault("state", {})
        status = 500  # no answer begun when the app fails: the server (or errors.CatchAll) answers 500
        echoed = (HEADER, rid.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: a response object may be sent again (a cached one) and must not keep our header.
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            observe_request(scope["method"], route, status, seconds)
            if self.log_requests:
                _line(scope, state, route, status, seconds)
            REQUEST_ID.reset(token)


def _line(scope: Scope, state: dict[str, Any], route: str, status: int, seconds: float) -> None:
    principal = state.get("principal")
    key = getattr(principal, "key_id", None) or "-"
    shops = ",".join(sorted(getattr(principal, "shops", ()))) or "-"
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    if query:
        path += "?" + unquote(query.decode("latin-1").replace("+", " "), errors="replace")
    client = scope.get("client")
    log.info(
        "%s %s %d %.1f ms key=%s shops=%s client=%s path=%s",
        scope["method"],
        route,
        status,
        seconds * 1000,
        key,
        shops,
        client[0] if client else "-",
        path[:_MAX_PATH],
        extra={
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "key_id": key,
            "shops": shops,
        },
    )
