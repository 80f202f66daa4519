"""The core stays pure: importing it loads no web framework, no database and none of the app's outer floors.

Checked in a fresh interpreter, because this test process has long since imported all of them. Every module
under app/core is imported one after the other, so a failure names the module that pulled the import in.
"""

from __future__ import annotations

import json
import subprocess
import sys

from app.settings import PROJECT_ROOT

# Web frameworks, servers, HTTP clients and database layers; pydantic_settings too, since only app/settings.py
# reads the environment. jinja2 is allowed: scripts are templates.
FORBIDDEN = (
    "fastapi",
    "starlette",
    "uvicorn",
    "httptools",
    "h11",
    "anyio",
    "httpx",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "sqlite3",
    "pydantic_settings",
)

_PROBE = """
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[1])
forbidden = tuple(json.loads(sys.argv[2]))

def offending():
    return sorted(
        name for name in sys.modules
        if name.split(".")[0] in forbidden or (name.startswith("app.") and not name.startswith("app.core"))
    )

import app.core
names = ["app.core", "app.core.engine"]
names += [m.name for m in pkgutil.walk_packages(app.core.__path__, "app.core.")]
found = {}
for name in names:
    before = set(offending())
    importlib.import_module(name)
    new = sorted(set(offending()) - before)
    if new:
        found[name] = new
print(json.dumps({"imported": names, "found": found}))
"""


def test_importing_the_core_loads_no_web_framework_database_or_outer_module():
    # -I: no PYTHON* variables, no user site-packages, not even the current folder on sys.path.
    out = subprocess.run(
        [sys.executable, "-I", "-c", _PROBE, str(PROJECT_ROOT), json.dumps(FORBIDDEN)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout)
    assert len(result["imported"]) > 20  # the walk really found the core's modules
    assert result["found"] == {}, result["found"]
