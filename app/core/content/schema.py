"""JSON Schema of the content files, generated from models, so editors get completion and red squiggles
in their editor (VS Code / JetBrains YAML support reads them; see .vscode/settings.json).

The loader stays the authority (it also checks what a schema cannot: lines, cross-file rules); these
models mirror its format exactly, and a test validates every shipped file against them.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.content.models import Vocabulary
from app.core.content.policy import Policy
from app.core.terms import Check, DeadlineKind, OrderStatus, Signer

_ID = r"^_?[a-z][a-z0-9_]*$"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NearMiss(_Doc):
    intent: str = Field(pattern=_ID, description="它属于的意图 the intent it belongs to")
    text: str = Field(min_length=1, description="买家原话 the message")


class IntentFile(_Doc):
    """intents/<id>.yaml · 意图:关键词、同义词、例句、反例、测试句"""

    id: str = Field(pattern=_ID, description="稳定 id,等于文件名 stable id, equal to the file name")
    name: str = Field(min_length=1, description="中文名 Chinese name shown to agents")
    description: str | None = None
    keywords: dict[str, list[str] | None] = Field(
        default_factory=dict, description="关键词: [同义词] strong cue words with their synonyms"
    )
    hints: list[str] = Field(default_factory=list, description="辅助词 weak cues")
    examples: list[str] = Field(min_length=1, description="买家原话例句,至少 40 句 buyer messages, at least 40")
    negatives: list[NearMiss] = Field(default_factory=list, description="属于别的意图的近似句 near misses")
    tests: list[str] = Field(default_factory=list, description="必须识别为本意图的测试句 must classify as this intent")


class When(_Doc):
    order_status: list[OrderStatus] | None = None
    signed_by: list[Signer] | None = None
    message_has: list[str] | None = None
    evidence_received: list[str] | None = None
    assessment: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]*$")


class BranchDoc(_Doc):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, description="步骤名 step name")
    entry: bool = Field(False, description="第一步(每个文件恰好一个)the first step; exactly one per file")
    when: When = Field(default_factory=When, description="条件 conditions that select this branch")
    text: str = Field(min_length=1, description="话术,占位符写作 {{ name }} the script")
    evidence: list[str] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    next: list[str] = Field(default_factory=list)
    source: str | None = Field(None, description="出处 where in the seeds this comes from")


class FlowFile(_Doc):
    """phrasebook/<intent>.yaml · 话术流程"""

    intent: str = Field(pattern=_ID)
    deadline: DeadlineKind | None = Field(
        None, description="话术里的 {{ deadline }} 指这个时限 what {{ deadline }} means"
    )
    checks: list[Check] = Field(default_factory=list, description="按订单和政策核对的规则 checks, in order")
    branches: list[BranchDoc] = Field(min_length=1)


class ShopBranchDoc(BranchDoc):
    """In a shop file only `id` is required: the fields given replace the shared branch's."""

    name: str | None = Field(None, min_length=1)  # type: ignore[assignment]
    text: str | None = Field(None, min_length=1)  # type: ignore[assignment]


class ShopFlowFile(_Doc):
    """phrasebook/shops/<shop_id>/<intent>.yaml · 店铺覆盖"""

    intent: str = Field(pattern=_ID)
    branches: list[ShopBranchDoc] = Field(min_length=1)


class VocabularyFile(_Doc):
    """phrasebook/vocabulary.yaml · 共用词表"""

    evidence: dict[str, str]
    actions: dict[str, str]
    placeholders: dict[str, str]
    assessments: dict[str, str]


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
        "policy.schema.json": Policy.model_json_schema(),
        "policy-shop.schema.json": shop_policy,
    }
