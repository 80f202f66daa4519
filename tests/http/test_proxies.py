"""Who the client is: X-Forwarded-For counts only from a trusted proxy, read from the right."""

from __future__ import annotations

import pytest

from app.http.proxies import ClientAddress, parse_address


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:5678", "203.0.113.7"),
        ("::1", "::1"),
        ("[2001:db8::1]:80", "2001:db8::1"),
    ],
)
def test_addresses_as_proxies_write_them(text, parsed):
    assert str(parse_address(text)) == parsed


@pytest.mark.parametrize("text", ["", "unknown", "_hidden", "[::1", "1.2.3.4.5", "13812345678"])
def test_anything_else_is_no_address(text):
    assert parse_address(text) is None


def seen(trusted: tuple[str, ...], peer: str, *headers: tuple[bytes, bytes]) -> tuple[str, str]:
    got = {}

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        got.update(client=scope["client"][0], scheme=scope["scheme"])

    scope = {"type": "http", "client": (peer, 1234), "scheme": "http", "headers": list(headers)}
    call = ClientAddress(app, trusted)(scope, None, None)  # type: ignore[arg-type]
    with pytest.raises(StopIteration):  # nothing in it waits: one step runs it to the end, no event loop needed
        call.send(None)
    return got["client"], got["scheme"]


XFF, PROTO = b"x-forwarded-for", b"x-forwarded-proto"


@pytest.mark.parametrize(
    ("trusted", "peer", "headers", "client", "scheme"),
    [
        ((), "127.0.0.1", [(XFF, b"198.51.100.1"), (PROTO, b"https")], "127.0.0.1", "http"),  # nobody trusted
        (("10.0.0.0/8",), "192.0.2.9", [(XFF, b"198.51.100.1")], "192.0.2.9", "http"),  # not from the proxy
        (("10.0.0.0/8",), "10.0.0.2", [(XFF, b"6.6.6.6, 198.51.100.1"), (PROTO, b"https")], "198.51.100.1", "https"),
        (("10.0.0.0/8",), "10.0.0.2", [(XFF, b"198.51.100.1, 10.0.0.3")], "198.51.100.1", "http"),  # proxy chain
        (("10.0.0.0/8",), "10.0.0.2", [(XFF, b"6.6.6.6"), (XFF, b"198.51.100.1")], "198.51.100.1", "http"),
        (("10.0.0.0/8",), "10.0.0.2", [(XFF, b"6.6.6.6, garbage")], "10.0.0.2", "http"),  # a hop no proxy writes
        (("10.0.0.0/8",), "10.0.0.2", [(PROTO, b"gopher")], "10.0.0.2", "http"),
        (("::1/128",), "::1", [(XFF, b"[2001:db8::7]:443")], "2001:db8::7", "http"),
    ],
)
def test_the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy(trusted, peer, headers, client, scheme):
    assert seen(trusted, peer, *headers) == (client, scheme)
