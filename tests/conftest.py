"""Shared fixtures: one engine per test session (building it loads jieba's dictionary, ~1 s)."""

from __future__ import annotations

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

from app.api.main import create_app
from app.auth import keys
from app.auth.roles import Role
from app.core.engine import Engine, build_engine
from app.core.normalize import Normalizer
from app.db.session import Database
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
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    threading.Thread(target=srv.run, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return srv


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
TEST_SETTINGS = {"watch_content": False, "rate_limit_per_minute": 0, "auth_failures_per_minute": 100_000}


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
