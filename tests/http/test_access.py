"""Request ids and the access log, through the shared real server (both engines): an X-Request-ID is kept when it
is an id, replaced otherwise, echoed, and on every log line written while the request is served (on the event
loop and in the thread pool); one access line per request, personal data in the query string masked."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from app import logs
from app.http.access import request_id
from tests.conftest import unmasked_numbers

MADE = re.compile(r"[0-9a-f]{18,}")  # 12 hex digits of the process, 6 or more of the counter


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line the process writes while the test runs, as JSON lines (the production handler)."""
    stream = io.StringIO()
    handler = logs.handler(stream, "json")
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines_of(stream: io.StringIO, rid: str, want: int, timeout: float = 5) -> list[dict[str, object]]:
    """The records carrying ``rid``, once there are ``want`` of them: the access line is written just after
    the answer has gone out, so the client may read the answer first."""
    deadline = time.monotonic() + timeout
    while True:
        found = [json.loads(line) for line in stream.getvalue().splitlines()]
        mine = [r for r in found if r.get("request_id") == rid]
        if len(mine) >= want or time.monotonic() > deadline:
            return mine
        time.sleep(0.02)


@pytest.mark.parametrize("given", ["abc", "req-2026.12.07:x_Y", "0" * 64, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"])
def test_a_request_id_that_is_an_id_is_kept_and_echoed(client, given):
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["has space", "0" * 65, "a\tb", "<script>", "收货人张三".encode(), "a;b=c", ""])
def test_any_other_request_id_is_replaced(client, given):
    echoed = client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"]
    assert echoed != given and MADE.fullmatch(echoed)


def test_without_one_each_request_gets_its_own(client):
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5 and all(MADE.fullmatch(i) for i in ids)


def test_only_the_first_header_counts():
    scope = {"headers": [(b"x-request-id", b"first"), (b"x-request-id", b"second")]}
    assert request_id(scope) == "first"


def test_the_id_is_on_every_line_of_its_request_on_the_loop_and_in_the_thread_pool(client, captured):
    # Plain suggestions are answered on the event loop; with a conversation the work goes to the thread pool.
    for rid, body in (
        ("trace-loop-1", {"message": "杯子碎了 电话13812345678"}),
        ("trace-pool-1", {"message": "杯子碎了", "conversation_id": "trace-pool", "shop_id": "trace"}),
    ):
        r = client.post("/v1/suggest", json=body, headers={"X-Request-ID": rid})
        assert r.status_code == 200 and r.headers["x-request-id"] == rid
        mine = lines_of(captured, rid, 2)
        loggers = [str(r["logger"]) for r in mine]
        assert "app.suggest" in loggers and "app.access" in loggers, loggers  # the debug line and the access line
        assert all(not unmasked_numbers(json.dumps(r, ensure_ascii=False)) for r in mine)
    suggest_lines = [json.loads(x) for x in captured.getvalue().splitlines() if '"app.suggest"' in x]
    assert all(r["request_id"] for r in suggest_lines)  # no suggest line of this test without its id


def test_the_access_line_says_who_what_and_how_long_and_masks_the_query(client, captured, admin_key):
    phone = "13912345678"
    address = "浙江省杭州市西湖区文三路478号"
    r = client.get(
        f"/v1/cases?buyer_ref={phone}&q={quote(address)}&spaced={quote('139 8765 4321')}&page_size=1",
        headers={"X-Request-ID": "access-line-1"},
    )
    assert r.status_code in (200, 422)  # unknown parameters are ignored or refused: either way, one line
    (line,) = [x for x in lines_of(captured, "access-line-1", 1) if x["logger"] == "app.access"]
    text = json.dumps(line, ensure_ascii=False)
    assert phone not in text and "139****5678" in text and "139****4321" in text
    assert "文三路478号" not in text and "杭州市西湖区****" in text
    assert not unmasked_numbers(text)
    assert line["method"] == "GET" and line["route"] == "/v1/cases" and line["status"] == r.status_code
    assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    assert line["key_id"] == admin_key.split("_")[1] and line["shops"] == "*"
    assert line["level"] == "INFO" and isinstance(line["process"], int)


def test_an_unmatched_path_is_logged_by_its_path_and_counted_as_unmatched(client, captured):
    assert client.get("/nowhere/13812345678", headers={"X-Request-ID": "unmatched-1"}).status_code == 404
    (line,) = [x for x in lines_of(captured, "unmatched-1", 1) if x["logger"] == "app.access"]
    assert line["route"] == "unmatched" and line["status"] == 404
    assert "/nowhere/138****5678" in str(line["message"])


def test_text_lines_end_with_the_request_id(client):
    stream = io.StringIO()
    handler = logs.handler(stream)
    logging.getLogger().addHandler(handler)
    try:
        client.get("/healthz?phone=13812345678", headers={"X-Request-ID": "text-line-1"})
        deadline = time.monotonic() + 5
        while "text-line-1" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = [x for x in stream.getvalue().splitlines() if x.endswith("request_id=text-line-1")]
    assert " INFO app.access: GET /healthz 200 " in line and "phone=138****5678" in line


def test_a_request_nobody_answered_is_499_and_one_that_failed_is_500():
    import asyncio

    from prometheus_client import REGISTRY

    from app.http.access import Access

    async def silent(scope, receive, send):  # type: ignore[no-untyped-def]
        return  # as a layer does when the client went away before the body arrived

    async def failing(scope, receive, send):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    async def send(message):  # type: ignore[no-untyped-def]
        raise AssertionError("nothing is sent")

    def count(status: str) -> float:
        labels = {"method": "PUT", "route": "unmatched", "status": status}
        return REGISTRY.get_sample_value("shouhou_http_requests_total", labels) or 0.0

    scope = {"type": "http", "method": "PUT", "path": "/x", "headers": []}
    before = count("499"), count("500")
    asyncio.run(Access(silent, log_requests=False)(dict(scope), None, send))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        asyncio.run(Access(failing, log_requests=False)(dict(scope), None, send))  # type: ignore[arg-type]
    assert (count("499") - before[0], count("500") - before[1]) == (1, 1)
