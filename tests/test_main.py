"""The real entry point, as `make run` starts it: a separate process, settings from the environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port, wait_healthy


def test_settings_from_env(monkeypatch, tmp_path):
    for name in ("HOST", "PORT", "CONTENT_DIR", "CACHE_DIR", "LOG_LEVEL", "ADMIN_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env() == Settings()
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    s = Settings.from_env()
    assert (s.host, s.port, s.cache_dir, s.log_level) == ("0.0.0.0", 9001, tmp_path, "warning")


def start(env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    """Start ``python -m app`` and read its output up to the "serving" line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if "serving on" in line:
            break
    assert proc.poll() is None, "\n".join(lines)
    return proc, lines


def keys_cli(env: dict[str, str], *args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "app", "keys", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip().splitlines()


def test_python_m_app_serves_suggestions_with_its_first_admin_key(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "AUTH_CACHE_SECONDS": "0",
        "ADMIN_KEY_FILE": str(tmp_path / "keys" / "admin-key.txt"),
    }
    proc, lines = start(env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        # First start on an empty database: one admin key, in a file only this user may read, with a
        # ready-made demo link; the output (which ends up in logs) says where, and never holds the key.
        key_file = tmp_path / "keys" / "admin-key.txt"
        assert any(str(key_file) in line for line in lines), lines
        assert not any("shk_" in line for line in lines), lines
        assert key_file.stat().st_mode & 0o777 == 0o600
        admin = [line for line in key_file.read_text(encoding="utf-8").splitlines() if line.startswith("shk_")]
        assert len(admin) == 1 and f"/demo#key={admin[0]}" in key_file.read_text(encoding="utf-8")
        assert httpx.post(f"{base}/v1/suggest", json={"message": "快递三天没动了"}, timeout=5).status_code == 401
        headers = {"Authorization": f"Bearer {admin[0]}"}
        r = httpx.post(f"{base}/v1/suggest", json={"message": "快递三天没动了 帮我催一下"}, headers=headers, timeout=5)
        assert r.status_code == 200 and r.json()["intents"][0]["id"] == "delivery_chase"
        assert (tmp_path / "cache").is_dir()  # jieba's cache lives where the settings say, not in /tmp
        # make run migrates the database before serving: a case-aware suggestion can be recorded at once
        r = httpx.post(
            f"{base}/v1/suggest", json={"message": "杯子碎了", "conversation_id": "c1"}, headers=headers, timeout=5
        )
        assert r.status_code == 200 and r.json()["cases"][0]["created"] is True

        # The CLI: the new key is the last line; list shows it without its secret; revoke ends it.
        out = keys_cli(env, "create", "--role", "bot", "--shop", "shop-a", "--label", "robot")
        bot = out[-1]
        assert bot.startswith("shk_")
        bot_headers = {"Authorization": f"Bearer {bot}"}
        r = httpx.post(f"{base}/v1/suggest", json={"message": "杯子碎了"}, headers=bot_headers, timeout=5)
        assert r.status_code == 200
        listed = "\n".join(keys_cli(env, "list"))
        key_id = bot.split("_")[1]
        assert key_id in listed and "shop-a" in listed and bot.split("_", 2)[2] not in listed
        keys_cli(env, "revoke", key_id)
        r = httpx.post(f"{base}/v1/suggest", json={"message": "杯子碎了"}, headers=bot_headers, timeout=5)
        assert r.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # A second start finds keys and makes none.
    key_file.unlink()
    proc, lines = start({**env, "PORT": str(free_port())})
    proc.terminate()
    proc.wait(timeout=10)
    assert not any("shk_" in line or "admin-key" in line for line in lines) and not key_file.exists()


def test_first_start_makes_no_key_it_cannot_write_down(tmp_path):
    """A key written nowhere would be a key nobody has: none is made, and the next start tries again."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "ADMIN_KEY_FILE": str(blocked / "admin-key.txt"),
    }
    proc, lines = start(env)
    proc.terminate()
    proc.wait(timeout=10)
    assert any("could not write the admin key" in line for line in lines) and not any("shk_" in line for line in lines)
    keys = keys_cli(env, "list")
    assert keys == [], keys


@pytest.mark.parametrize("workers", ["1", "2"])
def test_broken_content_refuses_to_start_with_file_and_line(content_root, workers):
    flow = content_root / "phrasebook" / "damaged.yaml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("actions: [note]", "actions: [nope]", 1), encoding="utf-8")
    env = {
        **os.environ,
        "CONTENT_DIR": str(content_root),
        "PORT": str(free_port()),
        "CACHE_DIR": str(content_root / "c"),
        "WORKERS": workers,
    }
    result = subprocess.run(
        [sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "phrasebook/damaged.yaml:" in result.stderr and "nope" in result.stderr


def workers_of(pid: int) -> set[int]:
    kids = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids |= {int(k) for k in (task / "children").read_text().split()}
    return kids


def script_for(base: str, key: str, message: str = "杯子碎了") -> str:
    r = httpx.post(
        f"{base}/v1/suggest", json={"message": message}, headers={"Authorization": f"Bearer {key}"}, timeout=5
    )
    assert r.status_code == 200, r.text
    return r.json()["suggestions"][0]["text"]


def test_two_workers_share_the_start_up_engine_and_replacements_read_the_files(content_root, tmp_path):
    """WORKERS=2 forks both workers from the process that built the engine; a worker started later
    (one died) builds its own from the files as they are then, not from the engine of the start-up."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WORKERS": "2",
        "CONTENT_DIR": str(content_root),
        "CACHE_DIR": str(PROJECT_ROOT / ".cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "ADMIN_KEY_FILE": str(tmp_path / "admin-key.txt"),
        "WATCH_CONTENT": "0",
        "CONTENT_CHECK_SECONDS": "0",
        "LOG_LEVEL": "warning",
    }
    proc, _ = start(env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        written = (tmp_path / "admin-key.txt").read_text(encoding="utf-8").splitlines()
        admin = next(line for line in written if line.startswith("shk_"))  # the first start's admin key
        first = workers_of(proc.pid)
        assert len(first) == 2
        old = script_for(base, admin)
        flow = content_root / "phrasebook" / "damaged.yaml"
        assert old in flow.read_text(encoding="utf-8")
        flow.write_text(flow.read_text(encoding="utf-8").replace(old, "亲,新进程读到的新话术。", 1), encoding="utf-8")
        assert script_for(base, admin) == old  # no watcher: the running workers keep what they started with
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(workers_of(proc.pid) - first) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, "dead workers were not replaced"
            time.sleep(0.1)
        wait_healthy(base, proc)
        assert {script_for(base, admin) for _ in range(10)} == {"亲,新进程读到的新话术。"}
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in first)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_two_workers_each_take_a_share_of_the_connections_and_the_port_is_theirs_alone(tmp_path):
    """Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads connections over both; with
    one shared socket a single worker could hold every keep-alive connection while the other idled. A second
    server on the same port, with one worker or two, still fails to start."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WORKERS": "2",
        "WATCH_CONTENT": "0",
        "CACHE_DIR": str(PROJECT_ROOT / ".cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "CONTENT_CHECK_SECONDS": "0",
        "LOG_LEVEL": "warning",
    }
    proc, _ = start(env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        workers = workers_of(proc.pid)
        before = {pid: cpu_ticks(pid) for pid in workers}
        clients = [httpx.Client(base_url=base, timeout=5) for _ in range(64)]  # 64 connections, held open
        try:
            for _ in range(40):
                for client in clients:
                    assert client.get("/healthz").status_code == 200
        finally:
            for client in clients:
                client.close()
        gained = {pid: cpu_ticks(pid) - before[pid] for pid in workers}
        total = sum(gained.values())
        assert len(gained) == 2 and all(t >= 0.2 * total for t in gained.values()), gained
        for second in ("1", "2"):
            other = subprocess.run(
                [sys.executable, "-m", "app"],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                env={**env, "WORKERS": second, "DATABASE_URL": f"sqlite:///{tmp_path / f'other{second}.db'}"},
                timeout=60,
            )
            assert other.returncode == 3 and "in use" in other.stdout + other.stderr, (second, other.stderr[-500:])
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
