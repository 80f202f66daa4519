"""Which addresses an outbound request may reach. A webhook URL is chosen by a shop's supervisor, so without
this check it would let them make the service call its own network: the database, a cloud's metadata service
(169.254.169.254), an admin port on loopback.

Every address the name resolves to is checked (one private address among public ones is enough to refuse),
when a target is saved and again at each delivery; the delivery then connects to the address it checked, not
to a second answer of the DNS (a name whose record changes between the check and the connection, "DNS
rebinding", would otherwise pass). OUTBOUND_ALLOW_PRIVATE lifts the check for tests and in-house receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

import httpx

from app.errors import FieldError

RESOLVE_SECONDS = 3.0  # getaddrinfo has no timeout of its own; a dead resolver must not hold a request
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The target cannot be reached by policy or by the DNS; the message is ours (no URL, no secret).
    ``transient``: the DNS failed, which may pass (a delivery retries); a policy refusal does not."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def forbidden(ip: IP) -> bool:
    """Private, loopback, link-local, multicast, reserved or unspecified; an IPv4 address inside IPv6
    (``::ffff:127.0.0.1``, 6to4, Teredo) is judged as the IPv4 address it carries."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return forbidden(inner)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> list[IP]:
    """Every address of ``host`` (a literal address is its own answer)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=RESOLVE_SECONDS)
    except FutureTimeout:
        raise Refused("域名解析超时 the name did not resolve in time", transient=True) from None
    except (OSError, UnicodeError):
        raise Refused("域名无法解析 the name does not resolve", transient=True) from None
    found: list[IP] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # drop an IPv6 zone id
        if ip not in found:
            found.append(ip)
    if not found:
        raise Refused("域名无法解析 the name does not resolve", transient=True)
    return found


def allowed_address(host: str, port: int, allow_private: bool) -> IP:
    """The address to connect to: the first one of ``host``, once every one of them passed."""
    found = resolve(host, port)
    if not allow_private:
        for ip in found:
            if forbidden(ip):
                raise Refused(
                    "目标地址属于内网、本机、链路本地或组播范围,已拒绝 the target resolves to a private, loopback, "
                    "link-local or multicast address (OUTBOUND_ALLOW_PRIVATE=true allows it)"
                )
    return found[0]


def host_and_port(url: str) -> tuple[str, int]:
    """The host and port ``url`` names; Refused when it is not an http(s) URL that both the standard library and
    httpx (which sends it) read the same way."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
        sent = httpx.URL(url)
    except (ValueError, httpx.InvalidURL):  # "http://a]b" (an unclosed IPv6 bracket), a port out of range …
        raise Refused("地址无效 the URL is not valid") from None
    if parts.scheme not in ("http", "https") or not host:
        raise Refused("只支持 http(s) 地址 only http and https URLs")
    if sent.host.strip("[]").lower() != host.lower():  # two parsers, two hosts: the check would judge the wrong one
        raise Refused("地址无效 the URL is not valid")
    return host, port or (443 if parts.scheme == "https" else 80)


def check_url(url: str, allow_private: bool, field: str = "body.url") -> None:
    """For a target being saved: a 422 naming the field when it may not be reached."""
    try:
        host, port = host_and_port(url)
        allowed_address(host, port, allow_private)
    except Refused as exc:
        raise FieldError(field, str(exc), code="target_refused") from None
