"""Shared fixtures: one engine per test session (building it loads jieba's dictionary, ~1 s)."""

from __future__ import annotations

import logging
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.auth import service as keys
from app.auth.roles import Role
from app.core.engine import Engine, build_engine
from app.core.normalize import Normalizer
from app.db.session import Database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.dbs import ENGINES, fresh_database

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def normalizer() -> Normalizer:
    return Normalizer()


@pytest.fixture(scope="session")
def engine(normalizer: Normalizer) -> Engine:
    return build_engine(PROJECT_ROOT, Settings().cache_dir, normalizer=normalizer)


@pytest.fixture(scope="session", params=ENGINES)
def database(request, tmp_path_factory) -> Database:
    """One migrated database per engine for the session; tests isolate themselves by their own ids."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        db = Database(url)
        yield db
        db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_server(app, port: int, timeout: float = 30) -> uvicorn.Server:  # type: ignore[no-untyped-def]
    """Serve ``app`` on 127.0.0.1:``port`` in a thread; returns once it accepts connections."""
    # proxy_headers off as in production (app/__main__.py): the app decides whom to trust (TRUSTED_PROXIES)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", proxy_headers=False)
    srv = uvicorn.Server(config)
    threading.Thread(target=srv.run, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return srv


def wait_healthy(base: str, proc, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Until a ``python -m app`` subprocess answers /healthz; fails at once if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if getattr(proc, "stderr", None) else "exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("service did not start")


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    """A private copy of the shipped content, for tests that edit it."""
    for sub in ("intents", "phrasebook", "policy"):
        shutil.copytree(PROJECT_ROOT / sub, tmp_path / sub)
    return tmp_path


def make_key(db: Database, role: str = "admin", shops: tuple[str, ...] = ("*",), **kwargs) -> str:  # type: ignore[no-untyped-def]
    with db.unit_of_work() as s:
        return keys.create(s, Role(role), shops, datetime.now(UTC), **kwargs).secret


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# The shared test server: limits high enough that the suite's own traffic never trips them; the limits
# themselves are tested on servers of their own.
# The outbound worker off: no test server sends webhooks unless its test starts one (tests/integrations/outbound/).
# The daily purge stays off: tests purge with their own clock (tests/privacy/).
TEST_SETTINGS = {
    "watch_content": False,
    "rate_limit_per_minute": 0,
    "auth_failures_per_minute": 100_000,
    "outbound_poll_seconds": 0,
    "purge_daily": False,
}


@pytest.fixture(scope="session")
def admin_key(database) -> str:
    return make_key(database)


@pytest.fixture(scope="session")
def server(engine, database) -> Iterator[str]:
    port = free_port()
    srv = run_server(create_app(Settings(port=port, **TEST_SETTINGS), engine, database), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True


@pytest.fixture(scope="session")
def client(server, admin_key) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10, headers=auth(admin_key)) as c:
        yield c


# ---- Every log line the suite's traffic produces, scanned for personal data at the end of the session ----
# The in-process servers log through the production handler (app.logs.handler) at DEBUG for our own
# loggers, which write each buyer message; the scan uses its own detector, not the masker's patterns.
_LOG_FILE = PROJECT_ROOT / ".cache" / "test-logs" / "session.log"
_FULLWIDTH = str.maketrans("０１２３４５６７８９零〇○一幺二两三四五六七八九", "012345678900011223456789")
_JOINED_PHONE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
# Between digits: spaces (also U+3000 and no-break), tabs, dashes, dots, slashes, and the same escaped by a
# repr (\t, \u3000), as a log line may show them.
_SEPARATED = re.compile(r"(?<=[0-9])(?:[ \t\u3000\u00a0\-./]|\\t|\\u3000|\\xa0){1,2}(?=[0-9])")


def unmasked_numbers(line: str) -> list[str]:
    """Mobile numbers in clear, however written (full-width or Chinese numerals, +86, separators between
    digits, escaped separators)."""
    flat = _SEPARATED.sub("", line.translate(_FULLWIDTH))
    return _JOINED_PHONE.findall(flat)


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    import os

    from app import logs

    # Servers the tests start on empty databases write a first-start admin key: never over the developer's
    # own ./data/admin-key.txt (the subprocesses inherit this).
    os.environ["ADMIN_KEY_FILE"] = str(_LOG_FILE.parent / "admin-key.txt")

    _LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    stream = _LOG_FILE.open("w", encoding="utf-8")
    config._pii_log = stream
    h = logs.handler(stream)
    h.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(h)
    logging.getLogger().setLevel(min(logging.getLogger().level or logging.WARNING, logging.INFO))
    logging.getLogger("app").setLevel(logging.DEBUG)


def pytest_sessionfinish(session, exitstatus) -> None:  # type: ignore[no-untyped-def]
    stream = getattr(session.config, "_pii_log", None)
    if stream is None:
        return
    stream.flush()
    lines = _LOG_FILE.read_text(encoding="utf-8").splitlines()
    leaks = [(n, found) for n, line in enumerate(lines, 1) for found in unmasked_numbers(line)]
    session.config._pii_report = (len(lines), leaks)
    if leaks:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    import sys

    fuzz = sys.modules.get("tests.test_fuzz")
    if fuzz is not None and fuzz.RUN:
        terminalreporter.write_line(
            f"schemathesis: {sum(fuzz.RUN.values())} generated requests over "
            f"{len(fuzz.RUN)} operations (both database engines)"
        )
    if fuzz is not None and fuzz.STATEFUL:
        st = fuzz.STATEFUL
        terminalreporter.write_line(
            f"schemathesis stateful: {st['scenarios']} scenarios, {st['steps']} steps, {st['links']} links "
            f"followed ({len(fuzz.LINKS_FOLLOWED)} distinct), {st['restarts']} suites restarted, "
            f"{st['seconds']} s (both database engines)"
        )
    report = getattr(config, "_pii_report", None)
    if report is None:
        return
    scanned, leaks = report
    terminalreporter.write_line(
        f"personal data in logs: {scanned} log lines scanned ({_LOG_FILE}), {len(leaks)} unmasked phone numbers"
    )
    for n, found in leaks[:20]:
        terminalreporter.write_line(f"  line {n}: {found}", red=True)
