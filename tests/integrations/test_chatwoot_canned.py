"""``python -m app chatwoot sync-canned``: a shop's effective scripts as Chatwoot canned responses, against the
fake Chatwoot (tests/integrations/fake_chatwoot.py): created, then updated and not duplicated, dry runs change
nothing, canned responses of other short codes are left alone."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.integrations.chatwoot.canned import scripts_of
from app.settings import PROJECT_ROOT
from tests.integrations.fake_chatwoot import FakeChatwoot


@pytest.fixture
def fake():  # type: ignore[no-untyped-def]
    f = FakeChatwoot()
    f.url = f.start()  # type: ignore[attr-defined]
    yield f
    f.stop()


def sync(fake: FakeChatwoot, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m app chatwoot sync-canned …`` as an operator runs it."""
    settings = {
        "CHATWOOT_URL": fake.url,  # type: ignore[attr-defined]
        "CHATWOOT_API_TOKEN": fake.token,
        "CHATWOOT_SHOPS": "5:demo-shop,6:other-shop",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "chatwoot", "sync-canned", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sync_creates_then_updates_without_duplicates(fake, engine):
    scripts = scripts_of(engine, "demo-shop")
    shared = scripts_of(engine, None)
    fake.canned[5] = {
        1: {"short_code": "welcome", "content": "您好"},  # the shop's own: never touched
        2: {"short_code": "damaged.ask_evidence", "content": shared["damaged.ask_evidence"]},  # the shared wording
    }
    assert scripts["damaged.ask_evidence"] != shared["damaged.ask_evidence"]  # demo-shop words it its own way

    done = sync(fake, "--shop", "demo-shop", "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"account 5: {len(scripts) - 1} would be created, 1 would be updated, 0 unchanged" in out
    assert [m for m, _ in fake.canned_calls] == ["GET"] and len(fake.canned[5]) == 2

    done = sync(fake, "--shop", "demo-shop")
    assert f"account 5: {len(scripts) - 1} created, 1 updated, 0 unchanged" in done.stdout, done.stderr
    by_code = {r["short_code"]: r["content"] for r in fake.canned[5].values()}
    assert len(fake.canned[5]) == len(scripts) + 1  # ours once each, and the shop's own "welcome"
    assert by_code["welcome"] == "您好"
    assert by_code == {**scripts, "welcome": "您好"}
    assert fake.canned[5][2]["content"] == scripts["damaged.ask_evidence"]  # updated in place, same id
    assert not any("{{" in text for text in by_code.values())  # placeholders as 【…】 for the agent
    assert any("【" in text for text in by_code.values())
    assert 6 not in fake.canned  # other-shop's account is not demo-shop's

    done = sync(fake, "--shop", "demo-shop")
    assert f"account 5: 0 created, 0 updated, {len(scripts)} unchanged" in done.stdout, done.stderr
    assert len(fake.canned[5]) == len(scripts) + 1


def test_sync_needs_chatwoot_and_an_account(fake):
    done = sync(fake, "--shop", "nowhere")
    assert done.returncode == 2 and "no Chatwoot account maps to shop nowhere" in done.stderr
    done = sync(fake, "--shop", "demo-shop", CHATWOOT_API_TOKEN="wrong")
    assert done.returncode == 1 and "Chatwoot answered 401" in done.stderr  # said plainly, no traceback
    assert "Traceback" not in done.stderr
    done = sync(fake, "--shop", "demo-shop", CHATWOOT_URL="")
    assert done.returncode == 2 and "CHATWOOT_URL" in done.stderr
    assert fake.canned_calls == []
