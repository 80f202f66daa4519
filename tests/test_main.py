"""The real entry point, as `make run` starts it: a separate process, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from app.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port


def test_settings_from_env(monkeypatch, tmp_path):
    for name in ("HOST", "PORT", "CONTENT_DIR", "CACHE_DIR", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env() == Settings()
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    s = Settings.from_env()
    assert (s.host, s.port, s.cache_dir, s.log_level) == ("0.0.0.0", 9001, tmp_path, "warning")


def test_python_m_app_serves_suggestions(tmp_path):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "CACHE_DIR": str(tmp_path / "cache"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "exited"
            assert time.monotonic() < deadline, "service did not start"
            time.sleep(0.1)
        r = httpx.post(f"{base}/v1/suggest", json={"message": "快递三天没动了 帮我催一下"}, timeout=5)
        assert r.status_code == 200 and r.json()["intents"][0]["id"] == "delivery_chase"
        assert (tmp_path / "cache").is_dir()  # jieba's cache lives where the settings say, not in /tmp
        # make run migrates the database before serving: a case-aware suggestion can be recorded at once
        r = httpx.post(f"{base}/v1/suggest", json={"message": "杯子碎了", "conversation_id": "c1"}, timeout=5)
        assert r.status_code == 200 and r.json()["cases"][0]["created"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_broken_content_refuses_to_start_with_file_and_line(content_root):
    flow = content_root / "phrasebook" / "damaged.yaml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("actions: [note]", "actions: [nope]", 1), encoding="utf-8")
    env = {**os.environ, "CONTENT_DIR": str(content_root), "PORT": str(free_port()), "CACHE_DIR": str(content_root / "c")}
    result = subprocess.run([sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "phrasebook/damaged.yaml:" in result.stderr and "nope" in result.stderr
