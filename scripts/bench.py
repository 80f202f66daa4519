#!/usr/bin/env python3
"""Benchmark (not a test): matching and suggest latency, HTTP throughput, start-up time and memory.

    make bench                                  # runs: .venv/bin/python scripts/bench.py  (~1.5 minutes)
    .venv/bin/python scripts/bench.py --quick   # 3 s per HTTP measurement instead of 10 s
    .venv/bin/python scripts/bench.py --json bench.json --workers 1,2

One run prints, for this machine, each figure beside its target (met / MISSED):

1. In-process ``Engine.match`` and ``Engine.suggest`` p50/p99 in µs over the held-out messages
   (tests/data/heldout.tsv), for the shipped content and for a generated large set: the shipped content plus
   200 intents × 50 examples (deterministic; its lint is printed: a shipped test sentence that only a
   keyword carries can fall silent among 200 more intents, and is listed).
2. ``GET /healthz`` then ``POST /v1/suggest`` (then /healthz again) at 32 connections against one server:
   requests/s, p50, p99, the suggest/healthz ratio and the server's CPU per request. Load comes from ``wrk``
   (``apt-get install wrk``); without it a much weaker Python load generator stands in and says so.
3. Start-up (process start to the first answered ``POST /v1/suggest``) and resident memory per process.
4. Items 2 and 3 for WORKERS=1 and WORKERS=2. The server is ``python -m app`` on 127.0.0.1 with its own
   SQLite database and a bot key from ``python -m app keys create``; it is stopped (SIGTERM) however the run ends.
5. The HTTP floor: item 2 again (WORKERS=1) on a server whose engine answers every message from its
   first answer, so matching costs ~0. Its suggest/healthz ratio is the most any engine could reach
   with this HTTP stack; it is a diagnostic, not a figure of the service, and has no target.
6. A bare ASGI app (a fixed answer, no framework) on the same uvicorn configuration, under the same POST load:
   suggest ÷ bare says how much of what Python HTTP can do here the service uses; and the server's CPU per
   suggestion (from its own /proc accounting).
7. The content-size table: the shipped content, +10k and +47k generated examples, and one intent grown to 5,000
   examples; each started cold (empty cache) and warm in a fresh process: start-up, peak RSS, match p50/p99,
   the grown intent's own messages' p99, and a 2,000-character message ÷ a typical one (``--skip-content``).

On a shared machine, 'other CPU' says how much CPU other processes took during a measurement; figures taken
while it exceeds 15 % of a CPU are marked '!'.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.core.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "heldout.tsv"
CONNECTIONS, WRK_THREADS, DISTURBED = 32, 2, 15.0
TARGETS = {  # name: (limit, unit, higher is better)
    "match_p99_shipped": (1000.0, "µs", False),
    "match_p99_context": (1000.0, "µs", False),
    "match_p99_large": (5000.0, "µs", False),
    "suggest_vs_healthz": (50.0, "%", True),
    "suggest_p99_http": (30.0, "ms", False),
    "startup": (2.0, "s", False),
    "rss_per_worker": (250.0, "MB", False),
    "cpu_per_suggestion": (250.0, "µs", False),
    "content_startup_warm": (2.0, "s", False),
    "content_rss": (250.0, "MB", False),
    "grown_match_p99": (1000.0, "µs", False),
    "long_message": (5.0, "× typical", False),
}
TICK = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------- in-process

PRODUCTS = [
    ("空气炸锅", "炸锅"),
    ("电动牙刷", "牙刷"),
    ("蓝牙耳机", "耳机"),
    ("保温杯", "杯子"),
    ("扫地机器人", "扫地机"),
    ("电饭煲", "电饭锅"),
    ("吹风机", "电吹风"),
    ("加湿器", "加湿机"),
    ("榨汁机", "榨汁杯"),
    ("护眼台灯", "台灯"),
    ("行李箱", "拉杆箱"),
    ("羽绒服", "外套"),
    ("跑步鞋", "运动鞋"),
    ("四件套", "被套"),
    ("儿童书包", "书包"),
    ("智能手表", "手表"),
    ("充电宝", "移动电源"),
    ("电热水壶", "烧水壶"),
    ("筋膜枪", "按摩枪"),
    ("投影仪", "投影"),
]
PROBLEMS = [  # (name, keyword, phrasings): product questions the shipped intents do not cover, so lint passes
    ("配件购买", "买配件", ["想单独买个配件", "配件在哪买", "能多买一个替换的吗", "替换件有卖吗", "配件能单买吗"]),
    ("清洁保养", "清洁保养", ["平时怎么清洁", "清洁要注意什么", "多久保养一次", "能拆开清理吗", "用什么擦比较好"]),
    ("耗材更换", "换耗材", ["耗材多久换一次", "易损件多久换", "消耗件要定期换吗", "耗材有没有套装", "耗材用完去哪买"]),
    ("以旧换新", "以旧换新", ["能以旧换新吗", "旧的能折价吗", "以旧换新怎么弄", "旧机回收吗", "旧的抵多少钱"]),
    ("延保", "延保", ["能买延保吗", "延长保修怎么办理", "延保多少钱", "想加个延保", "有延保服务吗"]),
    (
        "收纳存放",
        "收纳存放",
        ["闲置了怎么收纳", "长期不用怎么存放", "放车里会不会坏", "冬天放阳台行吗", "收起来要拔电吗"],
    ),
    ("使用技巧", "使用技巧", ["有什么使用小技巧", "有推荐的用法吗", "新手有啥窍门", "怎么用更省电", "有没有使用攻略"]),
    ("刻字定制", "刻字", ["能刻字吗", "可以定制图案吗", "能帮忙包成礼物吗", "能写张贺卡吗", "送人能去掉价签吗"]),
    ("预约上门", "预约上门", ["能上门调试吗", "师傅什么时候上门", "约个上门时间", "上门要收费吗", "上门要等多久"]),
    (
        "企业采购",
        "批量采购",
        ["公司想批量采购", "买二十个有团购价吗", "企业采购怎么对接", "大量订能定制logo吗", "批量买多久能发"],
    ),
]
OPENERS = ["", "", "亲", "在吗", "你好", "老板", "客服", "亲亲", "hello", "掌柜的"]
CONTEXTS = [
    "",
    "",
    "昨天收到的",
    "前天到的",
    "上周买的",
    "刚拆开的",
    "用了三天的",
    "家里那台",
    "给我妈买的",
    "双十一买的",
]
ASKS = ["", "", "", "谢谢", "急", "在线等", "麻烦说下", "想了解一下", "回复下", "求解答", "方便说下吗"]
DETAILS = [
    *("", "", "", "", "白色款", "黑色的", "大号的", "小号", "送人的", "自己用的", "第二次买了", "朋友推荐的"),
    *("活动价买的", "直播间买的", "旗舰款", "基础款", "新款", "去年那款", "两个一起买的", "单独买的"),
]


def read_heldout(path: Path) -> list[str]:
    """The messages of the ``label<TAB>message`` lines."""
    rows = [line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return [msg.strip() for _, msg in rows if msg.strip()]


def make_large_content(
    shipped: Path, dest: Path, taken: set[str], seed: int = 20240601, per_intent: int = 50, big: int = 0
) -> None:
    """Copy the shipped content to ``dest`` and add 200 intents (product × problem) of ``per_intent`` distinct
    examples (the first of them ``big`` when given: one intent that grew alone), each with a keyword and a
    two-branch phrasebook flow. Deterministic; no example repeats one already in ``taken``."""
    for sub in ("intents", "phrasebook", "policy"):
        shutil.copytree(shipped / sub, dest / sub)
    rng, q = random.Random(seed), json.dumps  # a JSON string is a valid YAML double-quoted scalar
    for p, product in enumerate(PRODUCTS):
        for k, (problem, keyword, phrasings) in enumerate(PROBLEMS):
            examples: list[str] = []
            wanted = big if big and p == k == 0 else per_intent
            while len(examples) < wanted:
                name, said = rng.choice(product), rng.choice(phrasings)
                core = f"{rng.choice(CONTEXTS)}{name}{said}" if rng.random() < 0.7 else f"{said} 我买的是{name}"
                # Beyond a few thousand examples of one intent the phrasings above run out: details vary them.
                detail = rng.choice(DETAILS) if wanted > 200 else ""
                text = " ".join(s for s in (rng.choice(OPENERS), core, detail, rng.choice(ASKS)) if s)
                if text not in taken:
                    taken.add(text)
                    examples.append(text)
            intent, listed = f"gen_{p:02d}_{k:02d}", "\n".join(f"  - {q(s, ensure_ascii=False)}" for s in examples)
            (dest / "intents" / f"{intent}.yaml").write_text(
                f"id: {intent}\nname: {product[0]}·{problem}\ndescription: 基准测试生成 generated by scripts/bench.py\n"
                f"keywords:\n  {product[0]}{keyword}: [{product[1]}{keyword}]\nexamples:\n{listed}\n",
                encoding="utf-8",
            )
            (dest / "phrasebook" / f"{intent}.yaml").write_text(
                f"intent: {intent}\nbranches:\n  - id: check\n    name: 了解问题,请买家拍照\n    entry: true\n"
                f"    when: {{}}\n    text: 亲,收到~关于{product[0]}{problem}的问题,麻烦拍张照片给我看看哦\n"
                f"    evidence: [item_photos]\n    actions: [verify_order]\n    next: [photos_received]\n"
                f"  - id: photos_received\n    name: 照片已收到,登记跟进\n"
                f"    when: {{evidence_received: [item_photos]}}\n"
                f"    text: 好的亲,照片收到了,这边登记好马上跟进,{{{{ deadline }}}}前给您答复\n"
                f"    evidence: []\n    actions: [register, follow_up]\n    next: []\n",
                encoding="utf-8",
            )


def _pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(q * len(values)) - 1)]


def bench_engine(root: Path, cache_dir: Path, messages: list[str], passes: int, quiet: float) -> tuple[Engine, dict]:
    from app.core.engine import build_engine

    t0 = time.perf_counter()
    engine = build_engine(root, cache_dir)
    out: dict = {
        "build_s": round(time.perf_counter() - t0, 2),
        "intents": len(engine.catalog.intents),
        "examples": sum(len(i.examples) for i in engine.catalog.intents.values()),
        "messages": len(messages),
        "passes": passes,
    }
    wait_quiet(quiet, [])
    watch = CpuWatch([])
    from app.core.conversation import Role, Turn

    # A conversation before every message: a greeting, the agent's question and a fragment, so that a message
    # that says nothing alone is read again with the burst (the most reading one message can cost).
    context = [Turn(Role.BUYER, "在吗"), Turn(Role.AGENT, "亲,请问有什么可以帮您?"), Turn(Role.BUYER, "我买的东西")]

    def with_context(message: str) -> None:
        # As in a live conversation: the earlier turns were read when they arrived (and are remembered), the new
        # message never was. Untimed: forgetting, then reading the context turns as they came.
        engine.matcher.forget()
        for turn in context:
            if turn.role is Role.BUYER:
                engine.triage(turn.text)

    steps = (
        ("match", engine.match, None),  # engine.match is the matcher step
        ("match_context", lambda m: engine.triage(m, context=context), with_context),
        ("suggest", engine.suggest, None),
    )
    for step, fn, before in steps:
        for m in messages:  # warm-up pass, not measured
            fn(m)
        samples = []
        for _ in range(passes):
            for m in messages:
                if before is not None:
                    before(m)
                else:
                    engine.matcher.forget()  # every pass times messages never seen before
                t = time.perf_counter_ns()
                fn(m)
                samples.append(time.perf_counter_ns() - t)
        samples.sort()
        out[step] = {"p50": _pct(samples, 0.5) / 1000, "p99": _pct(samples, 0.99) / 1000}
    out["other_cpu_pct"] = watch.stop()["other_cpu_pct"]
    return engine, out


def bench_inprocess(messages: list[str], passes: int, cache_dir: Path, quiet: float) -> dict:
    from app.core.lint import lint

    engine, shipped = bench_engine(ROOT, cache_dir, messages, passes, quiet)
    taken = {e.text for i in engine.catalog.intents.values() for e in (*i.examples, *i.tests)}
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        make_large_content(ROOT, Path(tmp), taken)
        _, large = bench_engine(Path(tmp), cache_dir, messages, passes, quiet)
        report = lint(Path(tmp), cache_dir)  # what scripts/lint --root checks
        large["lint"] = {"errors": len(report.errors), "warnings": len(report.warnings)}
        for line in report.lines()[:5]:
            print(f"  lint (generated content): {line}", file=sys.stderr)
    return {"shipped": shipped, "large": large}


# ---------------------------------------------------------------- processes


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants: with WORKERS>1 the supervisor and its workers."""
    out, todo = [], [pid]
    while todo:
        out.append(p := todo.pop())
        try:
            todo += [int(c) for t in Path(f"/proc/{p}/task").iterdir() for c in (t / "children").read_text().split()]
        except OSError:
            pass
    return out


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_seconds(pids: list[int]) -> float:
    return sum(int(f[11]) + int(f[12]) for f in map(_stat, pids) if f) / TICK


class CpuWatch:
    """CPU used during a measurement by ``pids`` (the server) and by the rest of the machine apart from this
    process and its children (wrk): % of one CPU."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float, float]:
        v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        t = os.times()
        # user + nice + system + steal: interrupts and softirqs are mostly this benchmark's loopback traffic
        return (
            time.perf_counter(),
            (v[0] + v[1] + v[2] + v[7]) / TICK,
            cpu_seconds(self.pids),
            t.user + t.system + t.children_user + t.children_system,
        )

    def stop(self) -> dict[str, float]:
        t, busy, server, own = (b - a for a, b in zip(self.start, self._sample(), strict=True))
        return {
            "server_cpu_pct": round(100 * server / t, 1),
            "other_cpu_pct": round(max(0.0, 100 * (busy - server - own) / t), 1),
        }


def wait_quiet(limit: float, pids: list[int]) -> None:
    """Wait up to ``limit`` s for a half second in which other processes use at most DISTURBED % of a CPU."""
    end = time.perf_counter() + limit
    while time.perf_counter() < end:
        watch = CpuWatch(pids)
        time.sleep(0.5)
        if watch.stop()["other_cpu_pct"] <= DISTURBED:
            return


def rss(pid: int) -> dict:
    """RSS in MB: the supervisor (WORKERS>1) and each worker, and the total (with multiprocessing's helper)."""
    procs = {}
    for p in tree(pid):
        try:
            kb = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text())
            procs[p] = (round(int(kb.group(1)) / 1024, 1) if kb else 0.0, Path(f"/proc/{p}/cmdline").read_bytes())
        except OSError:
            pass
    workers = [mb for p, (mb, cmd) in procs.items() if p != pid and b"resource_tracker" not in cmd]
    own = procs.get(pid, (0.0, b""))[0]
    return {
        "supervisor_mb": own if workers else None,
        "workers_mb": workers or [own],
        "total_mb": round(sum(mb for mb, _ in procs.values()), 1),
    }


def keepalive_ms(port: int, n: int = 20) -> float:
    """Median of ``n`` sequential GET /healthz on one keep-alive connection. ~40 ms means Nagle's algorithm meets
    delayed ACKs: the accepted sockets lack TCP_NODELAY (uvicorn's multi-worker path, uvicorn issue #3149)."""
    conn, times = http.client.HTTPConnection("127.0.0.1", port, timeout=5), []
    try:
        for _ in range(n + 1):
            t = time.perf_counter()
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            times.append((time.perf_counter() - t) * 1000)
    finally:
        conn.close()
    return round(sorted(times[1:])[n // 2], 2)


class Server:
    """``python -m app`` in its own session (Ctrl-C reaches only us), output timestamped, stopped by SIGTERM."""

    def __init__(self, env: dict[str, str], command: list[str] | None = None) -> None:
        self.env = env
        self.lines: list[tuple[float, str]] = []
        self.proc: subprocess.Popen[str] | None = None
        self.command = command or [sys.executable, "-m", "app"]

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def process(self) -> subprocess.Popen[str]:
        assert self.proc is not None, "start() first"
        return self.proc

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.perf_counter() - self.t0, line.rstrip()))

    def line(self, test: Callable[[str], bool], wait: float = 0.0) -> tuple[float, str] | None:
        """The first output line passing ``test``; if none yet, wait for one until ``wait`` s after the start."""
        while True:
            found = next(((t, s) for t, s in list(self.lines) if test(s)), None)
            if found or time.perf_counter() - self.t0 > wait or self.process.poll() is not None:
                return found
            time.sleep(0.02)

    def wait_suggest(self, port: int, key: str, limit: float = 60.0) -> float:
        """Seconds from process start to the first 200 from POST /v1/suggest, trying every 20 ms."""
        body, headers = (
            json.dumps({"message": "快递到哪了"}),
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        while time.perf_counter() - self.t0 < limit and self.process.poll() is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("POST", "/v1/suggest", body, headers)
                status = conn.getresponse().status
                if status == 200:
                    return time.perf_counter() - self.t0
                raise RuntimeError(f"POST /v1/suggest answered {status} (key refused?)\n{self.output()}")
            except OSError:
                time.sleep(0.02)
            finally:
                conn.close()
        raise RuntimeError(f"no answer from POST /v1/suggest (exit code {self.process.poll()}):\n{self.output()}")

    def wait_idle(self, quiet: float = 0.3, limit: float = 30.0) -> float:
        """Seconds from start until no server process used CPU for ``quiet`` s: every worker has its engine."""
        last, since = cpu_seconds(tree(self.process.pid)), time.perf_counter()
        while time.perf_counter() - since < quiet and time.perf_counter() - self.t0 < limit:
            time.sleep(0.05)
            if (now := cpu_seconds(tree(self.process.pid))) != last:
                last, since = now, time.perf_counter()
        return time.perf_counter() - self.t0

    def output(self) -> str:
        return "\n".join(s for _, s in self.lines[-30:])

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit code. Workers still alive afterwards (same pid and start time) get SIGTERM."""
        if self.proc is None:
            return None
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        try:
            if self.proc.poll() is None:
                kids = [(p, _stat(p)[19:20]) for p in tree(self.proc.pid)[1:]]
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    print("  server ignored SIGTERM for 15 s; killing it", file=sys.stderr)
                    self.proc.kill()
                    self.proc.wait()
                for pid, started in kids:
                    if started and _stat(pid)[19:20] == started:
                        os.kill(pid, signal.SIGTERM)
        finally:
            signal.signal(signal.SIGINT, previous)
        return self.proc.returncode


def create_key(env: dict[str, str]) -> str | None:
    """``python -m app keys create --role bot --shop '*'``: the key is the last line of its output."""
    run = subprocess.run(
        [sys.executable, "-m", "app", "keys", "create", "--role", "bot", "--shop", "*", "--label", "bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    last = (run.stdout.strip().splitlines() or [""])[-1].strip()
    if run.returncode == 0 and last.startswith("shk_"):
        return last
    print(
        f"!! keys create failed (exit {run.returncode}); will use the admin key the server prints:\n"
        f"{run.stdout}{run.stderr}",
        file=sys.stderr,
    )
    return None


def _admin_key(line: str) -> str:
    """The key in the file the first start named ("… written to <path> (readable only by you; …")."""
    path = Path(line.split("written to ", 1)[1].split(" (", 1)[0])
    return next((k for k in path.read_text(encoding="utf-8").splitlines() if k.startswith("shk_")), "")


# ---------------------------------------------------------------- load


# Each request's message ends in a number no other request has: the matcher remembers the readings of recent
# messages (a conversation's turns are read again with every new one), and the held-out messages cycled through
# a server would otherwise be read once and then remembered, so the figures would measure that memory. The
# floor (--serve-precomputed) drops the number again to find its precomputed answer.
def unique(message: str, n: int) -> str:
    return f"{message} {n}"


def _lua(messages: list[str], key: str) -> str:
    def lua(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    # A message's JSON without its closing quote and brace, so that each request appends its number.
    heads = ",\n".join(lua(json.dumps({"message": m})[: -len('"}')]) for m in messages)  # ASCII-only JSON
    return (
        f"local heads = {{\n{heads}\n}}\nlocal n, i, c = #heads, 0, 0\n"
        "local threads = 0\n"
        'function setup(thread) threads = threads + 1; thread:set("tid", threads) end\n'
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = {lua("Bearer " + key)}\n'
        "request = function()\n  i = i % n + 1\n  c = c + 1\n"
        '  return wrk.format(nil, "/v1/suggest", nil, heads[i] .. " " .. (tid * 10000000 + c) .. \'"}\')\nend\n'
    )


def run_wrk(url: str, seconds: float, script: Path | None) -> dict:
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    out = subprocess.run(
        [*cmd, *(["-s", str(script)] if script else []), url], capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    pct = {p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None or len(pct) < 2:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    bad, errs = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out), re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": pct["50"],
        "p99_ms": pct["99"],
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errs.group(1) if errs else "",
    }


def run_python_load(url: str, seconds: float, bodies: list[str] | None, key: str) -> dict:
    """The weaker fallback: asyncio + httpx in this process, which competes with the server for the CPUs."""
    import httpx  # a dev dependency

    async def run() -> dict:
        lat, bad, end = [], 0, time.perf_counter() + seconds
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS), timeout=10) as client:

            async def user(n: int) -> None:
                nonlocal bad
                while time.perf_counter() < end:
                    t = time.perf_counter()
                    r = await (
                        client.post(url, json={"message": unique(bodies[n % len(bodies)], n)}, headers=headers)
                        if bodies
                        else client.get(url)
                    )
                    lat.append((time.perf_counter() - t) * 1000)
                    bad, n = bad + (r.status_code >= 300), n + CONNECTIONS

            t0 = time.perf_counter()
            await asyncio.gather(*(user(n) for n in range(CONNECTIONS)))
            lat.sort()
            return {
                "rps": len(lat) / (time.perf_counter() - t0),
                "p50_ms": _pct(lat, 0.5),
                "p99_ms": _pct(lat, 0.99),
                "non_2xx": bad,
                "socket_errors": "",
            }

    return asyncio.run(run())


def bench_http(
    workers: int,
    env: dict[str, str],
    key: str | None,
    messages: list[str],
    seconds: float,
    loadgen: str,
    tmp: Path,
    repeat_healthz: bool,
    quiet: float,
    precomputed: bool = False,
) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-precomputed"] if precomputed else None
    server = Server({**env, "PORT": str(port), "WORKERS": str(workers)}, command)
    out: dict = {"workers": workers, "loadgen": loadgen, "precomputed": precomputed}
    try:
        watch = CpuWatch([])  # the server's processes come and go during start-up: counted at the end
        server.start()
        if key is None:  # the first start with no key at all writes an admin key to a file and says where
            found = server.line(lambda s: "admin key was made and written to" in s, wait=60)
            key = out["admin_key"] = _admin_key(found[1]) if found else ""
        out["startup_s"] = round(server.wait_suggest(port, key), 3)
        out["startup_cpu_s"] = round(cpu_seconds(tree(server.process.pid)), 2)
        others = watch.stop()["other_cpu_pct"] - 100 * out["startup_cpu_s"] / out["startup_s"]
        out["other_cpu_pct"] = max(0.0, round(others))
        serving = server.line(lambda s: "serving on" in s)
        out["serving_line_s"] = round(serving[0], 3) if serving else None
        out["all_idle_s"] = round(server.wait_idle(), 3)
        out["rss_after_startup"] = rss(server.process.pid)
        base, bodies, script = f"http://127.0.0.1:{port}", messages, tmp / "s.lua"
        script.write_text(_lua(messages, key), encoding="utf-8")

        def load(path: str, post: bool, secs: float) -> dict:
            wait_quiet(quiet, tree(server.process.pid))
            watch = CpuWatch(tree(server.process.pid))
            r = (
                run_wrk(base + path, secs, script if post else None)
                if loadgen == "wrk"
                else run_python_load(base + path, secs, bodies if post else None, key)
            )
            r.update(watch.stop())
            r["cpu_per_request_us"] = round(r["server_cpu_pct"] * 1e4 / r["rps"]) if r["rps"] else None
            return r

        load("/v1/suggest", True, 1 if not precomputed else 2)  # warm-up (and, precomputed, every answer)
        out["keepalive_healthz_ms"] = keepalive_ms(port)
        out["healthz"] = load("/healthz", False, seconds)
        out["suggest"] = load("/v1/suggest", True, seconds)
        if repeat_healthz:
            out["healthz_again"] = load("/healthz", False, seconds)
        out["ratio_pct"] = round(100 * out["suggest"]["rps"] / out["healthz"]["rps"], 1)
        out["rss_after_load"] = rss(server.process.pid)
    finally:
        out["exit_code"] = server.stop()  # uvicorn re-raises SIGTERM after a graceful shutdown: -15 is normal
    return out


def serve_precomputed() -> int:
    """``python -m app`` whose engine answers each message from its first answer: the HTTP floor.

    Everything else is the real service (key check, rate limit, body validation, order checks,
    serialisation, middlewares), so suggest/healthz here is the ratio a zero-cost engine would reach.
    Benchmark-only; never part of the service.
    """
    from app.__main__ import main as serve
    from app.suggest import service

    # The plain route's one call into the engine (app/suggest/endpoints.py → service.suggest, triage then
    # advise). Patching Engine.suggest, as before the two-phase engine, no longer touched the route's path, so
    # the "floor" measured the real service.
    real = service.suggest
    answers: dict[tuple[int, str, str | None], Any] = {}

    def suggest(engine: Any, ask: Any, shop_id: str | None) -> Any:
        key = (id(engine), ask.message.rsplit(" ", 1)[0], shop_id)  # without the request's number (unique())
        found = answers.get(key)
        if found is None:
            answers[key] = found = real(engine, ask, shop_id)
        return found

    # Benchmark-only, in this process alone: replacing the function is the point.
    service.suggest = suggest
    return serve([])


def serve_bare() -> int:
    """A bare ASGI app (a fixed JSON answer to every request, no framework) on the same uvicorn configuration as
    ``python -m app`` (app/serving.py): what Python HTTP itself costs here. Benchmark-only."""
    import asyncio as _asyncio

    import uvicorn

    from app.serving import config
    from app.settings import Settings

    body = b'{"status":"ok"}'
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }

    async def bare(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:  # read the request body, as the service does
            more = (await receive()).get("more_body", False)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    settings = Settings.from_env()
    print("serving on bare ASGI app", flush=True)
    _asyncio.run(uvicorn.Server(config(bare, settings, lifespan="off")).serve())
    return 0


def bench_bare(
    env: dict[str, str], key: str | None, messages: list[str], seconds: float, loadgen: str, tmp: Path, quiet: float
) -> dict:
    """The bare ASGI app on the same server and load: POST with the same bodies as /v1/suggest."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Server({**env, "PORT": str(port)}, [sys.executable, str(Path(__file__).resolve()), "--serve-bare"])
    out: dict = {"loadgen": loadgen}
    try:
        server.start()
        if server.line(lambda line: "serving on" in line, wait=30) is None:
            raise RuntimeError("the bare ASGI server did not start")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.05)
        script = tmp / "bare.lua"
        script.write_text(_lua(messages, key or ""), encoding="utf-8")
        wait_quiet(quiet, tree(server.process.pid))
        watch = CpuWatch(tree(server.process.pid))
        url = f"http://127.0.0.1:{port}/v1/suggest"
        r = run_wrk(url, seconds, script) if loadgen == "wrk" else run_python_load(url, seconds, messages, key or "")
        r.update(watch.stop())
        r["cpu_per_request_us"] = round(r["server_cpu_pct"] * 1e4 / r["rps"]) if r["rps"] else None
        out["bare"] = r
    finally:
        out["exit_code"] = server.stop()
    return out


# ---------------------------------------------------------------- content sizes

SIZES = (  # name, examples per generated intent (0: the shipped content alone), examples of the one grown intent
    ("shipped", 0, 0),
    ("13k", 50, 0),
    ("50k", 235, 0),
    ("one intent 5k", 50, 5000),
)


def _status_kb(field: str) -> int:
    """A field of /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def probe_content(root: Path, cache_dir: Path, passes: int, spawned: float) -> dict:
    """In this (fresh) process, started at ``spawned`` (time.time() of the parent): build the engine from
    ``root`` and measure it. Printed as one JSON line."""
    import gc

    from app.core.engine import build_engine

    t0 = time.perf_counter()
    engine = build_engine(root, cache_dir)
    built = time.perf_counter() - t0
    cpu = time.process_time()  # imports and build: what start-up costs however busy the machine is
    gc.collect()
    gc.freeze()  # as the server does after start-up (app/reload.py settle)
    heldout = read_heldout(HELDOUT)
    grown = [f"{name}{said}" for name in PRODUCTS[0] for said in PROBLEMS[0][2]]  # led by the grown intent
    tt = time.thread_time_ns

    def cost(messages: list[str], fn: Callable[[str], object]) -> dict:
        samples = []
        for _ in range(passes):
            for m in messages:
                engine.matcher.forget()
                t = tt()
                fn(m)
                samples.append(tt() - t)
        samples.sort()
        return {
            "p50": _pct(samples, 0.5) / 1000,
            "p99": _pct(samples, 0.99) / 1000,
            "mean": sum(samples) / len(samples) / 1000,
        }

    match, grown_match = cost(heldout, engine.match), cost(grown, engine.match)
    typical = cost(heldout[:100], engine.suggest)
    long = cost(["".join(heldout)[:2000]] * 5, engine.suggest)
    return {
        "examples": sum(len(i.examples) for i in engine.catalog.intents.values()),
        "largest_intent": max(len(i.examples) for i in engine.catalog.intents.values()),
        "build_s": round(built, 2),
        "startup_cpu_s": round(cpu, 2),
        "startup_s": round(time.time() - spawned - (time.perf_counter() - t0 - built), 2),
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec, and the
        # parent (this benchmark) may have held a larger engine.
        "peak_rss_mb": round(_status_kb("VmHWM") / 1024),
        "match": match,
        "grown_match": grown_match,
        "long_vs_typical": round(long["mean"] / typical["mean"], 1),
    }


def bench_content(passes: int, tmp: Path) -> list[dict]:
    """Each size: a cold start (empty cache) then a warm one (the caches it left), each in a fresh process;
    start-up = process start to the engine built, RSS = the process's peak."""
    rows = []
    from app.core.engine import build_engine

    shipped = build_engine(ROOT, ROOT / ".cache")
    taken = {e.text for i in shipped.catalog.intents.values() for e in (*i.examples, *i.tests)}
    for name, per_intent, big in SIZES:
        root = ROOT
        if per_intent:
            root = tmp / f"content-{per_intent}-{big}"
            make_large_content(ROOT, root, set(taken), per_intent=per_intent, big=big)
        cache = tmp / f"cache-{per_intent}-{big}"
        row: dict = {"size": name}
        for start in ("cold", "warm"):
            spawned = str(time.time())
            done = subprocess.run(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--probe-content",
                    str(root),
                    str(cache),
                    str(passes),
                    spawned,
                ],
                capture_output=True,
                text=True,
                timeout=900,
            )
            if done.returncode != 0:
                raise RuntimeError(f"content probe failed: {done.stderr[-2000:]}")
            row[start] = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"   content {name}: warm start {row['warm']['startup_s']} s", flush=True)
    return rows


# ---------------------------------------------------------------- report


def _flag(*measured: dict) -> str:
    return " !" if any(r.get("other_cpu_pct", 0) > DISTURBED for r in measured) else ""


def verdicts(res: dict) -> list[dict]:
    rows = []

    def check(label: str, target: str, value: float, *measured: dict) -> None:
        limit, unit, higher = TARGETS[target]
        rows.append(
            {
                "figure": label,
                "target": f"{'≥' if higher else '≤'} {limit:g} {unit}",
                "value": round(value, 2),
                "met": value >= limit if higher else value <= limit,
                "disturbed": bool(_flag(*measured)),
            }
        )

    for name, target in (("shipped", "match_p99_shipped"), ("large", "match_p99_large")):
        if name in res.get("inprocess", {}):
            r = res["inprocess"][name]
            check(f"match p99, {name} content (µs)", target, r["match"]["p99"], r)
            if name == "shipped":
                check("match p99 with a conversation, shipped (µs)", "match_p99_context", r["match_context"]["p99"], r)
    for h in res.get("http", []):
        if h.get("precomputed"):
            continue  # a diagnostic, not the service
        w, nagle = f"WORKERS={h['workers']}", " [Nagle]" if h["keepalive_healthz_ms"] > 30 else ""
        check(f"{w}{nagle} suggest/healthz req/s (%)", "suggest_vs_healthz", h["ratio_pct"], h["healthz"], h["suggest"])
        check(f"{w}{nagle} suggest p99 (ms)", "suggest_p99_http", h["suggest"]["p99_ms"], h["suggest"])
        if h["suggest"].get("cpu_per_request_us") is not None:
            check(f"{w} server CPU per suggestion (µs)", "cpu_per_suggestion", h["suggest"]["cpu_per_request_us"], h)
        check(f"{w} start-up (s)", "startup", h["startup_s"], h)
        check(
            f"{w} RSS per worker, max (MB)",
            "rss_per_worker",
            max(h["rss_after_startup"]["workers_mb"] + h["rss_after_load"]["workers_mb"]),
        )
    for row in res.get("content", []):
        if row["size"] != "one intent 5k" and row["size"] != "shipped":
            check(f"content {row['size']}: warm start-up (s)", "content_startup_warm", row["warm"]["startup_s"])
            check(f"content {row['size']}: warm peak RSS (MB)", "content_rss", row["warm"]["peak_rss_mb"])
        if row["size"] == "one intent 5k":
            check(
                "content one intent 5k: its messages' match p99 (µs)",
                "grown_match_p99",
                row["warm"]["grown_match"]["p99"],
            )
        if row["size"] == "shipped":
            check("2,000-character message ÷ typical suggest (×)", "long_message", row["warm"]["long_vs_typical"])
    return rows


def print_report(res: dict) -> None:
    m = res["machine"]
    print(
        f"\n== machine: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}; load average at start "
        f"{m['loadavg_start']:.2f}"
    )
    print(
        "   other CPU = CPU taken meanwhile by processes outside the benchmark, % of one CPU "
        f"('!' above {DISTURBED:g} %)"
    )
    for name, r in res.get("inprocess", {}).items():
        print(
            f"\n== in-process, {name} content: {r['intents']} intents, {r['examples']} examples, "
            f"build {r['build_s']} s"
            + (f", lint {r['lint']['errors']} errors {r['lint']['warnings']} warnings" if "lint" in r else "")
            + f"\n   {r['messages']} held-out messages × {r['passes']} passes; "
            f"other CPU {r['other_cpu_pct']:g} %{_flag(r)}"
        )
        for step in ("match", "suggest"):
            print(f"   {step:8} p50 {r[step]['p50']:7.0f} µs   p99 {r[step]['p99']:7.0f} µs")
    for h in res.get("http", []):
        label = "wrk" if h["loadgen"] == "wrk" else "PYTHON FALLBACK load generator, much weaker: apt-get install wrk"
        floor = (
            (
                " — HTTP FLOOR: each message's answer precomputed, so the engine costs ~0 (not the service's "
                "figure; the most any engine could reach)"
            )
            if h.get("precomputed")
            else ""
        )
        print(f"\n== HTTP, WORKERS={h['workers']}, {CONNECTIONS} connections, {label}{floor}")
        print(
            f"   start-up: first suggest answered {h['startup_s']:.2f} s after process start "
            f"('serving on' printed at {h['serving_line_s']} s, all workers idle at {h['all_idle_s']:.2f} s)\n"
            f"   start-up used {h['startup_cpu_s']} CPU s; other CPU {h['other_cpu_pct']:g} %{_flag(h)}"
        )
        nagle = "  <- Nagle + delayed ACK: no TCP_NODELAY (uvicorn #3149)" if h["keepalive_healthz_ms"] > 30 else ""
        print(f"   one keep-alive connection, GET /healthz median {h['keepalive_healthz_ms']:.2f} ms{nagle}")
        print(
            f"   {'':14}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>8}{'server CPU':>11}{'CPU/req':>10}"
            f"{'other CPU':>10}"
        )
        for k in ("healthz", "suggest", "healthz_again"):
            if k in h:
                r = h[k]
                print(
                    f"   {k:14}{r['rps']:8.0f}{r['p50_ms']:9.2f}{r['p99_ms']:9.2f}{r['non_2xx']:8d}"
                    f"{r['server_cpu_pct']:10.0f}%{r['cpu_per_request_us']:8} µs{r['other_cpu_pct']:9.0f}%{_flag(r)}"
                    + (f"  socket errors: {r['socket_errors']}" if r["socket_errors"] else "")
                )
        print(f"   suggest/healthz throughput {h['ratio_pct']:.1f} %; exit code after SIGTERM {h['exit_code']}")
        for when in ("rss_after_startup", "rss_after_load"):
            r = h[when]
            sup = f"supervisor {r['supervisor_mb']} + " if r["supervisor_mb"] is not None else ""
            print(f"   RSS {when[4:].replace('_', ' '):14} {sup}workers {r['workers_mb']} = {r['total_mb']} MB")
    for h in res.get("http", []):
        if "bare" in h:
            b = h["bare"]
            print(
                f"\n== HTTP, a bare ASGI app on the same server (uvicorn, app/serving.py's configuration), "
                f"{CONNECTIONS} connections\n   bare {b['rps']:8.0f} req/s, p99 {b['p99_ms']:.2f} ms, CPU/req "
                f"{b['cpu_per_request_us']} µs, other CPU {b['other_cpu_pct']:.0f}%{_flag(b)}"
            )
    suggests = [h for h in res.get("http", []) if "suggest" in h and not h.get("precomputed") and h["workers"] == 1]
    bare = next((h["bare"] for h in res.get("http", []) if "bare" in h), None)
    if suggests:
        h = suggests[0]
        print(
            f"\n== suggest (WORKERS=1): {h['suggest']['cpu_per_request_us']} µs server CPU per suggestion; "
            f"suggest ÷ healthz {h['ratio_pct']:.1f} %"
            + (f"; suggest ÷ bare ASGI {100 * h['suggest']['rps'] / bare['rps']:.1f} %" if bare and bare["rps"] else "")
        )
    if res.get("content"):
        print("\n== content sizes (each start a fresh process; µs are CPU per message, held-out messages)")
        print(
            f"   {'size':16}{'examples':>9}{'largest':>8}{'cold s':>8}{'warm s':>8}{'warm CPU s':>11}{'RSS MB':>8}"
            f"{'p50 µs':>8}{'p99 µs':>8}{'grown p99':>10}{'2000ch ×':>9}"
        )
        for row in res["content"]:
            c, w = row["cold"], row["warm"]
            print(
                f"   {row['size']:16}{w['examples']:9d}{w['largest_intent']:8d}{c['startup_s']:8.2f}{w['startup_s']:8.2f}"
                f"{w.get('startup_cpu_s', 0.0):11.2f}"
                f"{w['peak_rss_mb']:8d}{w['match']['p50']:8.0f}{w['match']['p99']:8.0f}{w['grown_match']['p99']:10.0f}"
                f"{w['long_vs_typical']:9.1f}"
            )
    res["targets"] = verdicts(res)
    print(
        f"\n== targets ('!': other processes took more than {DISTURBED:g} % of a CPU meanwhile; [Nagle]: every "
        "response waited ~40 ms for a delayed ACK, so HTTP figures there measure that, not the service)"
    )
    for r in res["targets"]:
        print(
            f"   {r['figure']:46} {r['value']:9.2f}   target {r['target']:11} {'met' if r['met'] else 'MISSED'}"
            + (" !" if r["disturbed"] else "")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 s per HTTP measurement; /healthz measured once")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--workers", default="1,2", help="WORKERS values to serve with (default 1,2)")
    parser.add_argument("--passes", type=int, default=5, help="measured passes over the messages (default 5)")
    parser.add_argument("--duration", type=float, help="seconds per HTTP measurement (default 10; --quick 3)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="before each measurement wait up to S s for other processes to go quiet (default 0)",
    )
    parser.add_argument("--skip-inprocess", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the HTTP floor (WORKERS=1 with every answer precomputed)"
    )
    parser.add_argument("--skip-content", action="store_true", help="skip the content-size table (~3 minutes)")
    parser.add_argument("--serve-precomputed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--probe-content", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument(
        "--cases",
        action="store_true",
        help="also batches, the mixed load and case routes as cases grow (bench_cases.py)",
    )
    sys.path.insert(0, str(ROOT))  # run as a script, only scripts/ is on the path
    from scripts import bench_cases

    bench_cases.add_arguments(parser)
    args = parser.parse_args()
    if args.serve_precomputed:
        return serve_precomputed()
    if args.serve_bare:
        return serve_bare()
    if args.probe_content:
        root, cache, passes, spawned = args.probe_content
        print(json.dumps(probe_content(Path(root), Path(cache), int(passes), float(spawned))))
        return 0
    seconds = args.duration or (3.0 if args.quick else 10.0)
    loadgen = "wrk" if args.loadgen == "auto" else args.loadgen
    if loadgen == "wrk" and shutil.which("wrk") is None:
        if args.loadgen == "wrk":
            parser.error("wrk not found: apt-get install wrk")
        print(
            "!! wrk not found. Install it (apt-get install wrk) for real figures; falling back to a Python load "
            "generator (httpx + asyncio), much weaker, sharing the CPUs with the server."
        )
        loadgen = "python"
    messages, cache_dir = read_heldout(HELDOUT), ROOT / ".cache"
    res: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_start": os.getloadavg()[0],
        }
    }
    started = time.perf_counter()
    try:
        if not args.skip_inprocess:
            print(f"in-process: {len(messages)} held-out messages, shipped and large content ...", flush=True)
            res["inprocess"] = bench_inprocess(messages, args.passes, cache_dir, args.wait_quiet)
        if not args.skip_content:
            print("content sizes: shipped, 10k, 50k examples and one intent of 5k, cold and warm ...", flush=True)
            with tempfile.TemporaryDirectory(prefix="bench-sizes-") as tmp:
                res["content"] = bench_content(max(1, args.passes // 2), Path(tmp))
        if not args.skip_http:
            res["http"] = []
            with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
                env = {
                    **os.environ,
                    "HOST": "127.0.0.1",
                    "CONTENT_DIR": str(ROOT),
                    "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                    "ADMIN_KEY_FILE": f"{tmp}/admin-key.txt",  # never over the user's own ./data/admin-key.txt
                    "CACHE_DIR": str(cache_dir),
                    "WATCH_CONTENT": "0",
                    "LOG_LEVEL": "warning",
                    "RATE_LIMIT_PER_MINUTE": "100000000",
                    "ROLE_BUDGETS_PER_MINUTE": "bot=100000000",  # a bot key's own default (12,000) is reached here
                    "PYTHONUNBUFFERED": "1",
                }
                key = create_key(env)
                for w in (int(x) for x in args.workers.split(",")):
                    print(f"HTTP: WORKERS={w}, {seconds:g} s per measurement ({loadgen}) ...", flush=True)
                    res["http"].append(
                        bench_http(w, env, key, messages, seconds, loadgen, Path(tmp), not args.quick, args.wait_quiet)
                    )
                    key = key or res["http"][-1].pop("admin_key", None)
                    if w == 1:
                        print(f"HTTP: a bare ASGI app on the same server, {seconds:g} s ...", flush=True)
                        res["http"][-1]["bare"] = bench_bare(
                            env, key, messages, seconds, loadgen, Path(tmp), args.wait_quiet
                        )["bare"]
                if not args.no_floor:
                    print(
                        f"HTTP floor: WORKERS=1, every answer precomputed, {seconds:g} s per measurement ...",
                        flush=True,
                    )
                    res["http"].append(
                        bench_http(
                            1, env, key, messages, seconds, loadgen, Path(tmp), False, args.wait_quiet, precomputed=True
                        )
                    )
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:  # the server did not start or answer, or wrk's output was unreadable
        print(f"\n!! {exc}", file=sys.stderr)
        return 1
    if args.cases:  # after the servers above are stopped: its own servers, databases and figures
        res["cases"] = bench_cases.run(args)
    res["elapsed_s"] = round(time.perf_counter() - started, 1)
    print_report(res)
    if args.cases:
        print("\n".join(bench_cases.report(res["cases"])))
    print(f"\n(whole run {res['elapsed_s']} s)")
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
