"""One error shape for every failure: ``{"error": {"code", "message", "fields"?}}``, never the input echoed."""

from __future__ import annotations

import json
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError
from app.http import audit

log = logging.getLogger("app.errors")


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    body: dict = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


async def send_error(send: Send, status: int, code: str, message: str, *, close: bool = False) -> None:
    """The error shape from ASGI middleware, which answers before any route (and its handlers) runs. ``close``:
    the server closes the connection after it (a request whose body was not read cannot be followed by another)."""
    body = json.dumps(error_body(code, message), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_UNKNOWN = "不允许的字段 unknown field (not allowed here); see the API documentation"


def _field(err: dict) -> dict:
    # Pydantic puts the offending value in "input" and sometimes in "ctx"; neither goes back to the client.
    # The location is input too where the client chose a name: an unknown field's name, a key inside a
    # free-form object. An unknown field is named by the object it was found in; any other part of a
    # location that is not a plain name is written "*".
    parts = list(err.get("loc", ()))
    problem = err.get("type", "invalid")
    if problem == "extra_forbidden" and parts:
        parts.pop()
    loc = ".".join(str(p) if isinstance(p, int) or _NAME.match(str(p)) else "*" for p in parts)
    message = _UNKNOWN if problem == "extra_forbidden" else err.get("msg", "invalid value")
    return {"field": loc, "problem": problem, "message": message}


INVALID_JSON = error_body("invalid_json", "请求体不是合法的 JSON body is not valid JSON")


async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse(INVALID_JSON, 400)
    fields = list({tuple(f.items()): f for f in map(_field, errors)}.values())  # one per unknown-field parent
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return JSONResponse(error_body("invalid_request", summary, fields), 422)


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    if exc.status_code in (401, 403, 429):
        audit.refused(request.scope, exc.status_code, exc.code)
    return JSONResponse(error_body(exc.code, exc.message, exc.fields), exc.status_code, headers=exc.headers)


async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400:
        # FastAPI's only 400: a body it could not decode at all (not UTF-8), which its JSON errors do not
        # cover. The same answer as malformed JSON, as /v1/suggest (app/http/body.py) gives for it.
        return JSONResponse(INVALID_JSON, 400)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    return JSONResponse(
        error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
        exc.status_code,
        headers=getattr(exc, "headers", None),
    )


INTERNAL = error_body("internal_error", "服务内部错误,请稍后重试 internal error")


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error: %s", type(exc).__name__)
    return JSONResponse(INTERNAL, 500)


class CatchAll:
    """Turns an unexpected exception into the generic 500 and keeps the connection usable.

    Starlette's own last-resort handler answers and then re-raises, and the server closes the
    connection: a client's next request on that keep-alive connection would be reset. Here the
    exception stops, is logged (masked), and the client gets one clean JSON 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:
                raise  # half a response went out: only closing the connection is honest now
            log.exception("unexpected error: %s on %s %s", type(exc).__name__, scope["method"], scope["path"])
            await JSONResponse(INTERNAL, 500)(scope, receive, send)


def install(app: FastAPI) -> None:
    # Starlette types a handler as taking any Exception; each of ours takes the class it is registered for.
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(AppError, _app_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
