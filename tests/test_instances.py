"""Two instances (separate processes and ports) on one PostgreSQL: what scale-out has to keep true.

- case writes never conflict silently: a stale version gets 409 whichever instance it reaches;
- one key's rate limit and an Idempotency-Key hold across instances;
- a phrasebook change made live on one instance reaches the other within 10 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.db.session import Database
from app.settings import PROJECT_ROOT
from tests.conftest import auth, free_port, make_key, wait_healthy
from tests.dbs import fresh_database

SCRIPT = "亲爱哒,很抱歉给您带来不便,请问亲亲是否本人签收的呢?"


@pytest.fixture
def cluster(content_root: Path, tmp_path: Path) -> Iterator[tuple[list[str], Database, Path]]:
    with fresh_database("postgresql", tmp_path) as url:
        db = Database(url)
        procs, bases = [], []
        for _ in range(2):
            port = free_port()
            env = {
                **os.environ,
                "PORT": str(port),
                "DATABASE_URL": url,
                "CONTENT_DIR": str(content_root),
                "CACHE_DIR": str(PROJECT_ROOT / ".cache"),
                "WATCH_CONTENT": "0",
                "CONTENT_CHECK_SECONDS": "1",
                "RATE_LIMIT_PER_MINUTE": "60",
                "LOG_LEVEL": "warning",
            }
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app"],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        try:
            for base, proc in zip(bases, procs, strict=True):
                wait_healthy(base, proc)
            yield bases, db, content_root
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)
            db.dispose()


def test_two_instances_share_versions_limits_idempotency_and_content(cluster):
    (a, b), db, content = cluster
    admin = auth(make_key(db))
    with (
        httpx.Client(base_url=a, headers=admin, timeout=10) as ca,
        httpx.Client(base_url=b, headers=admin, timeout=10) as cb,
    ):
        # 1. Optimistic locking across instances: both hold version 1; one wins, the other gets 409.
        case = ca.post("/v1/cases", json={"shop_id": "s", "intent": "damaged", "conversation_id": "two-1"}).json()
        assert cb.get(f"/v1/cases/{case['id']}").json()["version"] == case["version"]
        results: dict[str, int] = {}
        barrier = threading.Barrier(2)

        def patch(name: str, client: httpx.Client) -> None:
            barrier.wait()
            results[name] = client.patch(
                f"/v1/cases/{case['id']}", json={"version": case["version"], "assignee": name}
            ).status_code

        threads = [threading.Thread(target=patch, args=(n, c)) for n, c in (("a", ca), ("b", cb))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == [200, 409], results
        winner = next(n for n, code in results.items() if code == 200)
        assert ca.get(f"/v1/cases/{case['id']}").json()["assignee"] == winner

        # 2. One Idempotency-Key sent to both at once: one event recorded, the same answer from both.
        answers: list[dict] = []
        barrier = threading.Barrier(2)

        def post(client: httpx.Client) -> None:
            barrier.wait()
            r = client.post(
                f"/v1/cases/{case['id']}/events",
                json={"type": "note", "data": {"text": "只记一次"}},
                headers={"Idempotency-Key": "two-instances-1"},
            )
            answers.append({"status": r.status_code, "body": r.json()})

        threads = [threading.Thread(target=post, args=(c,)) for c in (ca, cb)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [x["status"] for x in answers] == [201, 201] and answers[0]["body"] == answers[1]["body"]
        notes = [e for e in cb.get(f"/v1/cases/{case['id']}/timeline").json() if e["type"] == "note"]
        assert len(notes) == 1

        # 3. A phrasebook change made live on A (no file watchers here) reaches B within 10 s.
        flow = content / "phrasebook" / "damaged.yaml"
        flow.write_text(
            flow.read_text(encoding="utf-8").replace(SCRIPT, "亲,两个实例都能看到这句新话术吗?", 1), encoding="utf-8"
        )
        assert ca.post("/v1/admin/reload").json()["changed"] is True
        went_live = time.monotonic()
        while "两个实例" not in cb.post("/v1/suggest", json={"message": "杯子碎了"}).json()["suggestions"][0]["text"]:
            assert time.monotonic() - went_live < 10, "instance B did not pick up the new phrasebook in 10 s"
            time.sleep(0.5)  # the admin key's budget (60 a minute) is shared with everything above
        print(f"phrasebook change reached instance B in {time.monotonic() - went_live:.2f} s")
        assert (
            ca.get("/v1/phrasebook/status").json()["live"]["version"]
            == cb.get("/v1/phrasebook/status").json()["live"]["version"]
        )

    # 4. One key's budget (60 a minute, its own) is shared: 40 requests to each instance admit at most 60 in all.
    bot = auth(make_key(db, "bot", ("s",), budget_per_minute=60))
    codes: list[int] = []
    with (
        httpx.Client(base_url=a, headers=bot, timeout=10) as ca,
        httpx.Client(base_url=b, headers=bot, timeout=10) as cb,
    ):
        for _ in range(40):
            codes += [ca.get("/v1/intents").status_code, cb.get("/v1/intents").status_code]
    assert set(codes) == {200, 429}
    # Never more than the limit; at most one unspent lease slice (3) per instance goes unused.
    assert 54 <= codes.count(200) <= 60, codes.count(200)
