"""Which addresses a target may reach: every address of the name is checked, IPv4 inside IPv6 included."""

from __future__ import annotations

import ipaddress

import pytest

from app.errors import FieldError
from app.integrations.outbound.addresses import Refused, allowed_address, check_url, forbidden


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # a cloud's metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
    ],
)
def test_private_loopback_link_local_and_multicast_are_forbidden(address):
    assert forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert not forbidden(ipaddress.ip_address(address))


def test_a_name_is_judged_by_every_address_it_resolves_to():
    with pytest.raises(Refused):
        allowed_address("localhost", 80, allow_private=False)
    assert str(allowed_address("localhost", 80, allow_private=True)) in ("127.0.0.1", "::1")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "https://169.254.169.254/latest",
        "http://localhost/x",
        "ftp://1.1.1.1/",
        "http://0x7f000001/",  # 127.0.0.1 as the resolver reads it
        "http://127.1/",
        "http://1.1.1.1\\@127.0.0.1/",  # parsers that disagree on the host
        "http://5R]sP",  # an unclosed IPv6 bracket (found by schemathesis: it was a 500)
        "http://a.example:99999/",
    ],
)
def test_saving_a_private_target_is_a_422(url):
    with pytest.raises(FieldError) as raised:
        check_url(url, allow_private=False)
    assert raised.value.code == "target_refused" and raised.value.status_code == 422


def test_the_setting_allows_loopback():
    check_url("http://127.0.0.1:8080/hook", allow_private=True)
