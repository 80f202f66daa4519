"""Failures: a broken database gives a generic 500 and the service goes on; SIGTERM loses no acknowledged write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.db.session import Database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SETTINGS, auth, free_port, make_key, run_server, wait_healthy
from tests.dbs import fresh_database

PHONE = "13912345678"


def test_an_unexpected_error_is_a_generic_500_and_the_next_request_works(engine, tmp_path, caplog):
    with fresh_database("sqlite", tmp_path) as url:
        db = Database(url)
        key = make_key(db)
        port = free_port()
        srv = run_server(create_app(Settings(port=port, **TEST_SETTINGS), engine, db), port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth(key), timeout=10) as c:
                # Losing a table is a failure no handler expects: the error it raises holds SQL and the input.
                with db.engine.begin() as conn:
                    conn.execute(text("DROP TABLE case_events"))
                r = c.post("/v1/suggest", json={"message": f"杯子碎了 电话{PHONE}", "conversation_id": "boom"})
                assert r.status_code == 500
                assert r.json() == {
                    "error": {"code": "internal_error", "message": "服务内部错误,请稍后重试 internal error"}
                }
                for leak in ("Traceback", "case_events", "INSERT", "sqlite", PHONE):
                    assert leak not in r.text
                # The next request is served as usual.
                ok = c.post("/v1/suggest", json={"message": "杯子碎了"})
                assert ok.status_code == 200 and ok.json()["intents"][0]["id"] == "damaged"
                assert c.get("/healthz").status_code == 200
        finally:
            srv.should_exit = True
            time.sleep(0.2)
            db.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sigterm_during_case_writes_loses_no_acknowledged_write(kind, tmp_path):
    with fresh_database(kind, tmp_path) as url:
        db = Database(url)
        key = make_key(db)
        with db.unit_of_work() as s:
            from app.cases import service

            case, _ = service.open_or_find(
                s, shop_id="sig", scope=None, intent="damaged", now=_now(), conversation_id="sig"
            )
            case_id = case.id
        port = free_port()
        env = {
            **os.environ,
            "PORT": str(port),
            "DATABASE_URL": url,
            "WATCH_CONTENT": "0",
            "RATE_LIMIT_PER_MINUTE": "0",
            "LOG_LEVEL": "warning",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "app"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        acknowledged: list[int] = []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n: int) -> None:
            with httpx.Client(base_url=base, headers=auth(key), timeout=10) as c:
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        r = c.post(f"/v1/cases/{case_id}/events", json={"type": "note", "data": {"text": f"w{n}-{i}"}})
                    except httpx.TransportError:
                        continue  # refused or cut off: not acknowledged, so not counted
                    if r.status_code == 201:
                        with lock:
                            acknowledged.append(r.json()["id"])

        try:
            wait_healthy(base, proc)
            threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
            for t in threads:
                t.start()
            while len(acknowledged) < 150:
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)  # in the middle of the stream
            # uvicorn drains in-flight requests, then re-raises the signal so the exit status tells the truth.
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
            stop.set()
            for t in threads:
                t.join()
        finally:
            stop.set()
            if proc.poll() is None:
                proc.kill()
        stored = create_engine(url)
        with stored.connect() as conn:
            ids = {
                row[0] for row in conn.execute(text("SELECT id FROM case_events WHERE case_id = :c"), {"c": case_id})
            }
        stored.dispose()
        db.dispose()
        assert len(acknowledged) >= 150
        assert set(acknowledged) <= ids, f"lost {len(set(acknowledged) - ids)} acknowledged writes"


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
