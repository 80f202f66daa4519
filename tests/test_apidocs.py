"""The API's documentation: named operations, a valid worked example for every request body, the docs pages'
policy, and every curl in the README run as written against a live server."""

from __future__ import annotations

import json
import re
import shlex
import subprocess

import httpx
import jsonschema
import pytest

from app.apidocs import DOCS_CSP, REQUEST_EXAMPLES
from app.main import create_app
from app.settings import PROJECT_ROOT

SPEC = create_app().openapi()
OPERATIONS = [(path, method, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()]


def test_every_operation_has_a_unique_snake_case_id():
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids)), ids
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert SPEC["paths"]["/v1/suggest"]["post"]["operationId"] == "suggest"


@pytest.mark.parametrize("path,method,op", [o for o in OPERATIONS if "requestBody" in o[2]], ids=lambda v: str(v)[:40])
def test_every_request_body_has_examples_that_its_schema_accepts(path, method, op):
    content = op["requestBody"]["content"]["application/json"]
    examples = content.get("examples")
    assert examples, f"{method.upper()} {path} has no example"
    # The components as a JSON Schema document, so $ref resolves as the OpenAPI document means it.
    schema = {**content["schema"], "components": SPEC["components"]}
    for name, example in examples.items():
        assert example["summary"], name
        jsonschema.validate(example["value"], schema, cls=jsonschema.Draft202012Validator)


def test_no_example_is_left_unused():
    used = {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        for _, _, op in OPERATIONS
        if "requestBody" in op
    }
    assert set(REQUEST_EXAMPLES) <= used


def test_the_docs_pages_allow_exactly_their_own_assets(client):
    for path in ("/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-security-policy"] == DOCS_CSP
        assert "script-src 'self';" in DOCS_CSP and "'unsafe-eval'" not in DOCS_CSP
        sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert sources and all(s.startswith("/static/") for s in sources), sources  # no CDN
        for src in sources:
            asset = client.get(src)
            assert asset.status_code == 200 and len(asset.content) > 0, src
    # The API itself keeps its deny-all policy.
    assert client.get("/openapi.json").headers["content-security-policy"].startswith("default-src 'none'")


# ---- the README's curl examples ----
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, list[str]]]:
    """Each curl of the README (in ```sh blocks, and inline in backticks) with the script ids its answer shows."""
    found: list[tuple[str, list[str]]] = []
    lines = README.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("curl "):
            command = lines[i]
            while command.endswith("\\") or not _balanced(command):
                i += 1
                command += "\n" + lines[i]  # bash reads the backslash-newline as the README shows it
            # The answer shown after it (```jsonc block) names the scripts it must contain.
            rest = "\n".join(lines[i + 1 : i + 12])
            answer = rest.split("```jsonc", 1)[1].split("```", 1)[0] if rest.lstrip("`\n").startswith("jsonc") else ""
            found.append((command, re.findall(r'"script_id": "([a-z_.]+)"', answer)))
        i += 1
    found += [(c, []) for c in re.findall(r"`(curl [^`]+)`", README)]
    return found


def _balanced(command: str) -> bool:
    try:
        shlex.split(command)
        return True
    except ValueError:
        return False


COMMANDS = _commands()


def test_the_readme_has_its_curls():
    assert len(COMMANDS) >= 6, [c for c, _ in COMMANDS]


@pytest.mark.parametrize("command,scripts", COMMANDS, ids=lambda v: str(v)[:50])
def test_every_readme_curl_works_as_written(server, admin_key, command, scripts):
    host = server.removeprefix("http://")
    run = command.replace("localhost:8000", host).replace("curl ", "curl --fail-with-body -sS ", 1)
    done = subprocess.run(
        ["bash", "-c", run], capture_output=True, text=True, timeout=30, env={"KEY": admin_key, "PATH": "/usr/bin:/bin"}
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    answer = json.loads(done.stdout)
    shown = json.dumps(answer, ensure_ascii=False)
    for script_id in scripts:
        assert script_id in shown, (script_id, shown[:500])


def test_the_readme_curls_need_their_key(server):
    """The examples carry the key because the routes need one: without it, 401 (not a silent success)."""
    r = httpx.post(f"{server}/v1/suggest", json={"message": "杯子碎了"})
    assert r.status_code == 401
