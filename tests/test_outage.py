"""A database outage degrades the service instead of failing it (issue 15, finding 2).

Fault tests on a real ``python -m app``: a PostgreSQL server of the test's own (tests/dbs.py) stopped and
started again under load, and a SQLite file made read-only and then writable again. Plain suggestions need
no database and keep being served; routes that need it answer 503 with Retry-After; the outage is two log
lines (its start and its end), never a traceback per request; the service recovers without a restart.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from app.auth.guard import Guard
from app.db.migrate import upgrade
from app.db.session import Database
from app.errors import Unavailable
from app.main import create_app
from app.ops import Readiness
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SETTINGS, auth, free_port, make_key, run_server, wait_healthy
from tests.dbs import PrivateCluster, fresh_database

OUTAGE_STARTS = re.compile(r"WARNING app\.db: database unavailable")
OUTAGE_ENDS = re.compile(r"WARNING app\.db: database available again")


@pytest.fixture(scope="module")
def private_cluster() -> Iterator[PrivateCluster]:
    c = PrivateCluster()
    try:
        c.start()
        upgrade(c.url)
        yield c
    finally:
        c.close()


@pytest.fixture
def cluster(private_cluster: PrivateCluster) -> Iterator[PrivateCluster]:
    """The module's server, running again after each test whatever the test did to it."""
    yield private_cluster
    if not private_cluster.running:
        private_cluster.start()


@dataclass
class Service:
    """A ``python -m app`` subprocess; its log (stderr) goes to a file the test reads as it goes."""

    base: str
    proc: subprocess.Popen[bytes]
    log: Path
    mark: int = 0

    def lines_since_mark(self) -> list[str]:
        """The log since the mark but the access lines (one per request, by design: app/http/access.py)."""
        with self.log.open("rb") as f:
            f.seek(self.mark)
            lines = f.read().decode("utf-8", "replace").splitlines()
        return [line for line in lines if " INFO app.access: " not in line]

    def set_mark(self) -> None:
        self.mark = self.log.stat().st_size


def start_service(url: str, tmp_path: Path, *, no_root_override: bool = False, **env: str) -> Service:
    port = free_port()
    log = tmp_path / "service.log"
    environment = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": url,
        "WATCH_CONTENT": "0",
        "LOG_LEVEL": "info",
        **env,
    }
    command = [sys.executable, "-m", "app"]
    if no_root_override and os.geteuid() == 0:
        # Root writes to a read-only file anyway (CAP_DAC_OVERRIDE): without that capability the service,
        # still root, meets the file's permissions as any deployed service does.
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to run the service without CAP_DAC_OVERRIDE as root"
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=out)
    service = Service(f"http://127.0.0.1:{port}", proc, log)
    wait_healthy(service.base, proc)
    return service


def stop_service(service: Service) -> None:
    if service.proc.poll() is None:
        service.proc.terminate()
        try:
            service.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.proc.kill()
            service.proc.wait()


@dataclass
class Tally:
    """Every answer of the load, by phase and kind of request."""

    phase: str = "before"
    statuses: dict[tuple[str, str], Counter[int]] = field(default_factory=dict)
    no_retry_after: int = 0  # 503s without a usable Retry-After
    transport_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, phase: str, kind: str, response: httpx.Response) -> None:
        with self.lock:
            self.statuses.setdefault((phase, kind), Counter())[response.status_code] += 1
            if response.status_code == 503 and not response.headers.get("retry-after", "").isdigit():
                self.no_retry_after += 1

    def of(self, phase: str, kind: str) -> Counter[int]:
        return self.statuses.get((phase, kind), Counter())

    def every_status(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for counts in self.statuses.values():
            total.update(counts)
        return total


def load(base: str, key: str, tally: Tally, stop: threading.Event, kind: str, case_id: int | None = None) -> None:
    """One client in a loop. The phase is read when a request starts: a request in flight when the database
    stops counts for the phase it started in."""
    messages = ["亲 收到的杯子碎了", "快递到哪了 怎么还没到", "少发了一件", "我要七天无理由退货"]
    with httpx.Client(base_url=base, headers=auth(key), timeout=30) as c:
        i = 0
        while not stop.is_set():
            i += 1
            phase = tally.phase
            try:
                if kind == "suggest":
                    r = c.post("/v1/suggest", json={"message": messages[i % len(messages)]})
                elif kind == "suggest_in_case":
                    r = c.post(
                        "/v1/suggest",
                        json={"message": messages[i % len(messages)], "conversation_id": f"outage-{i % 7}"},
                    )
                elif kind == "note":
                    r = c.post(f"/v1/cases/{case_id}/events", json={"type": "note", "data": {"text": f"n{i}"}})
                else:
                    r = c.get("/v1/cases", params={"page_size": 5})
            except httpx.TransportError as exc:
                with tally.lock:
                    tally.transport_errors.append(f"{kind}: {type(exc).__name__}")
                continue
            tally.add(phase, kind, r)


def wait_ready(base: str, timeout: float) -> float:
    """Seconds until /readyz says the database is back."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        r = httpx.get(f"{base}/readyz", timeout=10)
        if r.status_code == 200:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"/readyz did not recover within {timeout} s: {r.status_code} {r.text}")


def test_a_postgresql_outage_under_load_degrades_and_recovers_without_restart(cluster, tmp_path):
    db = Database(cluster.url)
    key = make_key(db, "agent", ("outage",))
    unseen = make_key(db, "bot", ("outage",))  # never used before the outage: no instance has it cached
    with db.unit_of_work() as s:
        from app.cases import service as cases

        case_id = cases.open_or_find(
            s, shop_id="outage", scope=None, intent="damaged", now=_now(), conversation_id="outage-notes"
        )[0].id
    db.dispose()
    # The key cache and the content follower expire within the outage, and every rate-limit slice (the limit
    # is high enough never to refuse the test's own load) is leased from the database: each of them meets it.
    service = start_service(
        cluster.url,
        tmp_path,
        AUTH_CACHE_SECONDS="0.5",
        CONTENT_CHECK_SECONDS="0.5",
        RATE_LIMIT_PER_MINUTE="1000000",
    )
    tally, stop = Tally(), threading.Event()
    kinds = ["suggest", "suggest", "suggest_in_case", "note", "cases"]
    threads = [
        threading.Thread(target=load, args=(service.base, key, tally, stop, kind, case_id), daemon=True)
        for kind in kinds
    ]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        service.set_mark()
        tally.phase = "outage"
        stopped_at = time.monotonic()
        cluster.stop("fast")
        time.sleep(1.0)
        ready = httpx.get(f"{service.base}/readyz", timeout=10)
        live = httpx.get(f"{service.base}/healthz", timeout=10)
        stranger = httpx.post(
            f"{service.base}/v1/suggest", json={"message": "杯子碎了"}, headers=auth(unseen), timeout=10
        )
        time.sleep(2.0)
        tally.phase = "restarting"
        restarted_at = time.monotonic()
        cluster.start()
        recovery = wait_ready(service.base, timeout=15)
        tally.phase = "after"
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        outage_seconds = restarted_at - stopped_at
        log = service.lines_since_mark()
    finally:
        stop.set()
        stop_service(service)

    figures = {
        "outage s": round(outage_seconds, 2),
        "recovered s after the restart": round(recovery, 2),
        **{f"{phase} {kind}": dict(tally.of(phase, kind)) for phase, kind in sorted(tally.statuses)},
        "log lines from the stop to the end": len(log),
    }
    print("\nPostgreSQL outage figures:", figures, *log, sep="\n  ")
    assert tally.transport_errors == [], tally.transport_errors[:5]
    every = tally.every_status()
    assert set(every) <= {200, 201, 503}, figures  # no 500, ever
    # Plain suggestions need no database: every one was answered, during the outage too.
    for phase in ("before", "outage", "restarting", "after"):
        assert set(tally.of(phase, "suggest")) == {200}, figures
    assert tally.of("outage", "suggest")[200] >= 50, figures
    # Routes that need the database said 503 with Retry-After during the outage, and work again after it.
    assert sum(tally.of("outage", kind)[503] for kind in ("suggest_in_case", "note", "cases")) >= 10, figures
    assert tally.no_retry_after == 0
    for kind in ("suggest_in_case", "note", "cases"):
        assert tally.of("before", kind)[503] <= 1, figures  # at most the one request in flight at the stop
        assert set(tally.of("after", kind)) <= {200, 201} and tally.of("after", kind).total() > 0, figures
    # Readiness tells the outage, liveness does not; a key this instance never checked cannot be checked now.
    assert ready.status_code == 503 and ready.headers["retry-after"].isdigit()
    assert ready.json()["database"]["status"] == "unavailable" and ready.json()["content"]["status"] == "ok"
    assert live.status_code == 200
    assert stranger.status_code == 503 and stranger.json()["error"]["code"] == "database_unavailable"
    # Two log lines for the whole outage: its start and its end, no traceback.
    assert not any("Traceback" in line for line in log), log[:20]
    assert len([line for line in log if OUTAGE_STARTS.search(line)]) == 1, log
    assert len([line for line in log if OUTAGE_ENDS.search(line)]) == 1, log
    assert len(log) <= 3, log
    assert recovery < 10


def test_a_sqlite_file_read_only_then_writable_again_recovers_without_restart(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        db = Database(url)
        key = make_key(db, "agent", ("ro",))
        with db.unit_of_work() as s:
            from app.cases import service as cases

            case_id = cases.open_or_find(
                s, shop_id="ro", scope=None, intent="damaged", now=_now(), conversation_id="ro-notes"
            )[0].id
        db.dispose()
        path = Path(url.removeprefix("sqlite:///"))
        service = start_service(url, tmp_path, no_root_override=True)
        tally = Tally()

        def writes(phase: str, threads: int, each: int) -> None:
            def one() -> None:
                with httpx.Client(base_url=service.base, headers=auth(key), timeout=60) as c:
                    for i in range(each):
                        r = c.post(
                            f"/v1/cases/{case_id}/events", json={"type": "note", "data": {"text": f"{phase}{i}"}}
                        )
                        tally.add(phase, "note", r)
                        plain = c.post("/v1/suggest", json={"message": "杯子碎了"})
                        tally.add(phase, "suggest", plain)

            workers = [threading.Thread(target=one) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()

        mode = stat.S_IMODE(path.stat().st_mode)
        try:
            writes("before", 1, 5)  # one connection or two in the pool
            service.set_mark()
            path.chmod(0o444)
            writes("read-only", 8, 6)  # the pool grows: every new connection opens the file read-only
            path.chmod(mode)
            recovery = wait_ready(service.base, timeout=10)
            writes("after", 8, 10)  # every pooled connection is used again
            log = service.lines_since_mark()
        finally:
            path.chmod(mode)
            stop_service(service)

    figures = {
        "recovered s": round(recovery, 2),
        **{f"{phase} {kind}": dict(tally.of(phase, kind)) for phase, kind in sorted(tally.statuses)},
        "log lines": len(log),
    }
    print("\nSQLite read-only figures:", figures, *log, sep="\n  ")
    assert set(tally.every_status()) <= {200, 201, 503}, figures
    assert tally.no_retry_after == 0
    assert tally.of("read-only", "note")[503] > 0, figures
    for phase in ("before", "read-only", "after"):
        assert set(tally.of(phase, "suggest")) == {200}, figures
    assert tally.of("after", "note") == Counter({201: 80}), figures  # every write once writable again
    assert not any("Traceback" in line for line in log), log[:20]
    assert len([line for line in log if OUTAGE_STARTS.search(line)]) == 1, log
    assert len([line for line in log if OUTAGE_ENDS.search(line)]) == 1, log


def test_readyz_reports_the_database_and_the_content(client, server):
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = Readiness.model_validate(r.json())
    assert body.status == "ready" and body.database.status == "ok" and body.database.unavailable_since is None
    assert body.content.status == "ok" and body.content.rejected_version is None
    assert body.content.phrasebook_version == client.get("/healthz").json()["phrasebook_version"]
    assert httpx.get(f"{server}/readyz", timeout=10).status_code == 200  # no key needed, like /healthz


def test_readyz_tells_a_rejected_edit_apart_from_the_database(engine, content_root, tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        db = Database(url)
        key = make_key(db)
        port = free_port()
        settings = Settings(port=port, content_dir=content_root, **TEST_SETTINGS)
        srv = run_server(create_app(settings, engine, db), port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=auth(key), timeout=30) as c:
                (content_root / "intents" / "damaged.yaml").write_text("intent: [broken\n", encoding="utf-8")
                assert c.post("/v1/admin/reload").json()["accepted"] is False
                r = c.get("/readyz")
                assert r.status_code == 200 and r.json()["status"] == "ready"  # the last good version serves
                assert r.json()["database"]["status"] == "ok"
                content = r.json()["content"]
                assert content["status"] == "rejected" and content["phrasebook_version"] == engine.version
                assert content["rejected_version"] not in (None, engine.version)
        finally:
            srv.should_exit = True
            time.sleep(0.2)
            db.dispose()


def test_during_an_outage_known_keys_come_from_the_cache_and_rate_limits_are_local(cluster):
    db = Database(cluster.url)
    key, never_checked = make_key(db, "bot", ("x",)), make_key(db, "bot", ("x",))
    now = [60_000.0]  # the start of a rate-limit window
    guard = Guard(
        db,
        Settings(rate_limit_per_minute=3, auth_failures_per_minute=5, auth_cache_seconds=5),
        clock=lambda: now[0],
    )
    try:
        principal = guard.principal(key)
        assert principal is not None
        assert guard.requests.hit("key:k") is None  # a slice leased from the database
        cluster.stop()
        now[0] += 10  # the key's check is older than AUTH_CACHE_SECONDS: it would be read again
        assert guard.principal(key) == principal  # as this instance last checked it
        with pytest.raises(Unavailable):  # never checked here: cannot be checked now, and is no 401 either
            guard.principal(never_checked)
        # The local limit: this instance admits the window's budget (3, one already spent), no more.
        assert guard.requests.hit("key:k") is None and guard.requests.hit("key:k") is None
        assert guard.requests.hit("key:k") == 50  # Retry-After: the rest of the window
        cluster.start()
        deadline = time.monotonic() + 10
        while db.availability.down_since is not None:
            assert time.monotonic() < deadline, "the database probe did not find the server back"
            time.sleep(0.05)
        now[0] += 60  # a new window, leased from the database again
        assert guard.requests.hit("key:k") is None
        assert guard.principal(never_checked) is not None
    finally:
        db.dispose()


def test_every_route_with_a_key_documents_the_503():
    spec = create_app().openapi()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if op.get("security"):
                documented = op["responses"].get("503")
                assert documented is not None, f"{method.upper()} {path}"
                assert "Retry-After" in documented["headers"], f"{method.upper()} {path}"
    assert "Retry-After" in spec["paths"]["/readyz"]["get"]["responses"]["503"]["headers"]


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
