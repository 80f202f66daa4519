"""The JSON Schemas in schema/ are current and every shipped content file satisfies them."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from ruamel.yaml import YAML

from app.settings import PROJECT_ROOT

SCHEMA = PROJECT_ROOT / "schema"
FILES = {
    "intent.schema.json": [p for p in sorted((PROJECT_ROOT / "intents").glob("*.yaml")) if p.name != "_reading.yaml"],
    "reading.schema.json": [PROJECT_ROOT / "intents" / "_reading.yaml"],
    "clarify.schema.json": [PROJECT_ROOT / "phrasebook" / "_clarify.yaml"],
    "phrasebook.schema.json": [
        p
        for p in sorted((PROJECT_ROOT / "phrasebook").glob("*.yaml"))
        if p.name not in ("vocabulary.yaml", "_clarify.yaml")
    ],
    "vocabulary.schema.json": [PROJECT_ROOT / "phrasebook" / "vocabulary.yaml"],
    "phrasebook-shop.schema.json": [
        p for p in sorted((PROJECT_ROOT / "phrasebook" / "shops").glob("*/*.yaml")) if p.name != "policy.yaml"
    ],
    "policy-shop.schema.json": sorted((PROJECT_ROOT / "phrasebook" / "shops").glob("*/policy.yaml")),
    "policy.schema.json": [PROJECT_ROOT / "policy" / "default.yaml"],
    "tracking.schema.json": [PROJECT_ROOT / "policy" / "tracking_states.yaml"],
}


def test_schemas_are_up_to_date():
    result = subprocess.run(
        [sys.executable, "scripts/schema.py", "--check"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("schema", "path"),
    [(s, p) for s, paths in FILES.items() for p in paths],
    ids=lambda v: v if isinstance(v, str) else v.relative_to(PROJECT_ROOT).as_posix(),
)
def test_shipped_files_satisfy_their_schema(schema, path):
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads((SCHEMA / schema).read_text(encoding="utf-8")))


def test_schema_catches_a_typo_an_editor_makes():
    flow = json.loads((SCHEMA / "phrasebook.schema.json").read_text(encoding="utf-8"))
    bad = {"intent": "damaged", "branches": [{"id": "a", "name": "x", "text": "亲", "actions": ["fly_to_moon"]}]}
    with pytest.raises(jsonschema.ValidationError, match="fly_to_moon"):
        jsonschema.validate(bad, flow)
