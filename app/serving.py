"""How every server of ours runs the app (``python -m app`` and each forked worker): one uvicorn configuration,
with a deadline for reading each request.

uvicorn gives a client no deadline to send its request: its keep-alive timeout only covers the wait between
two requests. A client that sends its headers a byte at a time, or announces a body and never finishes it,
held its connection for as long as it liked (200 such connections for 60 s in the test that found it), and
enough of them take every file descriptor. Here a request must arrive whole, headers and body, within
``READ_TIMEOUT_SECONDS`` of its first byte (a connection that sends nothing at all: of its opening). A client
too slow gets a 408 and the connection closes; one that never sent a byte is just closed.

The deadline lives in the HTTP protocol, the only place that sees a request before its headers are complete:
a subclass of uvicorn's httptools protocol (given to uvicorn as ``Config(http=...)``, a documented option),
which only adds a timer around the parser's own callbacks.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.http.errors import error_body
from app.http.headers import API_CSP
from app.settings import Settings

STARTUP_FAILURE = 3  # uvicorn's exit status when the server could not start (the port is taken …)


def config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration of every server of ours; ``options`` for the few a caller adds."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # uvicorn would trust X-Forwarded-For from 127.0.0.1; TRUSTED_PROXIES decides (app/http/proxies.py)
        http=read_deadline(settings.read_timeout_seconds),
        **options,
    )


def serve(app: Any, settings: Settings) -> int:
    """Serve until stopped (SIGINT, SIGTERM); the exit status, 3 when the server could not start."""
    server = uvicorn.Server(config(app, settings))
    server.run()
    return 0 if server.started else STARTUP_FAILURE


def read_deadline(seconds: float) -> type[asyncio.Protocol]:
    """The HTTP protocol with a deadline of ``seconds`` for each request to arrive."""

    class ReadDeadlineProtocol(_ReadDeadline):
        read_timeout = seconds

    return ReadDeadlineProtocol


class _ReadDeadline(HttpToolsProtocol):
    read_timeout = 10.0
    _timer: asyncio.TimerHandle | None = None
    # Where the connection is: "idle" (nothing of a request yet), "head" (a request begun, its headers not
    # complete), "body" (headers complete, body not yet whole), "served" (the request arrived whole).
    _phase = "idle"

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._timer is None:  # the first bytes after a request was served: the next one starts
            self._arm()
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = "head"
        self._arm()  # counted from the request's first byte, not from the end of the one before

    def on_headers_complete(self) -> None:
        self._phase = "body"
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase = "served"
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._timer = self.loop.call_later(self.read_timeout, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:
            # We stopped reading, not the client: a pipelined request waits for the answer to the one before,
            # or the app has not taken the body buffered so far. The client is not the slow one.
            self._arm()
            return
        cycle = self.cycle
        answering = self._phase == "body" and cycle is not None and cycle.response_started
        if self._phase in ("head", "body") and not answering:
            self.transport.write(self._timeout_answer())
        self.transport.close()

    def _timeout_answer(self) -> bytes:
        seconds = f"{self.read_timeout:g}"
        body = json.dumps(
            error_body("request_timeout", f"请求未在 {seconds} 秒内发完 request not received within {seconds} s"),
            ensure_ascii=False,
        ).encode()
        head = (
            "HTTP/1.1 408 Request Timeout\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n"
            "x-content-type-options: nosniff\r\n"
            "referrer-policy: no-referrer\r\n"
            f"content-security-policy: {API_CSP}\r\n"
            "cache-control: no-store\r\n\r\n"
        )
        return head.encode() + body
