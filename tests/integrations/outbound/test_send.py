"""One attempt against a fake receiver: what is retried and what fails at once."""

from __future__ import annotations

import pytest

from app.integrations.outbound.delivery import Policy, send
from app.integrations.outbound.formats import Outgoing
from tests.integrations.outbound.receivers import Receiver

ALLOW = Policy(allow_private=True, timeout_seconds=5)


@pytest.mark.parametrize(
    ("status", "retry"),
    [(500, True), (503, True), (429, True), (408, True), (404, False), (400, False), (302, False), (301, False)],
)
def test_which_answers_are_retried(status, retry):
    rx = Receiver([(status, b"{}")])
    try:
        result = send("webhook", Outgoing(rx.url + "/h", {"Content-Type": "application/json"}, b"{}"), ALLOW)
        assert result.status_code == status and result.error == f"HTTP {status}" and result.retry is retry
        assert len(rx.received) == 1  # a redirect is not followed
        assert result.duration_ms >= 0
    finally:
        rx.close()


def test_a_2xx_is_delivered_and_the_host_header_names_the_target():
    rx = Receiver([(204, b"")])
    try:
        result = send("webhook", Outgoing(rx.url + "/h", {}, b"{}"), ALLOW)
        assert result.error is None and result.status_code == 204
        assert rx.received[0].headers["host"] == rx.url.removeprefix("http://")
    finally:
        rx.close()


def test_a_name_that_does_not_resolve_is_retried_and_a_refused_address_is_not():
    unresolved = send("webhook", Outgoing("http://no-such-host.invalid/h", {}, b"{}"), ALLOW)
    assert unresolved.status_code is None and unresolved.retry is True
    refused = send("webhook", Outgoing("http://127.0.0.1:9/h", {}, b"{}"), Policy(allow_private=False))
    assert refused.retry is False and "OUTBOUND_ALLOW_PRIVATE" in (refused.error or "")


def test_a_closed_port_is_a_connection_failure_in_our_words():
    result = send("webhook", Outgoing("http://127.0.0.1:9/secret-path?key=tok", {}, b"{}"), ALLOW)
    assert result.retry is True and result.error is not None
    assert "tok" not in result.error and "secret-path" not in result.error
