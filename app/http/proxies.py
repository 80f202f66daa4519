"""Who the client is: the connection's address, unless it comes from a load balancer listed in TRUSTED_PROXIES.

Failed keys are counted per client address, so that address must be one a client cannot choose. Any
client can send ``X-Forwarded-For``; only a proxy we trust adds a true one, at the right-hand end. So
the header is read only on a connection from a trusted proxy, from the right, and the first address
that is not itself a trusted proxy is the client: what a client wrote further left is never reached.
``X-Forwarded-Proto`` (the scheme the browser used, for the editor cookie's ``Secure`` flag) likewise.

uvicorn's own proxy handling trusts 127.0.0.1 by default, which let anything on the host (or anything
a local proxy forwards unchanged) pick a fresh address per request; every server this app runs on is
started with it off (``proxy_headers=False``) and this middleware decides instead.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(text: str) -> Address | None:
    """An address as proxies write it: ``1.2.3.4``, ``1.2.3.4:5678``, ``::1``, ``[::1]:80``; None if it is not one."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.trusted: tuple[Network, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in trusted)

    def _is_trusted(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and self.trusted and client and self._is_trusted(parse_address(client[0])):
            # In place, not a copy: the layers outside this one (the access log, app/http/access.py) read the
            # client and the route Starlette leaves in this same scope once the request is answered.
            scope.update(self._forwarded(scope, client[0]))
        await self.app(scope, receive, send)

    def _forwarded(self, scope: Scope, peer: str) -> dict[str, Any]:
        hops: list[str] = []
        proto = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                hops.extend(value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").strip().lower()
        host = peer
        for hop in reversed(hops):
            address = parse_address(hop)
            if address is None:
                break  # a hop no proxy would write: nothing left of it can be trusted either
            host = str(address)
            if not self._is_trusted(address):
                break
        changed: dict[str, Any] = {"client": (host, 0)}
        if proto in ("http", "https"):
            changed["scheme"] = proto
        return changed
