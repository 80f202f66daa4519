"""The integration as deployed: ``python -m app`` with WORKERS=2 and the CHATWOOT_* variables. Each forked worker
runs its own note worker; every message still gets exactly one note."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from app.settings import PROJECT_ROOT
from tests.conftest import free_port, wait_healthy
from tests.integrations.chatwoot_helpers import SECRET, body_of, message, signed, wait_for
from tests.integrations.fake_chatwoot import FakeChatwoot


def test_python_m_app_with_two_workers_posts_one_note_per_message(tmp_path):
    fake = FakeChatwoot()
    fake_url = fake.start()
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "WORKERS": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
        "ADMIN_KEY_FILE": str(tmp_path / "admin-key.txt"),
        "CHATWOOT_URL": fake_url,
        "CHATWOOT_API_TOKEN": fake.token,
        "CHATWOOT_SHOPS": "1:shop-a",
        "CHATWOOT_WEBHOOK_SECRET": SECRET,
    }
    with (tmp_path / "out.log").open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, timeout=60)
        payloads = [message() for _ in range(6)]
        for p in payloads:
            for _ in range(2):  # each delivered twice, on new connections: either worker may get either
                raw = body_of(p)
                r = httpx.post(f"{base}/integrations/chatwoot/webhook", content=raw, headers=signed(raw), timeout=10)
                assert r.status_code in (200, 202), r.text
        for p in payloads:
            wait_for(lambda p=p: fake.notes_in(1, p["conversation"]["id"]), 30)
        time.sleep(1.5)  # a second worker's poll (1 s) would have posted a duplicate by now
        assert [len(fake.notes_in(1, p["conversation"]["id"])) for p in payloads] == [1] * 6
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        fake.stop()
    log = (tmp_path / "out.log").read_text()
    assert "Traceback" not in log, log[-3000:]
