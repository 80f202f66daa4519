"""Failed keys per client address: only failures count, a valid key is never locked out, the address is
one the client cannot choose (TRUSTED_PROXIES), and the counters expire."""

from __future__ import annotations

import os
import time
import uuid
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import func, select

from app.auth.models import RateWindow
from app.auth.ratelimit import RateLimiter
from app.db.session import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import auth, free_port, make_key, run_server, wait_healthy
from tests.dbs import fresh_database

WRONG = "shk_000000000000_{:043d}"


@pytest.fixture
def serve(engine, database, tmp_path):
    """Start servers of their own (own database of the session's engine kind, small limits)."""
    started = []

    def start(**overrides):  # type: ignore[no-untyped-def]
        context = fresh_database(database.engine.dialect.name, tmp_path / uuid.uuid4().hex[:6])
        url = context.__enter__()
        db = Database(url)
        port = free_port()
        settings = Settings(port=port, watch_content=False, rate_limit_per_minute=0, **overrides)
        srv = run_server(create_app(settings, engine, db), port)
        started.append((srv, db, context))
        return f"http://127.0.0.1:{port}", db

    yield start
    for srv, db, context in started:
        srv.should_exit = True
        time.sleep(0.1)
        db.dispose()
        context.__exit__(None, None, None)


def test_wrong_keys_from_an_address_never_lock_out_a_valid_key(serve):
    """Behind one load balancer every user shares an address: one user's typos must not lock out the rest."""
    base, db = serve(auth_failures_per_minute=5)
    good = make_key(db, "bot", ("shop-a",))
    with httpx.Client(base_url=base, timeout=10) as c:
        wrong = [c.get("/v1/intents", headers=auth(WRONG.format(i))).status_code for i in range(8)]
        assert wrong[:5] == [401] * 5 and set(wrong[5:]) == {429}
        assert c.get("/v1/intents", headers=auth(good)).status_code == 200  # was 429 for the rest of the minute
        assert c.get("/v1/intents", headers=auth(good)).status_code == 200
        r = c.get("/v1/intents", headers=auth(WRONG.format(99)))  # wrong keys stay refused with 429
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(serve):
    base, _ = serve(auth_failures_per_minute=3)
    with httpx.Client(base_url=base, timeout=10) as c:
        codes = [
            c.get("/v1/intents", headers={**auth(WRONG.format(i)), "X-Forwarded-For": f"10.9.{i}.1"}).status_code
            for i in range(6)
        ]
    assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}, codes  # one client, however many it claims to be


def test_a_trusted_proxy_names_the_client_and_the_client_cannot(serve):
    base, db = serve(auth_failures_per_minute=3, trusted_proxies=("127.0.0.1",))
    with httpx.Client(base_url=base, timeout=10) as c:

        def wrong(forwarded: str) -> int:
            return c.get("/v1/intents", headers={**auth(WRONG.format(0)), "X-Forwarded-For": forwarded}).status_code

        # The client writes whatever it likes on the left; the proxy appends the address it saw.
        codes = [wrong(f"192.0.2.{i}, 203.0.113.7") for i in range(5)]
        assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}, codes
        assert wrong("203.0.113.8") == 401  # another client behind the same proxy has a budget of its own
        # Proxies in a chain are skipped from the right: the first address that is not one is the client.
        assert wrong("203.0.113.7, 127.0.0.1") == 429


def test_python_m_app_ignores_forwarded_for_from_loopback(tmp_path):
    """As `make run` serves: uvicorn used to trust X-Forwarded-For from 127.0.0.1, so each spoofed address got
    a fresh budget of failures (and left a row behind)."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "ADMIN_KEY_FILE": str(tmp_path / "admin-key.txt"),
        "AUTH_FAILURES_PER_MINUTE": "3",
        "WATCH_CONTENT": "0",
    }
    env.pop("TRUSTED_PROXIES", None)
    import subprocess
    import sys

    from app.settings import PROJECT_ROOT

    proc = subprocess.Popen(
        [sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        codes = [
            httpx.get(
                f"{base}/v1/intents",
                headers={**auth(WRONG.format(i)), "X-Forwarded-For": f"198.51.100.{i}"},
                timeout=5,
            ).status_code
            for i in range(8)
        ]
        assert codes[:3] == [401] * 3 and set(codes[3:]) == {429}, codes
        db = Database(env["DATABASE_URL"])
        with db.unit_of_work() as s:
            subjects = set(s.scalars(select(RateWindow.subject).where(RateWindow.subject.like("fail:%"))))
        db.dispose()
        assert subjects == {"fail:127.0.0.1"}, subjects  # one row per real source, not per claimed one
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_rate_limit_rows_and_counters_expire(database):
    """10,000 spoofed sources once left 10,000 rows for good: every subject's old windows are deleted."""
    clock = [2_000_000.0]
    limiter = RateLimiter(database, 5, max_slice=1, clock=lambda: clock[0])
    prefix = f"fail:expire-{uuid.uuid4().hex[:8]}-"

    def rows() -> int:
        with database.unit_of_work() as s:
            return (
                s.scalar(select(func.count()).select_from(RateWindow).where(RateWindow.subject.like(prefix + "%"))) or 0
            )

    for i in range(300):
        assert limiter.hit(f"{prefix}{i}") is None
    assert rows() == 300
    clock[0] += 60
    limiter.hit(f"{prefix}next")  # the window before stays: instances' clocks differ a little
    assert rows() == 301
    clock[0] += 60
    limiter.hit(f"{prefix}later")
    assert rows() == 2  # the 300 are gone; this window's row and the one before are left
    assert len(limiter._local) == 1  # and this instance forgot its counters of past windows


@pytest.mark.parametrize(
    ("host", "subject"),
    [
        ("203.0.113.7", "fail:203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "fail:2001:db8:1:2::/64"),  # one machine usually holds a whole /64
        ("2001:db8:1:2:ffff::9", "fail:2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "fail:203.0.113.7"),
        ("testclient", "fail:testclient"),
    ],
)
def test_failures_are_counted_per_address(host, subject):
    from app.auth.guard import source

    request = SimpleNamespace(client=SimpleNamespace(host=host))
    assert source(request) == subject  # type: ignore[arg-type]
