"""The wheel as a self-hosting team gets it: built, installed into a fresh virtualenv outside the repository,
migrated with `python -m app migrate`, served with `python -m app` from another folder against PostgreSQL,
answering a suggestion and a case write. And the deployment files, linted with hadolint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import free_port, wait_healthy
from tests.dbs import fresh_database


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")  # not the repository's build/: a stale copy would hide a miss
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(PROJECT_ROOT)],
        check=True,
        timeout=600,
        env={**os.environ, "TMPDIR": str(build)},
    )
    (found,) = out.glob("shouhou_assistant-*.whl")
    return found


def test_the_wheel_carries_everything_the_service_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "app/web/templates/preview.html",
        "app/web/static/sidebar.js",
        "app/web/static/preview.css",
        "app/_bundle/alembic/env.py",
        "app/_bundle/alembic/script.py.mako",
        "app/_bundle/content/policy/default.yaml",
        "app/_bundle/content/phrasebook/vocabulary.yaml",
        "app/_bundle/content/intents/_none.yaml",
    }
    assert expected <= names, expected - names
    for folder in ("intents", "phrasebook", "policy"):
        shipped = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / folder).rglob("*.yaml")}
        assert {f"app/_bundle/content/{p}" for p in shipped} <= names, folder
    versions = {p.name for p in (PROJECT_ROOT / "alembic" / "versions").glob("*.py")}
    assert {f"app/_bundle/alembic/versions/{v}" for v in versions} <= names


def test_installed_in_a_fresh_venv_it_migrates_and_serves_against_postgresql(wheel, tmp_path_factory):
    home = tmp_path_factory.mktemp("installed")  # outside the repository: nothing of it on any path
    assert PROJECT_ROOT not in home.parents
    venv.create(home / "venv", with_pip=True)
    python = home / "venv" / "bin" / "python"
    # From another folder: `python -m pip` run in the repository would take its *.egg-info for an installed copy.
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=home, check=True, timeout=900)
    # Only what running needs: none of the test extras came with it.
    listed = subprocess.run(
        [str(python), "-m", "pip", "list"], cwd=home, capture_output=True, text=True, check=True
    ).stdout
    assert "shouhou-assistant" in listed
    assert "playwright" not in listed and "schemathesis" not in listed and "scikit-learn" not in listed

    workdir = tmp_path_factory.mktemp("workdir")
    with fresh_database("postgresql", workdir, migrate=False) as url:
        port = free_port()
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "DATABASE_URL": url,
            "PORT": str(port),
            "WATCH_CONTENT": "false",
            "ADMIN_KEY_FILE": str(workdir / "admin-key.txt"),
        }
        migrated = subprocess.run(
            [str(python), "-m", "app", "migrate"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
        )
        assert migrated.returncode == 0 and "database at head" in migrated.stdout, migrated.stderr
        warmed = subprocess.run(
            [str(python), "-m", "app", "warm"], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
        assert warmed.returncode == 0 and "caches built" in warmed.stdout, warmed.stderr
        assert any((workdir / ".cache").iterdir())  # the working folder's cache, never the installed package
        made = subprocess.run(
            [str(python), "-m", "app", "keys", "create", "--role", "admin", "--shop", "*"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stderr
        key = made.stdout.strip().splitlines()[-1]
        proc = subprocess.Popen(
            [str(python), "-m", "app"], cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, proc, timeout=120)
            headers = {"Authorization": f"Bearer {key}"}
            r = httpx.post(
                f"{base}/v1/suggest",
                json={"message": "亲 收到的杯子碎了", "conversation_id": "wheel-1"},
                headers=headers,
                timeout=30,
            )
            assert r.status_code == 200, r.text
            assert r.json()["suggestions"][0]["script_id"] == "damaged.ask_evidence"
            opened = httpx.post(
                f"{base}/v1/cases",
                json={"shop_id": "default", "intent": "missing_item", "order_id": "W-1"},
                headers=headers,
                timeout=30,
            )
            assert opened.status_code == 201, opened.text
            read = httpx.get(f"{base}/v1/cases/{opened.json()['id']}", headers=headers, timeout=30)
            assert read.status_code == 200 and read.json()["order_id"] == "W-1"
            assert httpx.get(f"{base}/docs", timeout=30).status_code == 200
            assert httpx.get(f"{base}/static/preview.css", timeout=30).status_code == 200
            assert httpx.get(f"{base}/readyz", timeout=30).json()["status"] == "ready"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


@pytest.mark.parametrize("dockerfile", ["Dockerfile"])
def test_the_dockerfile_passes_hadolint(dockerfile):
    done = subprocess.run([HADOLINT, str(PROJECT_ROOT / dockerfile)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_runs_as_a_user_and_checks_health():
    text = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.count("FROM ") >= 2  # a build stage and a slim runtime stage
    assert "\nUSER " in text and "USER root" not in text
    assert "HEALTHCHECK" in text
    assert "warm" in text  # the tokenizer's cache and the parsed content, built at image build


def test_compose_has_two_instances_a_proxy_postgresql_with_a_volume_and_the_migration_step():
    from ruamel.yaml import YAML

    compose = YAML(typ="safe").load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"db", "migrate", "app1", "app2", "proxy"} <= set(services)
    assert services["migrate"]["command"] == ["python", "-m", "app", "migrate"]
    for name in ("app1", "app2"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "postgresql+psycopg://" in services[name]["environment"]["DATABASE_URL"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
    assert "pgdata" in compose["volumes"]
    proxy_config = (PROJECT_ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "app1:8000" in proxy_config and "app2:8000" in proxy_config
