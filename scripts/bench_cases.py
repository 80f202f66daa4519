#!/usr/bin/env python3
"""Benchmark (not a test) of case traffic and batches, issue 19 items 2, 3 and 5. Runnable alone:

    .venv/bin/python scripts/bench_cases.py                 # ~2 minutes
    .venv/bin/python scripts/bench_cases.py --quick --json cases.json
    .venv/bin/python scripts/bench_cases.py --postgres postgresql+psycopg://user:pw@127.0.0.1/postgres

or as part of ``scripts/bench.py --cases``. Each figure is measured within the run, on ``python -m app`` (one
worker) with a database of its own, the rate limit on (a key with a budget it never reaches, so that the
limiter leases as in production):

1. **Batch**: messages a second, and per second of the server's CPU, sending ``POST /v1/suggest`` one message
   at a time (32 connections) and ``POST /v1/suggest/batch`` 100 at a time (4 connections); the ratio.
2. **Mixed load** on SQLite and on PostgreSQL (with ``--postgres`` or TEST_DATABASE_URL: an account that may
   create a database; it is dropped afterwards): 32 connections, 70 % suggestions, 20 % case events written,
   10 % case reads (the case and the case list), over 1,000 cases: requests a second, p50, p99, errors.
3. **Case routes as cases grow**: one case, its timeline, the case list (all shops and one shop) and the queue,
   one request at a time, at 1,000 and at 100,000 cases: p50 in ms and the ratio (target: within 2×).

The load comes from this process (asyncio, keep-alive HTTP/1.1 on raw sockets): it shares the machine's CPUs
with the server, so absolute figures are below what wrk would show; ratios are within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HELDOUT = ROOT / "tests" / "data" / "heldout.tsv"
TICK = os.sysconf("SC_CLK_TCK")
SHOPS = 20
ACTIVE = 500  # cases under way in a seeded database, whatever its size (seed)
TARGETS = {"batch_vs_single": 2.0, "mixed_p99_sqlite_ms": 100.0, "growth_ratio": 2.0}

# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its children still running (a worker forked by the supervisor)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in _children(int(k))]


def _env(url: str, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOST": "127.0.0.1",
        "CONTENT_DIR": str(ROOT),
        "CACHE_DIR": str(ROOT / ".cache"),
        "DATABASE_URL": url,
        "ADMIN_KEY_FILE": str(tmp / "admin-key.txt"),  # never over the user's own ./data/admin-key.txt
        "WATCH_CONTENT": "0",
        "CONTENT_CHECK_SECONDS": "0",
        "LOG_LEVEL": "warning",
        "WORKERS": "1",
        "RATE_LIMIT_PER_MINUTE": "100000000",  # on, never reached: the limiter leases as in production
        "PYTHONUNBUFFERED": "1",
    }


def make_key(env: dict[str, str]) -> str:
    """An admin key for every shop whose budget is never reached: the limiter leases, never refuses. (Without
    ``--budget`` on a checkout from before budgets: RATE_LIMIT_PER_MINUTE is as high, see _env.)"""
    command = [sys.executable, "-m", "app", "keys", "create", "--role", "admin", "--shop", "*"]
    for extra in (["--budget", "100000000"], []):
        run = subprocess.run(command + extra, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if run.returncode == 0:
            return run.stdout.strip().splitlines()[-1].strip()
    raise RuntimeError(f"keys create failed: {run.stderr}")


@contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """``python -m app`` on a free port until the block ends: (port, pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start in 90 s")
            time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- seeding


def seed(url: str, cases: int) -> list[int]:
    """The database migrated, with ``cases`` cases over SHOPS shops (each with 3 events, 2 evidence items, a
    follow-up), written in bulk; the ids of the cases.

    As in a shop that has worked for a while, the newest ``ACTIVE`` cases are under way (open follow-ups,
    evidence asked for and not received) and the older ones are settled (resolved or closed, follow-ups done,
    evidence received): the work at hand stays the same size while the history grows."""
    from sqlalchemy import func, insert, select

    from app.cases.models import Case, CaseEvent, EvidenceItem, FollowUp
    from app.db.migrate import upgrade
    from app.db.session import Database

    upgrade(url)
    db = Database(url)
    rng = random.Random(19)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    intents = ("damaged", "not_received", "missing_item", "wrong_item", "intercept")
    under_way, settled = ("open", "waiting_buyer", "waiting_courier"), ("resolved", "closed")
    try:
        with db.unit_of_work() as s:
            first = (s.scalar(select(func.max(Case.id))) or 0) + 1
        chunk = 5000
        for low in range(first, first + cases, chunk):
            ids = range(low, min(low + chunk, first + cases))
            at = [start + timedelta(minutes=7 * i + rng.randint(0, 5)) for i in ids]
            done = {i: i < first + cases - ACTIVE for i in ids}
            with db.unit_of_work() as s:
                s.execute(
                    insert(Case),
                    [
                        {
                            "id": i,
                            "shop_id": f"shop-{i % SHOPS}",
                            "order_id": f"T{i:012d}",
                            "conversation_id": f"bench-{i}",
                            "intent": intents[i % len(intents)],
                            "status": (settled if done[i] else under_way)[i % 2 if done[i] else i % 3],
                            "version": 1,
                            "created_at": a,
                            "updated_at": a + timedelta(hours=rng.randint(0, 300)),
                        }
                        for i, a in zip(ids, at, strict=True)
                    ],
                )
                s.execute(
                    insert(CaseEvent),
                    [
                        {"case_id": i, "type": kind, "at": a + timedelta(minutes=n), "data": {}}
                        for i, a in zip(ids, at, strict=True)
                        for n, kind in enumerate(("message_received", "suggestion_shown", "note"))
                    ],
                )
                s.execute(
                    insert(EvidenceItem),
                    [
                        {"case_id": i, "evidence_id": e, "requested_at": a, "received_at": a if done[i] else None}
                        for i, a in zip(ids, at, strict=True)
                        for e in ("box_photos", "item_photos")
                    ],
                )
                s.execute(
                    insert(FollowUp),
                    [
                        {
                            "case_id": i,
                            "what": "回访",
                            "due_at": a + timedelta(days=2),
                            "done_at": a if done[i] else None,
                        }
                        for i, a in zip(ids, at, strict=True)
                    ],
                )
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:  # explicit ids: move the sequence past them
                    conn.exec_driver_sql("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
        with db.engine.begin() as conn:  # fresh statistics, as a database that grew over months has
            conn.exec_driver_sql("ANALYZE")
        return list(range(first, first + cases))
    finally:
        db.dispose()


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, make_url, text

    name = f"shouhou_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------- load


class Connection:
    """One keep-alive HTTP/1.1 connection; requests one at a time, answers read whole."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if headers.get("transfer-encoding") == "chunked":
            payload = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                payload += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


Step = Callable[[Connection, int], Any]  # one request of a connection's loop, given a running number


async def closed_loop(
    port: int, key: str, connections: int, seconds: float, step: Step, kind: Callable[[int], str] | None = None
) -> dict[str, Any]:
    """``connections`` loops sending ``step`` back to back for ``seconds``: latencies (ms) and statuses, and the
    latencies by ``kind`` of request when given."""
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    statuses: dict[str, int] = {}
    end = time.perf_counter() + seconds

    async def loop(n: int) -> None:
        conn = Connection(port, key)
        i = n
        while time.perf_counter() < end:
            t = time.perf_counter()
            try:
                status, _ = await step(conn, i)
                label = str(status)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                label = type(exc).__name__
                await conn.close()
            latencies.append((time.perf_counter() - t) * 1000)
            statuses[label] = statuses.get(label, 0) + 1
            if kind is not None:
                by_kind.setdefault(kind(i), []).append(latencies[-1])
            i += connections
        await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(loop(n) for n in range(connections)))
    return {"latencies": latencies, "statuses": statuses, "seconds": time.perf_counter() - started, "kinds": by_kind}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else float("nan")


def summary(run: dict[str, Any], per_request: int = 1) -> dict[str, Any]:
    n = len(run["latencies"])
    errors = sum(c for s, c in run["statuses"].items() if not s.startswith("2"))
    return {
        "requests": n,
        "req_per_s": round(n / run["seconds"], 1),
        "messages_per_s": round(n * per_request / run["seconds"], 1),
        "p50_ms": pct(run["latencies"], 0.5),
        "p99_ms": pct(run["latencies"], 0.99),
        "errors": errors,
        "statuses": run["statuses"],
        "by_kind": {k: {"p50_ms": pct(v, 0.5), "p99_ms": pct(v, 0.99)} for k, v in sorted(run["kinds"].items())},
    }


def messages() -> list[str]:
    rows = [line.split("\t", 1) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return [m.strip() for _, m in rows if m.strip()]


def unique(texts: list[str], i: int) -> str:
    # A number no other request has: the engine remembers recent readings (see scripts/bench.py).
    return f"{texts[i % len(texts)]} {i}"


# ---------------------------------------------------------------- the three measurements


def bench_batch(port: int, pid: int, key: str, seconds: float) -> dict[str, Any]:
    texts = messages()

    async def single(conn: Connection, i: int) -> tuple[int, bytes]:
        return await conn.request("POST", "/v1/suggest", {"message": unique(texts, i)})

    async def batch(conn: Connection, i: int) -> tuple[int, bytes]:
        items = [{"message": unique(texts, i * 100 + j)} for j in range(100)]
        return await conn.request("POST", "/v1/suggest/batch", {"items": items})

    out = {}
    for name, step, connections, size in (("single", single, 32, 1), ("batch", batch, 4, 100)):
        asyncio.run(closed_loop(port, key, connections, 1.0, step))  # warm-up
        cpu = cpu_seconds(pid)
        run = asyncio.run(closed_loop(port, key, connections, seconds, step))
        used = cpu_seconds(pid) - cpu
        figures = summary(run, size)
        figures["messages_per_cpu_s"] = round(figures["messages_per_s"] * run["seconds"] / max(used, 1e-9), 1)
        out[name] = figures
    out["batch_vs_single"] = round(out["batch"]["messages_per_cpu_s"] / out["single"]["messages_per_cpu_s"], 2)
    return out


def bench_mixed(port: int, pid: int, key: str, case_ids: list[int], seconds: float) -> dict[str, Any]:
    """70 % suggestions, 20 % events written on cases, 10 % case reads (the case, or its shop's list)."""
    texts = messages()
    rng = random.Random(70)
    kinds = ["suggest"] * 70 + ["event"] * 20 + ["read"] * 5 + ["list"] * 5
    plan = [rng.choice(kinds) for _ in range(997)]

    async def step(conn: Connection, i: int) -> tuple[int, bytes]:
        kind, case = plan[i % len(plan)], case_ids[(i * 7919) % len(case_ids)]
        if kind == "suggest":
            return await conn.request("POST", "/v1/suggest", {"message": unique(texts, i)})
        if kind == "event":
            return await conn.request("POST", f"/v1/cases/{case}/events", {"type": "note", "data": {"text": "bench"}})
        if kind == "read":
            return await conn.request("GET", f"/v1/cases/{case}")
        return await conn.request("GET", f"/v1/cases?shop_id=shop-{case % SHOPS}&page_size=20")

    def kind(i: int) -> str:
        return plan[i % len(plan)]

    asyncio.run(closed_loop(port, key, 32, 1.0, step))  # warm-up
    cpu = cpu_seconds(pid)
    figures = summary(asyncio.run(closed_loop(port, key, 32, seconds, step, kind)))
    # The server's CPU per request: unlike latency, hardly moved by other processes on a shared machine.
    figures["server_cpu_us_per_request"] = round(1e6 * (cpu_seconds(pid) - cpu) / max(figures["requests"], 1))
    return figures


def bench_routes(port: int, key: str, case_ids: list[int], rounds: int) -> dict[str, float]:
    """p50 ms of each case route, one request at a time."""
    routes: dict[str, Callable[[int], str]] = {
        "case": lambda c: f"/v1/cases/{c}",
        "timeline": lambda c: f"/v1/cases/{c}/timeline",
        "list_all": lambda c: "/v1/cases?page_size=20",
        "list_shop": lambda c: f"/v1/cases?shop_id=shop-{c % SHOPS}&page_size=20",
        "list_active": lambda c: f"/v1/cases?shop_id=shop-{c % SHOPS}&active=true&page_size=20",
        "queue": lambda c: f"/v1/queue?shop_id=shop-{c % SHOPS}",
    }

    async def run() -> dict[str, float]:
        conn, out = Connection(port, key), {}
        for name, path in routes.items():
            times = []
            for r in range(rounds + 10):
                case = case_ids[(r * 7919) % len(case_ids)]
                t = time.perf_counter()
                status, _ = await conn.request("GET", path(case))
                if status != 200:
                    raise RuntimeError(f"GET {path(case)} answered {status}")
                if r >= 10:  # the first ten warm the caches
                    times.append((time.perf_counter() - t) * 1000)
            out[name] = pct(times, 0.5)
        await conn.close()
        return out

    return asyncio.run(run())


def run_mixed_only(args: argparse.Namespace) -> dict[str, Any]:
    """The mixed load on SQLite alone (``--only mixed``): to compare checkouts of the service under the same
    conditions, run from each in turn (interleaved rounds)."""
    seconds = args.duration or (4.0 if args.quick else 10.0)
    with tempfile.TemporaryDirectory(prefix="bench-cases-") as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp}/mixed.db"
        ids = seed(url, 1000)
        env = _env(url, tmp)
        key = make_key(env)
        with serving(env) as (port, pid):
            return {"mixed_sqlite": bench_mixed(port, pid, key, ids, seconds)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    seconds = args.duration or (4.0 if args.quick else 10.0)
    big = 20_000 if args.quick else 100_000
    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-cases-") as folder:
        tmp = Path(folder)
        small_url = f"sqlite:///{tmp}/small.db"
        print("cases: seeding 1,000 cases (SQLite) ...", flush=True)
        small = seed(small_url, 1000)
        env = _env(small_url, tmp)
        key = make_key(env)
        with serving(env) as (port, pid):
            print(f"cases: batch vs single, {seconds:g} s each ...", flush=True)
            res["batch"] = bench_batch(port, pid, key, seconds)
            print(f"cases: mixed load on SQLite, {seconds:g} s ...", flush=True)
            res["mixed_sqlite"] = bench_mixed(port, pid, key, small, seconds)
            res["routes_small"] = bench_routes(port, key, small, args.rounds)
        admin = args.postgres or os.environ.get("TEST_DATABASE_URL")
        if admin:
            print(f"cases: mixed load on PostgreSQL, {seconds:g} s ...", flush=True)
            with postgres_database(admin) as pg_url:
                ids = seed(pg_url, 1000)
                pg_env = _env(pg_url, tmp)
                pg_key = make_key(pg_env)
                with serving(pg_env) as (port, pg_pid):
                    res["mixed_postgresql"] = bench_mixed(port, pg_pid, pg_key, ids, seconds)
        else:
            print("cases: no PostgreSQL (--postgres or TEST_DATABASE_URL): its mixed load is skipped", flush=True)
        big_url = f"sqlite:///{tmp}/big.db"
        print(f"cases: seeding {big:,} cases (SQLite) ...", flush=True)
        many = seed(big_url, big)
        big_env = _env(big_url, tmp)
        big_key = make_key(big_env)
        with serving(big_env) as (port, _):
            res["routes_big"] = bench_routes(port, big_key, many, args.rounds)
        res["cases_big"] = big
        res["growth"] = {
            name: round(res["routes_big"][name] / max(res["routes_small"][name], 1e-9), 2)
            for name in res["routes_small"]
        }
    return res


def report(res: dict[str, Any]) -> list[str]:
    """The figures as lines, each beside its target where it has one."""

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    lines = []
    b = res["batch"]
    lines.append(
        f"batch: {b['batch']['messages_per_s']:,.0f} messages/s ({b['batch']['messages_per_cpu_s']:,.0f} per CPU-s) "
        f"vs single {b['single']['messages_per_s']:,.0f}/s ({b['single']['messages_per_cpu_s']:,.0f} per CPU-s): "
        f"{b['batch_vs_single']}× per core  [target ≥ {TARGETS['batch_vs_single']}×: "
        f"{verdict(b['batch_vs_single'] >= TARGETS['batch_vs_single'])}]"
    )
    for engine in ("sqlite", "postgresql"):
        m = res.get(f"mixed_{engine}")
        if m is None:
            continue
        target = ""
        if engine == "sqlite":
            ok = m["p99_ms"] <= TARGETS["mixed_p99_sqlite_ms"] and m["errors"] == 0
            target = f"  [target p99 ≤ {TARGETS['mixed_p99_sqlite_ms']:g} ms, 0 errors: {verdict(ok)}]"
        lines.append(
            f"mixed load {engine}: {m['req_per_s']:,.0f} req/s, p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms, "
            f"{m['errors']} errors{target}; p99 by kind: "
            + ", ".join(f"{k} {v['p99_ms']} ms" for k, v in m["by_kind"].items())
        )
    for name, ratio in res["growth"].items():
        lines.append(
            f"case route {name}: {res['routes_small'][name]} ms at 1,000 cases, {res['routes_big'][name]} ms at "
            f"{res['cases_big']:,}: {ratio}×  [target ≤ {TARGETS['growth_ratio']:g}×: "
            f"{verdict(ratio <= TARGETS['growth_ratio'])}]"
        )
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres", metavar="URL", help="an account that may create a database (default: TEST_DATABASE_URL)"
    )
    parser.add_argument("--rounds", type=int, default=200, help="requests per case route and size (default 200)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="4 s per load measurement, 20,000 cases instead of 100,000"
    )
    parser.add_argument("--duration", type=float, help="seconds per load measurement (default 10; --quick 4)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--only", choices=["mixed"], help="only the mixed load on SQLite")
    add_arguments(parser)
    args = parser.parse_args()
    if args.only == "mixed":
        res = run_mixed_only(args)
        m = res["mixed_sqlite"]
        print(
            f"mixed load sqlite: {m['req_per_s']} req/s, p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms, "
            f"{m['errors']} errors, {m['server_cpu_us_per_request']} µs server CPU a request; by kind: {m['by_kind']}"
        )
    else:
        res = run(args)
        print("\n".join(report(res)))
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
