#!/usr/bin/env python3
"""Benchmark (not a test): in-process matching/suggest latency, HTTP throughput, start-up time and memory.

    make bench                                  # runs: .venv/bin/python scripts/bench.py
    .venv/bin/python scripts/bench.py --quick   # 3 s per HTTP measurement instead of 10 s
    .venv/bin/python scripts/bench.py --json bench.json --workers 1,2

One run prints, for this machine:

1. ``Engine.match`` and ``Engine.suggest`` p50/p99 (µs) over the held-out messages (tests/data/heldout.tsv), for
   the shipped content and for a generated large content set (shipped + 200 intents × 50 examples).
2. ``POST /v1/suggest`` and ``GET /healthz`` requests/s, p50 and p99 at 32 connections against one server
   (``python -m app``, started as users start it), with the suggest/healthz throughput ratio. Load comes from
   ``wrk`` (``apt-get install wrk``); without it a Python load generator stands in and says so.
3. Start-up time (process start to the first answered ``POST /v1/suggest``) and resident memory per process.
4. Items 2 and 3 for WORKERS=1 and WORKERS=2, each figure beside its target, marked met or missed.

Servers listen on 127.0.0.1 only and are stopped (SIGTERM, then wait) however the run ends.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "heldout.tsv"
CONNECTIONS, WRK_THREADS = 32, 2
TARGETS = {  # name: (limit, unit, higher_is_better)
    "match_p99_shipped": (1000.0, "µs", False), "match_p99_large": (5000.0, "µs", False),
    "suggest_vs_healthz": (50.0, "%", True), "suggest_p99_http": (30.0, "ms", False),
    "startup": (2.0, "s", False), "rss_per_worker": (250.0, "MB", False),
}

# ---------------------------------------------------------------- in-process

PRODUCTS = [("空气炸锅", "炸锅"), ("电动牙刷", "牙刷"), ("蓝牙耳机", "耳机"), ("保温杯", "杯子"), ("扫地机器人", "扫地机"),
            ("电饭煲", "电饭锅"), ("吹风机", "电吹风"), ("加湿器", "加湿机"), ("榨汁机", "榨汁杯"), ("护眼台灯", "台灯"),
            ("行李箱", "拉杆箱"), ("羽绒服", "外套"), ("跑步鞋", "运动鞋"), ("四件套", "被套"), ("儿童书包", "书包"),
            ("智能手表", "手表"), ("充电宝", "移动电源"), ("电热水壶", "烧水壶"), ("筋膜枪", "按摩枪"), ("投影仪", "投影")]
PROBLEMS = [  # (name, keyword, phrasings): product questions the shipped intents do not cover
    ("配件购买", "买配件", ["想单独买个配件", "配件在哪买", "能多买一个替换的吗", "替换件有卖吗", "配件能单买吗"]),
    ("清洁保养", "清洁保养", ["平时怎么清洁", "清洁要注意什么", "多久保养一次", "能拆开清理吗", "用什么擦比较好"]),
    ("耗材更换", "换耗材", ["耗材多久换一次", "易损件多久换", "消耗件要定期换吗", "耗材有没有套装", "耗材用完去哪买"]),
    ("以旧换新", "以旧换新", ["能以旧换新吗", "旧的能折价吗", "以旧换新怎么弄", "旧机回收吗", "旧的抵多少钱"]),
    ("延保", "延保", ["能买延保吗", "延长保修怎么办理", "延保多少钱", "想加个延保", "有延保服务吗"]),
    ("收纳存放", "收纳存放", ["闲置了怎么收纳", "长期不用怎么存放", "放车里会不会坏", "冬天放阳台行吗", "收起来要拔电吗"]),
    ("使用技巧", "使用技巧", ["有什么使用小技巧", "有推荐的用法吗", "新手有啥窍门", "怎么用更省电", "有没有使用攻略"]),
    ("刻字定制", "刻字", ["能刻字吗", "可以定制图案吗", "能帮忙包成礼物吗", "能写张贺卡吗", "送人能去掉价签吗"]),
    ("预约上门", "预约上门", ["能上门调试吗", "师傅什么时候上门", "约个上门时间", "上门要收费吗", "上门要等多久"]),
    ("企业采购", "批量采购", ["公司想批量采购", "买二十个有团购价吗", "企业采购怎么对接", "大量订能定制logo吗", "批量买多久能发"]),
]
OPENERS = ["", "", "亲", "在吗", "你好", "老板", "客服", "亲亲", "hello", "掌柜的"]
CONTEXTS = ["", "", "昨天收到的", "前天到的", "上周买的", "刚拆开的", "用了三天的", "家里那台", "给我妈买的", "双十一买的"]
ASKS = ["", "", "", "谢谢", "急", "在线等", "麻烦说下", "想了解一下", "回复下", "求解答", "方便说下吗"]


def read_heldout(path: Path) -> list[str]:
    """The messages of ``label<TAB>message`` lines."""
    rows = [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return [msg.strip() for _, msg in rows if msg.strip()]


def _sentences(product: tuple[str, str], phrasings: list[str], rng: random.Random, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < 50:
        opener, ctx, ask = rng.choice(OPENERS), rng.choice(CONTEXTS), rng.choice(ASKS)
        name, problem = rng.choice(product), rng.choice(phrasings)
        core = f"{ctx}{name}{problem}" if rng.random() < 0.7 else f"{problem} 我买的是{name}"
        text = " ".join(p for p in (opener, core, ask) if p)
        if text not in taken:
            taken.add(text)
            out.append(text)
    return out


def make_large_content(shipped: Path, dest: Path, taken: set[str], seed: int = 20240601) -> None:
    """Copy the shipped content to ``dest`` and add 200 intents (product × problem) of 50 examples, each with
    its keyword and a two-branch phrasebook flow. Deterministic for a seed; no example repeats one in use."""
    for sub in ("intents", "phrasebook", "policy"):
        shutil.copytree(shipped / sub, dest / sub)
    rng = random.Random(seed)
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    for p, product in enumerate(PRODUCTS):
        for k, (problem, keyword, phrasings) in enumerate(PROBLEMS):
            intent = f"gen_{p:02d}_{k:02d}"
            examples = "\n".join(f"  - {q(s, ensure_ascii=False)}" for s in _sentences(product, phrasings, rng, taken))
            (dest / "intents" / f"{intent}.yaml").write_text(
                f"id: {intent}\nname: {q(product[0] + '·' + problem, ensure_ascii=False)}\n"
                f"description: 生成的基准测试意图 generated for the benchmark\n"
                f"keywords:\n  {product[0]}{keyword}: [{product[1]}{keyword}]\nexamples:\n{examples}\n", encoding="utf-8")
            (dest / "phrasebook" / f"{intent}.yaml").write_text(
                f"intent: {intent}\nbranches:\n"
                f"  - id: check\n    name: 了解问题,核对订单\n    entry: true\n    when: {{}}\n"
                f"    text: 亲,收到~关于{product[0]}{problem}的问题,麻烦拍张照片给我看看哦\n"
                f"    evidence: [item_photos]\n    actions: [verify_order]\n    next: [photos_received]\n"
                f"  - id: photos_received\n    name: 照片已收到,登记跟进\n    when: {{evidence_received: [item_photos]}}\n"
                f"    text: 好的亲,照片收到了,这边登记好马上跟进,{{{{ deadline }}}}前给您答复\n"
                f"    evidence: []\n    actions: [register, follow_up]\n    next: []\n", encoding="utf-8")


def _pcts(samples_ns: list[int]) -> dict[str, float]:
    s = sorted(samples_ns)
    return {q: s[max(0, math.ceil(p * len(s)) - 1)] / 1000 for q, p in (("p50", 0.50), ("p99", 0.99))}


def bench_engine(root: Path, cache_dir: Path, messages: list[str], passes: int) -> tuple[object, dict]:
    from app.core.engine import build_engine

    t0 = time.perf_counter()
    engine = build_engine(root, cache_dir)
    out: dict = {"build_s": round(time.perf_counter() - t0, 2), "intents": len(engine.catalog.intents),
                 "examples": sum(len(i.examples) for i in engine.catalog.intents.values()),
                 "messages": len(messages), "passes": passes}
    for name, fn in (("match", engine.match), ("suggest", engine.suggest)):
        for m in messages:  # warm-up pass
            fn(m)
        samples = []
        for _ in range(passes):
            for m in messages:
                t = time.perf_counter_ns()
                fn(m)
                samples.append(time.perf_counter_ns() - t)
        out[name] = _pcts(samples)
    return engine, out


def bench_inprocess(messages: list[str], passes: int, cache_dir: Path) -> dict:
    from app.core.content.lint import lint

    shipped_engine, shipped = bench_engine(ROOT, cache_dir, messages, passes)
    taken = {e.text for i in shipped_engine.catalog.intents.values() for e in (*i.examples, *i.tests)}
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        make_large_content(ROOT, Path(tmp), taken)
        _, large = bench_engine(Path(tmp), cache_dir, messages, passes)
        report = lint(Path(tmp), cache_dir)  # the generated content must pass what scripts/lint checks
        large["lint"] = {"errors": len(report.errors), "warnings": len(report.warnings)}
        for line in report.lines()[:5] if report.errors else ():
            print(f"  lint: {line}", file=sys.stderr)
    return {"shipped": shipped, "large": large}

# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_tree(pid: int) -> dict:
    """RSS (MB) of ``pid`` and its descendants: with WORKERS>1 the uvicorn supervisor plus its workers."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parents[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(c for c, pp in parents.items() if pp == p)
    procs = {}
    for p in tree:
        try:
            status = Path(f"/proc/{p}/status").read_text()
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) if "VmRSS" in status else 0
        procs[p] = (kb / 1024, cmd)
    workers = [mb for p, (mb, cmd) in procs.items() if p != pid and "resource_tracker" not in cmd]
    return {"supervisor_mb": round(procs.get(pid, (0.0, ""))[0], 1) if workers else None,
            "workers_mb": [round(w, 1) for w in workers] or [round(procs.get(pid, (0.0, ""))[0], 1)],
            "total_mb": round(sum(mb for mb, _ in procs.values()), 1)}


def _post(port: int, key: str, message: str, timeout: float = 2.0) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/v1/suggest", json.dumps({"message": message}),
                     {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


class Server:
    """``python -m app`` in its own session, output collected with timestamps, stopped by SIGTERM."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.lines, self.proc = env, [], None

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.perf_counter() - self.t0, line.rstrip()))

    def seen(self, predicate) -> tuple[float, str] | None:  # type: ignore[no-untyped-def]
        return next(((t, s) for t, s in list(self.lines) if predicate(s)), None)

    def wait_suggest(self, port: int, key: str, limit: float = 60.0) -> float:
        """Seconds from process start to the first 200 from POST /v1/suggest, polling every 20 ms."""
        while time.perf_counter() - self.t0 < limit:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n" + self.output())
            try:
                status = _post(port, key, "快递到哪了")
                if status == 200:
                    return time.perf_counter() - self.t0
                if status in (401, 403):
                    raise RuntimeError(f"POST /v1/suggest answered {status}: the API key was refused\n" + self.output())
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"no answer from POST /v1/suggest within {limit} s:\n" + self.output())

    def wait_idle(self, quiet: float = 0.3, limit: float = 30.0) -> float:
        """Wait until no process of the server uses CPU for ``quiet`` s: every worker has built its engine."""
        def cpu() -> int:
            total = 0
            for p in [self.proc.pid, *_children(self.proc.pid)]:
                try:
                    total += sum(int(x) for x in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
                except (OSError, ValueError):
                    pass
            return total
        last, since = cpu(), time.perf_counter()
        while time.perf_counter() - since < quiet and time.perf_counter() - self.t0 < limit:
            time.sleep(0.05)
            now = cpu()
            if now != last:
                last, since = now, time.perf_counter()
        return time.perf_counter() - self.t0

    def output(self) -> str:
        return "\n".join(s for _, s in self.lines[-30:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        kids = _children(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print("  server ignored SIGTERM for 15 s; killing it", file=sys.stderr)
            self.proc.kill()
            self.proc.wait()
        for pid in kids:  # workers the supervisor left behind
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except OSError:
        return []


def create_key(env: dict[str, str]) -> str | None:
    """``python -m app keys create --role bot --shop '*'``: the key is the last line of its output."""
    run = subprocess.run([sys.executable, "-m", "app", "keys", "create", "--role", "bot", "--shop", "*",
                          "--label", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    last = run.stdout.strip().splitlines()[-1].strip() if run.stdout.strip() else ""
    if run.returncode == 0 and last.startswith("shk_"):
        return last
    print(f"  keys create failed (exit {run.returncode}):\n{run.stdout}{run.stderr}", file=sys.stderr)
    return None

# ---------------------------------------------------------------- load


def _lua(messages: list[str], key: str) -> str:
    def lua_str(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    bodies = ",\n".join(lua_str(json.dumps({"message": m})) for m in messages)  # ASCII-only JSON
    return (f"local bodies = {{\n{bodies}\n}}\nlocal n, i = #bodies, 0\nwrk.method = \"POST\"\n"
            f"wrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = {lua_str('Bearer ' + key)}\n"
            "request = function()\n  i = i % n + 1\n  return wrk.format(nil, \"/v1/suggest\", nil, bodies[i])\nend\n")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, seconds: float, script: Path | None) -> dict:
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    out = subprocess.run([*cmd, *(["-s", str(script)] if script else []), url], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    pct = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None or "50" not in pct:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(rps.group(1)), "p50_ms": pct["50"], "p99_ms": pct["99"],
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errs.group(1) if errs else ""}


def run_python_load(url: str, seconds: float, bodies: list[str] | None, key: str) -> dict:
    """The weaker fallback: asyncio + httpx in this process. On 2 cores the client competes with the server."""
    import asyncio

    import httpx

    async def main() -> dict:
        lat, bad, end = [], 0, time.perf_counter() + seconds
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with httpx.AsyncClient(limits=limits, timeout=10) as client:
            async def one(n: int) -> None:
                nonlocal bad
                while time.perf_counter() < end:
                    t = time.perf_counter()
                    if bodies:
                        r = await client.post(url, content=bodies[n % len(bodies)], headers=headers)
                    else:
                        r = await client.get(url)
                    lat.append((time.perf_counter() - t) * 1000)
                    bad += r.status_code >= 300
                    n += CONNECTIONS
            t0 = time.perf_counter()
            await asyncio.gather(*(one(n) for n in range(CONNECTIONS)))
            lat.sort()
            return {"rps": len(lat) / (time.perf_counter() - t0), "p50_ms": lat[len(lat) // 2],
                    "p99_ms": lat[max(0, math.ceil(0.99 * len(lat)) - 1)], "non_2xx": bad, "socket_errors": ""}
    return asyncio.run(main())


def bench_http(workers: int, env: dict[str, str], key: str | None, messages: list[str], seconds: float,
               loadgen: str, tmp: Path, repeat_healthz: bool) -> dict:
    port = _free_port()
    server = Server({**env, "PORT": str(port), "WORKERS": str(workers)})
    out: dict = {"workers": workers, "loadgen": loadgen}
    try:
        server.start()
        if key is None:  # no key from the CLI: the first start of an empty database prints an admin key
            while server.seen(lambda s: s.strip().startswith("shk_")) is None and server.proc.poll() is None:
                time.sleep(0.02)
            found = server.seen(lambda s: s.strip().startswith("shk_"))
            key = found[1].strip() if found else ""
            out["key_from"] = "server stdout"
        out["startup_s"] = round(server.wait_suggest(port, key), 3)
        serving = server.seen(lambda s: "serving on" in s)
        out["serving_line_s"] = round(serving[0], 3) if serving else None
        out["all_idle_s"] = round(server.wait_idle(), 3)
        out["rss_after_startup"] = rss_tree(server.proc.pid)
        base = f"http://127.0.0.1:{port}"
        bodies = [json.dumps({"message": m}) for m in messages]
        if loadgen == "wrk":
            script = tmp / "suggest.lua"
            script.write_text(_lua(messages, key), encoding="utf-8")

            def load(path: str, post: bool, secs: float) -> dict:
                return run_wrk(base + path, secs, script if post else None)
        else:
            def load(path: str, post: bool, secs: float) -> dict:
                return run_python_load(base + path, secs, bodies if post else None, key)
        load("/v1/suggest", True, 1)  # warm-up, not measured
        out["healthz"] = load("/healthz", False, seconds)
        out["suggest"] = load("/v1/suggest", True, seconds)
        if repeat_healthz:
            out["healthz_again"] = load("/healthz", False, seconds)
        out["ratio_pct"] = round(100 * out["suggest"]["rps"] / out["healthz"]["rps"], 1)
        out["rss_after_load"] = rss_tree(server.proc.pid)
    finally:
        server.stop()
    return out

# ---------------------------------------------------------------- report


def verdicts(res: dict) -> list[tuple[str, str, float, str]]:
    rows = []

    def check(label: str, target: str, value: float | None) -> None:
        if value is None:
            return
        limit, unit, higher = TARGETS[target]
        met = value >= limit if higher else value <= limit
        rows.append((label, f"{'≥' if higher else '≤'} {limit:g} {unit}", value, "met" if met else "MISSED"))
    ip = res.get("inprocess", {})
    check("match p99, shipped (µs)", "match_p99_shipped", ip.get("shipped", {}).get("match", {}).get("p99"))
    check("match p99, large (µs)", "match_p99_large", ip.get("large", {}).get("match", {}).get("p99"))
    for h in res.get("http", []):
        w = f"WORKERS={h['workers']}"
        check(f"{w} suggest/healthz rps (%)", "suggest_vs_healthz", h["ratio_pct"])
        check(f"{w} suggest p99 (ms)", "suggest_p99_http", h["suggest"]["p99_ms"])
        check(f"{w} start-up (s)", "startup", h["startup_s"])
        check(f"{w} RSS max per worker (MB)", "rss_per_worker",
              max(max(h["rss_after_startup"]["workers_mb"]), max(h["rss_after_load"]["workers_mb"])))
    return rows


def print_report(res: dict) -> None:
    m = res["machine"]
    print(f"\n== machine: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}")
    for name, r in res.get("inprocess", {}).items():
        lint = f", lint {r['lint']['errors']} errors/{r['lint']['warnings']} warnings" if "lint" in r else ""
        print(f"\n== in-process, {name} content: {r['intents']} intents, {r['examples']} examples, "
              f"build {r['build_s']} s{lint}; {r['messages']} messages × {r['passes']} passes")
        for step in ("match", "suggest"):
            print(f"   {step:8} p50 {r[step]['p50']:8.0f} µs   p99 {r[step]['p99']:8.0f} µs")
    for h in res.get("http", []):
        label = "wrk" if h["loadgen"] == "wrk" else "PYTHON FALLBACK load generator (weaker; install wrk)"
        print(f"\n== HTTP, WORKERS={h['workers']}, {CONNECTIONS} connections, {label}")
        print(f"   start-up: first suggest answered at {h['startup_s']:.2f} s ('serving on' printed at "
              f"{h['serving_line_s']} s; all workers idle at {h['all_idle_s']:.2f} s)")
        print(f"   {'':14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
        for k in ("healthz", "suggest", "healthz_again"):
            if k in h:
                r = h[k]
                print(f"   {k:14}{r['rps']:10.0f}{r['p50_ms']:10.2f}{r['p99_ms']:10.2f}{r['non_2xx']:10d}"
                      + (f"  socket errors: {r['socket_errors']}" if r["socket_errors"] else ""))
        print(f"   suggest/healthz throughput: {h['ratio_pct']:.1f} %")
        for when in ("rss_after_startup", "rss_after_load"):
            r = h[when]
            sup = f"supervisor {r['supervisor_mb']} MB + " if r["supervisor_mb"] is not None else ""
            print(f"   RSS {when[4:].replace('_', ' '):14} {sup}workers {r['workers_mb']} MB = {r['total_mb']} MB total")
    rows = verdicts(res)
    print("\n== targets")
    for label, target, value, verdict in rows:
        print(f"   {label:38} {value:10.2f}   target {target:12} {verdict}")
    res["targets"] = [dict(zip(("figure", "target", "value", "verdict"), r, strict=True)) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s per HTTP measurement, healthz measured once")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--workers", default="1,2", help="WORKERS values to serve with (default 1,2)")
    parser.add_argument("--passes", type=int, default=5, help="measured passes over the messages (default 5)")
    parser.add_argument("--duration", type=float, help="seconds per HTTP measurement (default 10; --quick 3)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--skip-inprocess", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    seconds = args.duration or (3.0 if args.quick else 10.0)
    loadgen = args.loadgen
    if loadgen != "python" and shutil.which("wrk") is None:
        if loadgen == "wrk":
            parser.error("wrk not found: apt-get install wrk")
        print("!! wrk not found: install it with `apt-get install wrk` for real figures. Falling back to a Python "
              "load generator (httpx+asyncio), which is much weaker and shares the CPUs with the server.")
        loadgen = "python"
    elif loadgen == "auto":
        loadgen = "wrk"
    messages = read_heldout(HELDOUT)
    cache_dir = ROOT / ".cache"
    res: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "platform": platform.platform()}}
    started = time.perf_counter()
    try:
        if not args.skip_inprocess:
            print(f"in-process: {len(messages)} held-out messages, shipped and large content ...", flush=True)
            res["inprocess"] = bench_inprocess(messages, args.passes, cache_dir)
        if not args.skip_http:
            with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
                env = {**os.environ, "HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                       "CACHE_DIR": str(cache_dir), "WATCH_CONTENT": "0", "LOG_LEVEL": "warning",
                       "RATE_LIMIT_PER_MINUTE": "100000000", "PYTHONUNBUFFERED": "1"}
                key = create_key(env)
                res["http"] = []
                for w in (int(x) for x in args.workers.split(",")):
                    print(f"HTTP: WORKERS={w}, {seconds:g} s per measurement ({loadgen}) ...", flush=True)
                    res["http"].append(bench_http(w, env, key, messages, seconds, loadgen, Path(tmp),
                                                  repeat_healthz=not args.quick))
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    res["elapsed_s"] = round(time.perf_counter() - started, 1)
    print_report(res)
    print(f"\n(whole run {res['elapsed_s']} s)")
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
