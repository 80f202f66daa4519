"""The wheel carries what the service needs beside its code: the default content (intents/, phrasebook/,
policy/) and the migrations (alembic/), copied into app/_bundle/ at build time (app/settings.py finds them
there when the package is not run from the repository). Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {
    "intents": "content/intents",
    "phrasebook": "content/phrasebook",
    "policy": "content/policy",
    "alembic": "alembic",
}
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


class BuildWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the repository itself
            return
        bundle = Path(self.build_lib) / "app" / "_bundle"
        for source, target in BUNDLED.items():
            shutil.copytree(ROOT / source, bundle / target, ignore=IGNORE, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithBundle})
