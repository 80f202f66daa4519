"""JSON Schema of the content files, from the models the loader parses them with (content/formats.py), so
editors get completion and red squiggles in their editor (VS Code / JetBrains YAML support reads them; see
.vscode/settings.json). The vocabulary's ids go in as enums; scripts/schema.py writes them to schema/ and a
test keeps that folder in step with the models.
"""

from __future__ import annotations

import copy
from typing import Any

from app.core.content.formats import ClarifyFile, FlowFile, IntentFile, ReadingFile, ShopFlowFile, VocabularyFile
from app.core.content.models import Vocabulary
from app.core.content.policy import Policy
from app.core.content.tracking import TrackingFile


def _patch(schema: dict[str, Any], vocab: Vocabulary) -> dict[str, Any]:
    """Put the vocabulary's ids in as enums, so an editor offers them and flags a typo."""
    schema = copy.deepcopy(schema)
    defs = schema.get("$defs", {})
    for name in ("BranchDoc", "ShopBranchDoc"):
        props = defs.get(name, {}).get("properties", {})
        for key, ids in (("evidence", vocab.evidence), ("actions", vocab.actions)):
            if key in props:
                props[key]["items"] = {
                    "enum": sorted(ids),
                    "description": " / ".join(f"{k} {v}" for k, v in ids.items()),
                }
    when = defs.get("When", {}).get("properties", {})
    if "evidence_received" in when:
        when["evidence_received"]["anyOf"][0]["items"] = {"enum": sorted(vocab.evidence)}
    if "assessment" in when:
        when["assessment"]["anyOf"][0]["enum"] = sorted(vocab.assessments)
    return schema


def _optional(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _optional(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_optional(v) for v in node]
    return node


def schemas(vocab: Vocabulary) -> dict[str, dict[str, Any]]:
    shop_policy = _optional(Policy.model_json_schema())  # a shop names only what it changes
    return {
        "intent.schema.json": IntentFile.model_json_schema(),
        "phrasebook.schema.json": _patch(FlowFile.model_json_schema(), vocab),
        "phrasebook-shop.schema.json": _patch(ShopFlowFile.model_json_schema(), vocab),
        "vocabulary.schema.json": VocabularyFile.model_json_schema(),
        "reading.schema.json": ReadingFile.model_json_schema(),
        "clarify.schema.json": ClarifyFile.model_json_schema(),
        "policy.schema.json": Policy.model_json_schema(),
        "policy-shop.schema.json": shop_policy,
        "tracking.schema.json": TrackingFile.model_json_schema(),
    }
