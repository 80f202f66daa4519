"""Security headers on every response; pages set their own Content-Security-Policy and keep it.

API answers may carry buyers' personal data, so no cache (browser or proxy) may keep them. JSON is
never rendered as a page, so its policy forbids everything, including being framed. ``object-src`` and
``base-uri`` are spelled out in every policy (PAGE_CSP_BASE for the pages): base-uri does not fall back to
default-src, and scanners rightly expect both to be explicit.

Strict-Transport-Security is a deployment choice (HSTS_SECONDS, off by default): the service itself speaks
plain HTTP, and only an operator who serves it over HTTPS alone (behind a TLS proxy) can promise browsers that.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP_BASE = "object-src 'none'; base-uri 'none'"  # every page's policy includes it
API_CSP = f"default-src 'none'; frame-ancestors 'none'; {PAGE_CSP_BASE}"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}" if hsts_seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if self.hsts is not None:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
                if not static:
                    headers.setdefault("Content-Security-Policy", API_CSP)
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
