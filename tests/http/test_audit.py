"""Refused requests (401, 403, 429) are logged: masked, one line each, no secret, and throttled."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from app.logs import FORMAT, MaskingFormatter
from app.main import create_app
from app.settings import Settings
from tests.conftest import auth, free_port, make_key, run_server

SECRET = "Zq" * 21 + "x"  # 43 characters, the shape of a key's secret


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(MaskingFormatter(FORMAT))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def security_log() -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger("app.security")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def strict(engine, database):
    port = free_port()
    settings = Settings(port=port, watch_content=False, rate_limit_per_minute=0, auth_failures_per_minute=2)
    srv = run_server(create_app(settings, engine, database), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    time.sleep(0.1)


def test_401_403_and_429_are_logged_without_the_secret(strict, database, security_log):
    bot = make_key(database, "bot", ("shop-a",))
    with httpx.Client(base_url=strict, timeout=10) as c:
        assert c.get("/v1/intents", headers=auth(f"shk_abcdef012345_{SECRET}")).status_code == 401
        assert c.get("/v1/admin/keys", headers=auth(bot)).status_code == 403
        assert c.post("/v1/suggest", json={"message": "x", "shop_id": "shop-b"}, headers=auth(bot)).status_code == 403
        assert c.post("/v1/cases", json={}, headers={"Origin": "https://evil.example"}).status_code == 403
        assert c.get("/v1/intents", headers=auth(f"shk_abcdef012345_{SECRET}")).status_code == 401
        assert c.get("/v1/intents", headers=auth(f"shk_abcdef012345_{SECRET}")).status_code == 429
        # A path, like any input, can neither break the line nor leak a phone into it.
        forged = "/v1/admin/keys/x%0A2026-01-01 00:00:00,000 INFO app: forged 13912345678/revoke"
        assert c.post(forged, headers=auth("wrong")).status_code == 429
    text = "\n".join(security_log.lines)
    assert SECRET not in text
    assert len(security_log.lines) == 7, text
    assert "refused 401 unauthorized: GET /v1/intents from 127.0.0.1 key=abcdef012345" in security_log.lines[0]
    assert "refused 403 forbidden: GET /v1/admin/keys" in security_log.lines[1]
    assert f"key={bot.split('_')[1]}" in security_log.lines[1]
    assert "refused 403 shop_forbidden: POST /v1/suggest" in security_log.lines[2]
    assert "refused 403 forbidden_origin: POST /v1/cases" in security_log.lines[3]
    assert "refused 429 rate_limited: GET /v1/intents" in security_log.lines[5]
    assert "\n" not in security_log.lines[6] and "139****5678" in security_log.lines[6]


def test_a_flood_of_refusals_is_a_few_lines(strict, security_log):
    with httpx.Client(base_url=strict, timeout=10) as c:
        for i in range(40):
            c.get("/v1/intents", headers=auth(f"shk_{i:012x}_{SECRET}"))
    assert len(security_log.lines) == 10  # PER_SOURCE a minute for one address


def test_the_throttle_counts_what_it_held_back():
    from app.http.audit import Throttle

    clock = [0.0]
    throttle = Throttle(per_minute=3, per_source=2, clock=lambda: clock[0])
    assert [throttle.admit("a") for _ in range(4)] == [0, 0, None, None]
    assert throttle.admit("b") == 2  # the next line out says how many were held back
    assert throttle.admit("c") is None  # three lines a minute in all
    clock[0] += 60
    assert throttle.admit("a") == 1
