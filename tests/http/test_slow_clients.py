"""Slow clients are timed out: a request must arrive whole, headers and body, within READ_TIMEOUT_SECONDS.

Before, 200 connections that sent their headers a byte at a time were held for as long as they liked (60 s in
the test that found it). The real entry point, as `make run` starts it, with a deadline of one second.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import free_port, wait_healthy

DEADLINE = 1.0


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("slow")
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'slow.db'}",
        "WATCH_CONTENT": "0",
        "READ_TIMEOUT_SECONDS": str(DEADLINE),
        "ACCESS_LOG": "0",  # stderr is a pipe nobody reads: a line per request would fill it and stall the server
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def until_closed(sock: socket.socket, limit: float = 5.0) -> tuple[bytes, float]:
    """What the server sends until it closes the connection, and how long that took (fails past ``limit``)."""
    started = time.monotonic()
    sock.settimeout(limit)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except TimeoutError:
        pytest.fail(f"the server held the connection for over {limit} s: {answer[:80]!r}")
    except ConnectionResetError:
        pass
    return answer, time.monotonic() - started


def test_headers_that_never_end_get_408_and_the_connection_closes(service):
    with socket.create_connection(("127.0.0.1", service)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        answer, took = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
    assert b'"request_timeout"' in answer and b"connection: close" in answer.lower()
    assert DEADLINE * 0.8 < took < DEADLINE + 2


def test_a_body_that_never_ends_gets_408(service):
    with socket.create_connection(("127.0.0.1", service)) as sock:
        sock.sendall(b"POST /v1/suggest HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n")
        sock.sendall(b"Content-Length: 100\r\n\r\n" + b'{"message": "')
        answer, took = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
    assert took < DEADLINE + 2


def test_a_connection_that_sends_nothing_is_closed(service):
    with socket.create_connection(("127.0.0.1", service)) as sock:
        answer, took = until_closed(sock)
    assert answer == b"" and took < DEADLINE + 2


def test_a_kept_alive_connection_that_stalls_in_its_next_request_is_closed(service):
    with socket.create_connection(("127.0.0.1", service)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        time.sleep(0.2)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        answer, took = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 ") and took < DEADLINE + 2


def test_a_slow_request_within_the_deadline_is_answered(service):
    with socket.create_connection(("127.0.0.1", service)) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: test\r\n", b"Connection: close\r\n", b"\r\n"):
            sock.sendall(piece)
            time.sleep(DEADLINE / 6)
        answer, _ = until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_many_slow_connections_are_all_let_go_and_others_are_served_meanwhile(service):
    socks = []
    for _ in range(100):
        sock = socket.create_connection(("127.0.0.1", service))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        socks.append(sock)
    results: list[bytes] = []

    def wait(sock: socket.socket) -> None:
        with sock:
            try:
                results.append(until_closed(sock)[0])
            except BaseException:  # noqa: BLE001 - held past the limit: counted below, not raised in a thread
                results.append(b"held")

    threads = [threading.Thread(target=wait, args=(s,)) for s in socks]
    for t in threads:
        t.start()
    assert httpx.get(f"http://127.0.0.1:{service}/healthz", timeout=5).status_code == 200
    for t in threads:
        t.join(timeout=15)
    assert len(results) == 100 and all(r.startswith(b"HTTP/1.1 408 ") for r in results)
