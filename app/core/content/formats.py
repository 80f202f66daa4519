"""The content file formats, described once: the loader validates each file against its model here, and
the same models give the JSON Schemas in schema/ (scripts/schema.py), so what an editor's YAML support
flags and what the service refuses cannot drift apart.

The loader then checks what a per-file model cannot: ids against the vocabulary, branch links, a file name
against its id, and every rule that spans files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.terms import REMEDIES, Check, DeadlineKind, OrderStatus, Signer

Id = Annotated[str, StringConstraints(pattern=r"^_?[a-z][a-z0-9_]*$")]  # intents and vocabulary (_none too)
StepId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]  # branch ids and assessments
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]  # stripped, never blank


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NearMiss(_Doc):
    intent: Id = Field(description="它属于的意图 the intent it belongs to")
    text: Text = Field(description="买家原话 the message")


class When(_Doc):
    order_status: list[OrderStatus] | None = None
    signed_by: list[Signer] | None = None
    message_has: list[Text] | None = None
    evidence_received: list[Text] | None = None
    assessment: StepId | None = Field(None, description="客服的判断,见 vocabulary.yaml assessments")
    remedy: list[Id] | None = Field(
        None,
        description="案件已定的处理方式(买家同意或客服记录)the case's remedy, agreed by the buyer or recorded: "
        + ", ".join(REMEDIES),
    )


class Redirect(_Doc):
    when: When = Field(description="订单状态等条件 the order state (and signer) this applies to")
    intent: Id = Field(description="这时买家其实要的意图 the intent the buyer means in that state")


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
    order_state: list[Redirect] = Field(
        default_factory=list,
        description="订单状态决定意图:同样的话在这些状态下是另一个意图 where the order's state decides the intent",
    )
    yields_to: list[Id] = Field(
        default_factory=list,
        description="同时识别出这些更具体的意图时让给它们 gives way to these more specific intents when both match",
    )


class _BranchFields(_Doc):
    id: StepId
    entry: bool = Field(False, description="第一步(每个文件恰好一个)the first step; exactly one per file")
    when: When | None = Field(None, description="条件 conditions that select this branch")
    evidence: list[Text] = Field(default_factory=list)
    actions: list[Text] = Field(default_factory=list)
    next: list[Text] = Field(default_factory=list)
    source: str | None = Field(None, description="出处 where in the seeds this comes from")
    pending: Text | None = Field(
        None,
        description="金额超出客服权限、等待店长审批时的话术(帮您申请…);写了 {{ amount }} 的话术必须有 "
        "the script while the amount awaits the approver's decision; required when text states {{ amount }}",
    )


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


class BurstDoc(_Doc):
    turns: int = Field(5, ge=1, le=20, description="最多合读几条连发 at most this many consecutive messages")
    minutes: int = Field(10, ge=1, le=1440, description="相隔超过这么久不算连发 a longer pause ends a burst")


class RepliesDoc(_Doc):
    """买家的回复推进案件 · buyer replies that move a case on (the case cockpit)"""

    evidence_sent: list[Text] = Field(
        default_factory=list, description="说凭证已经发了(正则)the buyer saying the evidence was sent (patterns)"
    )
    agree: list[Text] = Field(
        default_factory=list,
        description="同意客服提出的处理方式(正则,整条消息)the buyer agreeing to the remedy proposed "
        "(patterns over the whole message; the affirm words count too)",
    )
    attachments: dict[Literal["image", "video", "file"], list[Id]] = Field(
        default_factory=dict,
        description="买家发来的附件能当哪些凭证 the evidence a picture, video or file from the buyer can be",
    )


class ReadingFile(_Doc):
    """intents/_reading.yaml · 多轮对话怎么读 how a conversation is read"""

    skip: list[Text] = Field(default_factory=list, description="整条跳过的消息(正则)whole messages read past")
    strip: list[Text] = Field(default_factory=list, description="从消息中去掉的片段(正则)parts removed")
    affirm: list[Text] = Field(default_factory=list, description="表示肯定的整条消息 a whole message saying yes")
    deny: list[Text] = Field(default_factory=list, description="表示否定的整条消息 a whole message saying no")
    corrections: list[Text] = Field(
        default_factory=list, description="买家纠正自己的话(正则)the buyer correcting their own message"
    )
    burst: BurstDoc = Field(default_factory=BurstDoc)
    state_cues: dict[OrderStatus, list[Text]] = Field(
        default_factory=dict,
        description="对话里说出的订单状态(正则),没有订单数据时由它决定 the order state said in the conversation "
        "(patterns), used when the request gives none",
    )
    replies: RepliesDoc = Field(default_factory=RepliesDoc)


class PairDoc(_Doc):
    intents: list[Id] = Field(min_length=2, max_length=2, description="难分的两个意图 the two intents")
    text: Text = Field(description="问买家的问题 the question to ask")


class ClarifyFile(_Doc):
    """phrasebook/_clarify.yaml · 不确定时先问清楚 questions asked before anything is promised"""

    pairs: list[PairDoc] = Field(default_factory=list)
    confirm: dict[Id, Text] = Field(default_factory=dict, description="单个意图的确认问题 confirming one intent")
    default: Text = Field(description="没有专门问题时问的 asked when no other question fits")
    either: Text | None = Field(
        None,
        description="两个意图没有专门问题时用的模板,{a} {b} 是两个意图的中文名 a template for any other pair: "
        "{a} and {b} are the two intents' names",
    )
