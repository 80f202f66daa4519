"""The content file formats, described once: the loader validates each file against its model here, and
the same models give the JSON Schemas in schema/ (scripts/schema.py), so what an editor's YAML support
flags and what the service refuses cannot drift apart.

The loader then checks what a per-file model cannot: ids against the vocabulary, branch links, a file name
against its id, and every rule that spans files.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.terms import Check, DeadlineKind, OrderStatus, Signer

Id = Annotated[str, StringConstraints(pattern=r"^_?[a-z][a-z0-9_]*$")]  # intents and vocabulary (_none too)
StepId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]  # branch ids and assessments
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]  # stripped, never blank


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NearMiss(_Doc):
    intent: Id = Field(description="它属于的意图 the intent it belongs to")
    text: Text = Field(description="买家原话 the message")


class IntentFile(_Doc):
    """intents/<id>.yaml · 意图:关键词、同义词、例句、反例、测试句"""

    id: Id = Field(description="稳定 id,等于文件名 stable id, equal to the file name")
    name: Text = Field(description="中文名 Chinese name shown to agents")
    description: str | None = None
    keywords: dict[str, list[str] | None] = Field(
        default_factory=dict, description="关键词: [同义词] strong cue words with their synonyms"
    )
    hints: list[Text] = Field(default_factory=list, description="辅助词 weak cues")
    examples: list[Text] = Field(description="买家原话例句,至少 40 句 buyer messages, at least 40")
    negatives: list[NearMiss] = Field(default_factory=list, description="属于别的意图的近似句 near misses")
    tests: list[Text] = Field(default_factory=list, description="必须识别为本意图的测试句 must classify as this intent")


class When(_Doc):
    order_status: list[OrderStatus] | None = None
    signed_by: list[Signer] | None = None
    message_has: list[Text] | None = None
    evidence_received: list[Text] | None = None
    assessment: StepId | None = Field(None, description="客服的判断,见 vocabulary.yaml assessments")


class _BranchFields(_Doc):
    id: StepId
    entry: bool = Field(False, description="第一步(每个文件恰好一个)the first step; exactly one per file")
    when: When | None = Field(None, description="条件 conditions that select this branch")
    evidence: list[Text] = Field(default_factory=list)
    actions: list[Text] = Field(default_factory=list)
    next: list[Text] = Field(default_factory=list)
    source: str | None = Field(None, description="出处 where in the seeds this comes from")


class BranchDoc(_BranchFields):
    name: Text = Field(description="步骤名 step name")
    text: Text = Field(description="话术,占位符写作 {{ name }} the script")


class ShopBranchDoc(_BranchFields):
    """In a shop file only `id` is required: the fields given replace the shared branch's; a new id adds a
    branch, which then needs `name` and `text`."""

    name: Text | None = Field(None, description="步骤名 step name")
    text: Text | None = Field(None, description="话术,占位符写作 {{ name }} the script")


class FlowFile(_Doc):
    """phrasebook/<intent>.yaml · 话术流程"""

    intent: Id
    deadline: DeadlineKind | None = Field(
        None, description="话术里的 {{ deadline }} 指这个时限 what {{ deadline }} means"
    )
    checks: list[Check] = Field(default_factory=list, description="按订单和政策核对的规则 checks, in order")
    branches: list[BranchDoc] = Field(min_length=1)


class ShopFlowFile(_Doc):
    """phrasebook/shops/<shop_id>/<intent>.yaml · 店铺覆盖"""

    intent: Id
    branches: list[ShopBranchDoc] = Field(min_length=1)


class VocabularyFile(_Doc):
    """phrasebook/vocabulary.yaml · 共用词表"""

    evidence: dict[Id, Text]
    actions: dict[Id, Text]
    placeholders: dict[Id, Text]
    assessments: dict[StepId, Text]
