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
counted and carry the id. Cost per request, CPU, measured in process around a bare ASGI app (2026-12-07, the
2-core CI machine): the id and the metrics 3–6 µs (one process or multiprocess files); the access line ~20 µs
(text) or ~32 µs (JSON): its writer masks the two parts the client sent (method, path with query) and marks the
line so that the formatter does not mask the whole of it again (it took ~95 µs, a fifth of a suggestion, when
it did). ``ACCESS_LOG=0`` turns it off.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.privacy import mask
from app.logs import PREMASKED, REQUEST_ID
from app.metrics import observe_request

log = logging.getLogger("app.access")

HEADER = b"x-request-id"
_VALID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_MAX_PATH = 300  # the logged path and query, cut short: a log line is no place for a long URL


class _Ids:
    """New ids: this process's random prefix and a counter (unique, not secret: an id is no credential),
    ~10 times cheaper than reading the system's random source per request. A forked worker draws its own
    prefix, so two workers never give the same id."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.prefix = secrets.token_hex(6)
        self.counter = itertools.count(1)

    def new(self) -> str:
        return f"{self.prefix}{next(self.counter):06x}"


_ids = _Ids()
os.register_at_fork(after_in_child=_ids.reset)


def request_id(scope: Scope) -> str:
    """The id the client sent when it is a valid one, else a new one (12 hex digits and a counter)."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            given = value.decode("latin-1")
            return given if _VALID.fullmatch(given) else _ids.new()
    return _ids.new()


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
        status = 0  # no answer begun yet
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
        except BaseException:
            status = status or 500  # the server answers 500 for a failure no layer answered
            raise
        finally:
            status = status or 499  # nothing answered and nothing failed: the client went away first (nginx's 499)
            seconds = time.perf_counter() - started
            route = route_of(scope)
            observe_request(scope["method"], route, status, seconds)
            if self.log_requests:
                _line(scope, state, route, status, seconds)
            REQUEST_ID.reset(token)


def _line(scope: Scope, state: dict[str, Any], route: str, status: int, seconds: float) -> None:
    principal = state.get("principal")
    key = getattr(principal, "key_id", None) or "-"
    shops = mask(",".join(sorted(getattr(principal, "shops", ())))) or "-"  # a shop id may be any digits
    path = scope.get("path", "")
    query = scope.get("query_string", b"")
    if query:
        path += "?" + unquote(query.decode("latin-1").replace("+", " "), errors="replace")
    client = scope.get("client")
    # Only the method and the path come from the client: they are masked here, once, and the line is marked
    # so that the formatter does not mask it again (app/logs.py PREMASKED). The route is a template, the key
    # id, shops and address are ours.
    method = mask(scope["method"])
    log.info(
        f"{method} {route} {status} {seconds * 1000:.1f} ms key={key} shops={shops} "
        f"client={client[0] if client else '-'} path={mask(path[:_MAX_PATH])}",
        extra={
            PREMASKED: True,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "key_id": key,
            "shops": shops,
        },
    )
