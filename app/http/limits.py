"""Body size limit as ASGI middleware, checked on Content-Length and on the bytes actually sent.

The body is read up front (at most ``max_bytes``) and replayed to the app: rejecting part-way through
the app's own read would surface as a parsing error inside the framework instead of a clean 413.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import send_error


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._reject(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _reject(self, send: Send) -> None:
        await send_error(
            send, 413, "payload_too_large", f"请求体超过 {self.max_bytes} 字节 body over {self.max_bytes} bytes"
        )


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # after the body: disconnect notifications come from the server as usual

    return replayed


class NoNulInUrl:
    """A NUL in a path or query parameter reaches the database as text, which PostgreSQL refuses: a 422."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower()):
            await send_error(send, 422, "invalid_request", "网址不能包含 NUL 字符 the URL may not contain NUL (%00)")
            return
        await self.app(scope, receive, send)
