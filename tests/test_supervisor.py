"""The pre-fork supervisor on its own, with workers that only sleep: signals, replacements, a failed start.

Run in a subprocess: the supervisor forks and takes over signals, neither of which belongs in pytest's process.
(tests/test_main.py covers it serving the real application.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT
from tests.test_main import workers_of

_SCRIPT = """
import os, sys, time
from app.supervisor import Supervisor

def work(ready):
    if sys.argv[1] == "fail":
        return 3  # as uvicorn when the application cannot start
    ready()
    supervisor = os.getppid()
    while os.getppid() == supervisor:  # never outlive a supervisor that was killed: no stray test processes
        time.sleep(0.1)
    return 0

print("started", flush=True)
sys.exit(Supervisor(work, 2).run())
"""


def supervise(mode: str = "sleep") -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, mode],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "started\n"
    return proc


def until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def supervisor():
    proc = supervise()
    yield proc
    if proc.poll() is None:
        proc.terminate()  # the supervisor stops its workers
        proc.wait(timeout=10)


def test_sighup_replaces_every_worker_and_sigterm_stops_them_all(supervisor):
    until(lambda: len(workers_of(supervisor.pid)) == 2)
    first = workers_of(supervisor.pid)
    supervisor.send_signal(signal.SIGHUP)
    until(lambda: len(workers_of(supervisor.pid)) == 2 and not workers_of(supervisor.pid) & first)
    last = workers_of(supervisor.pid)
    supervisor.terminate()
    assert supervisor.wait(timeout=10) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in first | last)


def test_sigttin_adds_a_worker_and_sigttou_removes_one(supervisor):
    until(lambda: len(workers_of(supervisor.pid)) == 2)
    supervisor.send_signal(signal.SIGTTIN)
    until(lambda: len(workers_of(supervisor.pid)) == 3)
    supervisor.send_signal(signal.SIGTTOU)
    until(lambda: len(workers_of(supervisor.pid)) == 2)


def test_a_worker_that_dies_is_replaced(supervisor):
    until(lambda: len(workers_of(supervisor.pid)) == 2)
    victim = min(workers_of(supervisor.pid))
    os.kill(victim, signal.SIGKILL)
    until(lambda: len(workers_of(supervisor.pid)) == 2 and victim not in workers_of(supervisor.pid))
    supervisor.terminate()
    assert supervisor.wait(timeout=10) == 0
    assert f"worker {victim} died (exit status -9): starting another" in supervisor.communicate()[1]


def test_a_worker_that_cannot_start_stops_everything_with_status_3():
    proc = supervise("fail")
    assert proc.wait(timeout=10) == 3
    assert "could not start (exit status 3): stopping" in proc.communicate()[1]
