"""Body size limit as ASGI middleware, checked on Content-Length and on the bytes actually sent.

The body is read up front (at most ``max_bytes``) and replayed to the app: rejecting part-way through
the app's own read would surface as a parsing error inside the framework instead of a clean 413.

A body over the limit is read to its end and dropped (up to ``DRAIN_BYTES``) before the 413 goes out. Answering
first and closing on the unread bytes made the kernel reset the connection, and a client still sending (urllib,
most HTTP libraries) got "connection reset" instead of the 413: 21 of 30 tries at 2 MiB. A client that
asked to be told first (``Expect: 100-continue``) has sent nothing yet and gets the 413 at once.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import send_error

DRAIN_BYTES = 16 * 1024 * 1024  # beyond this a body is not worth reading to answer it: the connection closes


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # paths whose bodies may be bigger (the suggest batch), and how big

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.larger:
            limit = self.larger[scope["path"]]
        else:
            limit = self.max_bytes
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = None
        waits = False
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit():
                declared = int(value)
            elif name == b"expect" and value.lower() == b"100-continue":
                waits = True
        if declared is not None and declared > limit:
            if waits or declared > DRAIN_BYTES:
                await self._reject(send, limit)  # nothing read: the server's "100 Continue" is never sent
            else:
                await self._drain_and_reject(receive, send, 0, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                if message.get("more_body", False):
                    await self._drain_and_reject(receive, send, size, limit)
                else:
                    await self._reject(send, limit, close=False)  # all of it read: the connection may go on
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _drain_and_reject(self, receive: Receive, send: Send, size: int, limit: int) -> None:
        """Read the rest of the body and drop it, so that the client, done sending, reads the 413. A client
        that never finishes is stopped by the server's read deadline (app/serving.py)."""
        while size <= DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                await self._reject(send, limit, close=False)
                return
        await self._reject(send, limit)

    async def _reject(self, send: Send, limit: int, *, close: bool = True) -> None:
        await send_error(
            send,
            413,
            "payload_too_large",
            f"请求体超过 {limit} 字节 body over {limit} bytes",
            close=close,
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
