"""GET /metrics after real requests through real servers: who may read it, what it counts (by route template,
outcome, reload, refusal), the per-shop figures on both engines, two worker processes adding up, a stopped
database, and the Grafana dashboard naming only metrics the service exports."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import scrape
from app.cases import service as cases
from app.cases.models import Approval
from app.db.migrate import upgrade
from app.db.session import Database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SETTINGS, auth, free_port, make_key, run_server, wait_healthy
from tests.dbs import PrivateCluster, fresh_database

TOKEN = secrets.token_hex(16)
DASHBOARD = PROJECT_ROOT / "docs" / "grafana-dashboard.json"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape_text(base: str, headers: dict[str, str] | None = None) -> str:
    r = httpx.get(f"{base}/metrics", headers=headers if headers is not None else auth(TOKEN), timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


def _now() -> datetime:
    return datetime.now(UTC)


def open_case(db: Database, shop: str, *, overdue: bool = False, approval: bool = False) -> int:
    with db.unit_of_work() as s:
        case, _ = cases.open_or_find(
            s, shop_id=shop, scope=None, intent="damaged", now=_now(), conversation_id=f"m-{secrets.token_hex(4)}"
        )
        if overdue:
            cases.set_follow_up(s, case, "回访", _now() - timedelta(hours=1), _now(), None)
        if approval:
            s.add(
                Approval(
                    case_id=case.id,
                    shop_id=shop,
                    amount=Decimal("50"),
                    asked_at=_now(),
                    answer_by=_now() + timedelta(hours=12),
                )
            )
        s.flush()
        return case.id


@pytest.fixture
def metrics_server(engine, database) -> Iterator[str]:
    port = free_port()
    # No per-role budgets: every key gets RATE_LIMIT_PER_MINUTE (bots default to 12,000 a minute otherwise).
    limits = {"rate_limit_per_minute": 5, "role_budgets_per_minute": ()}
    settings = Settings(port=port, metrics_token=TOKEN, **{**TEST_SETTINGS, **limits})
    srv = run_server(create_app(settings, engine, database), port)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True


def test_only_the_token_or_an_admin_key_reads_metrics_and_an_admin_sees_its_own_shops(metrics_server, database):
    a, b = f"shop-a-{secrets.token_hex(3)}", f"shop-b-{secrets.token_hex(3)}"
    open_case(database, a, overdue=True, approval=True)
    open_case(database, a)
    open_case(database, b)
    assert httpx.get(f"{metrics_server}/metrics").status_code == 401
    assert httpx.get(f"{metrics_server}/metrics", headers=auth("x" * 40)).status_code == 401
    agent = make_key(database, "agent", (a,))
    assert httpx.get(f"{metrics_server}/metrics", headers=auth(agent)).status_code == 403

    every = samples(scrape_text(metrics_server))
    assert value(every, "shouhou_database_up") == 1
    assert value(every, "shouhou_cases_open", shop=a) == 2 and value(every, "shouhou_cases_open", shop=b) == 1
    assert value(every, "shouhou_follow_ups_overdue", shop=a) == 1
    assert value(every, "shouhou_approvals_waiting", shop=a) == 1
    assert value(every, "shouhou_follow_ups_overdue", shop=b) == 0  # no series: nothing overdue there

    own = scrape_text(metrics_server, auth(make_key(database, "admin", (a,))))
    assert a in own and b not in own  # an admin key of shop a never sees shop b's figures
    assert value(samples(own), "shouhou_cases_open", shop=a) == 2


def test_requests_are_counted_by_route_template_and_status(metrics_server, database, admin_key):
    case_id = open_case(database, f"shop-{secrets.token_hex(3)}")
    before = samples(scrape_text(metrics_server))
    reader = make_key(database)  # its own key: the server's limit is 5 requests a minute per key
    assert httpx.get(f"{metrics_server}/v1/cases/{case_id}", headers=auth(reader)).status_code == 200
    assert httpx.get(f"{metrics_server}/v1/cases/999999999", headers=auth(reader)).status_code == 404
    assert httpx.get(f"{metrics_server}/no/such/{case_id}").status_code == 404
    after = samples(scrape_text(metrics_server))
    route = {"method": "GET", "route": "/v1/cases/{case_id}"}
    for status in ("200", "404"):
        key = ("shouhou_http_requests_total", frozenset({**route, "status": status}.items()))
        assert after[key] - before.get(key, 0) == 1
    unmatched = (
        "shouhou_http_requests_total",
        frozenset({"method": "GET", "route": "unmatched", "status": "404"}.items()),
    )
    assert after[unmatched] - before.get(unmatched, 0) == 1
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not any(str(case_id) in route for route in routes)  # never a raw path as a label
    count = ("shouhou_http_request_duration_seconds_count", frozenset(route.items()))
    assert after[count] - before.get(count, 0) == 2


def test_outcomes_reloads_and_rate_limit_refusals_are_counted(metrics_server, database):
    before = samples(scrape_text(metrics_server))
    key = make_key(database, "bot", ("*",))
    with httpx.Client(base_url=metrics_server, headers=auth(key), timeout=10) as c:
        assert c.post("/v1/suggest", json={"message": "收到的杯子碎了,要退款"}).status_code == 200
        assert c.post("/v1/suggest", json={"message": "今天天气怎么样"}).status_code == 200
        statuses = [c.post("/v1/suggest", json={"message": "你好"}).status_code for _ in range(5)]
    assert statuses.count(429) == 2  # 5 a minute: the 6th and 7th request of this key
    admin = make_key(database)
    assert httpx.post(f"{metrics_server}/v1/admin/reload", headers=auth(admin), timeout=30).status_code == 200
    after = samples(scrape_text(metrics_server))

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("shouhou_suggest_outcomes_total", outcome="matched", intent="damaged") == 1
    outcomes = sum(
        after[k] - before.get(k, 0) for k in after if k[0] == "shouhou_suggest_outcomes_total"
    )  # the broken cup, the weather and three 你好 admitted before the limit
    assert outcomes == 5
    assert delta("shouhou_rate_limited_total", limit="key") == 2
    assert delta("shouhou_content_reloads_total", outcome="unchanged") == 1
    assert value(after, "shouhou_content_rejected") == 0


def test_the_dashboard_names_only_metrics_the_service_exports(metrics_server):
    families = list(text_string_to_metric_families(scrape_text(metrics_server)))
    exported = {f.name for f in families} | {s.name for f in families for s in f.samples}
    exported |= {
        f"{f.name}{suffix}" for f in families if f.type == "histogram" for suffix in ("_bucket", "_count", "_sum")
    }
    exported |= {f"{f.name}_total" for f in families if f.type == "counter"}
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"] for t in p["targets"]]
    assert len(exprs) >= 12
    for expr in exprs:
        named = set(re.findall(r"\bshouhou_[a-z_]+", expr))
        assert named, f"names no metric of ours: {expr}"
        assert named <= exported, f"{expr}: {sorted(named - exported)} not exported"
    # and every metric of ours is on the dashboard
    ours = {f.name for f in families if f.name.startswith("shouhou_")}
    shown = {re.sub(r"_(total|bucket|count|sum)$", "", n) for e in exprs for n in re.findall(r"\bshouhou_[a-z_]+", e)}
    assert ours <= shown, sorted(ours - shown)


# ---- Two worker processes, one scrape: prometheus-client's multiprocess mode ----


def _children(pid: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def test_two_workers_add_up_in_one_scrape_and_a_dead_workers_counts_stay(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        db = Database(url)
        key = make_key(db, "bot", ("*",))
        db.dispose()
        port, log = free_port(), tmp_path / "service.log"
        env = {
            **os.environ,
            "PORT": str(port),
            "DATABASE_URL": url,
            "WORKERS": "2",
            "WATCH_CONTENT": "0",
            "CONTENT_CHECK_SECONDS": "0",
            "METRICS_TOKEN": TOKEN,
            "LOG_FORMAT": "json",
            "TMPDIR": str(tmp_path),  # where the service makes its metrics folder
        }
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env, stderr=out)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, proc, timeout=60)
            deadline = time.monotonic() + 30
            while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            folders = list(tmp_path.glob("shouhou-metrics-*"))
            assert len(folders) == 1
            base_count = value(
                samples(scrape_text(base)), "shouhou_http_requests_total", method="GET", route="/healthz", status="200"
            )
            # A new connection each: the kernel spreads them over both workers' listening sockets.
            for i in range(40):
                r = httpx.get(f"{base}/healthz", headers={"X-Request-ID": f"two-workers-{i}"}, timeout=10)
                assert r.headers["x-request-id"] == f"two-workers-{i}"
            for _ in range(2):
                assert (
                    httpx.post(f"{base}/v1/suggest", json={"message": "快递到哪了"}, headers=auth(key)).status_code
                    == 200
                )
            served_by = {json.loads(line)["process"] for line in log.read_text().splitlines() if "two-workers-" in line}
            assert len(served_by) == 2, "both workers answered"
            for _ in range(4):  # whichever worker answers the scrape, it adds up both
                found = samples(scrape_text(base))
                assert (
                    value(found, "shouhou_http_requests_total", method="GET", route="/healthz", status="200")
                    - base_count
                    == 40
                )
                assert sum(v for k, v in found.items() if k[0] == "shouhou_suggest_outcomes_total") == 2
            assert list(folders[0].glob("*.db")), "the workers count in files"

            victim = sorted(_children(proc.pid))[0]
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while (victim in _children(proc.pid) or len(_children(proc.pid)) < 2) and time.monotonic() < deadline:
                time.sleep(0.1)
            wait_healthy(base, proc)
            found = samples(scrape_text(base))  # the dead worker's counts stay in the sums
            assert (
                value(found, "shouhou_http_requests_total", method="GET", route="/healthz", status="200") - base_count
                >= 40
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        assert not list(tmp_path.glob("shouhou-metrics-*")), "the folder goes with the instance"
        for line in log.read_text().splitlines():
            if line.startswith("{"):
                json.loads(line)  # every line is a JSON object


# ---- A stopped database ----


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    c = PrivateCluster()
    try:
        c.start()
        upgrade(c.url)
        yield c
    finally:
        c.close()


def test_metrics_answer_while_the_database_is_stopped(cluster, engine, monkeypatch):
    monkeypatch.setattr(scrape, "CACHE_SECONDS", 0.0)  # read the database at every scrape
    db = Database(cluster.url)
    shop = "outage-shop"
    open_case(db, shop)
    port = free_port()
    srv = run_server(create_app(Settings(port=port, metrics_token=TOKEN, **TEST_SETTINGS), engine, db), port)
    base = f"http://127.0.0.1:{port}"
    try:
        up = samples(scrape_text(base))
        assert value(up, "shouhou_database_up") == 1 and value(up, "shouhou_cases_open", shop=shop) == 1
        cluster.stop()
        started = time.monotonic()
        down = samples(scrape_text(base))
        assert time.monotonic() - started < 10
        assert value(down, "shouhou_database_up") == 0
        assert value(down, "shouhou_cases_open", shop=shop) == 1  # the last figures known, with their age
        assert value(down, "shouhou_shop_figures_age_seconds") > 0
        assert value(down, "shouhou_http_requests_total", method="GET", route="/metrics", status="200") >= 1
        cluster.start()
        deadline = time.monotonic() + 20
        while value(samples(scrape_text(base)), "shouhou_database_up") != 1:
            assert time.monotonic() < deadline, "the figures did not come back with the database"
            time.sleep(0.2)
    finally:
        srv.should_exit = True
        db.dispose()


def test_metrics_folder_must_come_before_the_library():
    """The mode is the library's choice at import: a folder set afterwards would count per process, unseen."""
    from app import workers

    with pytest.raises(RuntimeError, match="before prometheus_client"):
        workers.metrics_folder()
