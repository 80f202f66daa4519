"""What the suggest routes answer. Built by hand in serialize.py (the hot path); these models document
the shapes in the OpenAPI document and the tests validate real answers against them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Named(BaseModel):
    id: str
    name: str


class IntentOut(BaseModel):
    id: str
    name: str
    score: float = Field(description="0–1, higher is surer")
    similarity: float = Field(description="similarity to the closest example")
    keyword_evidence: float
    keywords: list[str] = Field(description="keywords found in the message")
    example: str | None = Field(description="the closest example")
    rule: str | None = Field(description="file:line of the keyword or example that decided it")
    redirected_from: str | None = Field(
        None,
        description="同样的话在这个订单状态下是本意图:原本的意图 the intent the words name, when the order's state made "
        "it this one (e.g. delivery_chase before shipping → shipping_eta); null otherwise",
    )
    redirect_rule: str | None = Field(None, description="file:line of the order_state rule that decided it")


class NextStep(BaseModel):
    script_id: str
    name: str
    when: dict[str, object]


class SuggestionOut(BaseModel):
    intent: str
    script_id: str
    name: str
    text: str
    missing_placeholders: list[str] = Field(description="placeholders shown as 【名称】 that the agent must fill")
    evidence: list[Named]
    actions: list[Named]
    next: list[NextStep]
    source: str = Field(description="file:line of the script")
    seed: str = Field(description="where in the source documents the step comes from")
    notes: list[str] = Field(description="platform rules and shop policy the agent must keep in mind")
    asks: list[str] = Field(description="what the agent should verify first, e.g. 先核实订单物流状态")


class TrackingNumber(BaseModel):
    value: str
    courier: str | None
    courier_name: str | None
    confidence: Literal["high", "low", "none"]
    candidates: list[str]


class OrderNumber(BaseModel):
    value: str
    platform_guess: str | None


class Phone(BaseModel):
    value: str
    masked: str
    kind: Literal["mobile", "landline"]


class TextValue(BaseModel):
    value: str
    text: str


class EntitiesOut(BaseModel):
    order_numbers: list[OrderNumber]
    tracking_numbers: list[TrackingNumber]
    phones: list[Phone]
    amounts: list[TextValue] = Field(description="amounts in yuan as decimal strings")
    dates: list[TextValue] = Field(description="ISO dates")


class DeadlineOut(BaseModel):
    kind: str = Field(description="e.g. seven_day_return_window, lost_parcel_verification, ship_by, courier_feedback")
    due_at: str = Field(description="ISO 8601, Asia/Shanghai")
    why: str
    intent: str | None
    approximate: bool = Field(
        False,
        description="true when the count in working days crossed a year whose holidays are unknown (neither the "
        "calendar package nor the shop policy's holidays: give it): weekends alone were counted there; the sidebar "
        "shows (节假日未知,按周末计算)",
    )
    approximate_reason: str | None = Field(None, description="which years were unknown, when approximate")
    known_years: list[int] | None = Field(
        None,
        description="for a deadline counted in working days: the years whose holiday schedule the service knows "
        "(the calendar package's and those the shop policy's holidays.years add); null for other deadlines",
    )


class EligibilityOut(BaseModel):
    eligible: bool | None = Field(description="null when it cannot be told yet")
    until: str | None
    why: str


class ApprovalOut(BaseModel):
    needed: bool
    amount: str
    agent_limit: str
    approver: str
    why: str
    answer_by: str | None


class CaseRefOut(BaseModel):
    id: int
    intent: str
    status: str
    branch: str | None
    version: int
    created: bool


class ClarifyOut(BaseModel):
    """Asked instead of a script when the service is unsure: no case is opened and nothing is promised."""

    text: str = Field(description="先问买家的问题 the question to ask the buyer")
    intents: list[str] = Field(
        description="它区分的意图:两个时买家的回答选其一;一个时回答“是”即确认 the intents it tells apart; one: a yes "
        "confirms it; none: an open question"
    )
    source: str = Field(description="file:line of the question")


class ReadingOut(BaseModel):
    read_as: Literal["newest", "burst", "answer", "choice", "chosen", "continued"] = Field(
        description="newest: the message alone; burst: the buyer's consecutive messages together; answer: a yes read "
        "against the agent's question; choice: an answer to a clarifying question; chosen: the agent picked the "
        "intent; continued: nothing new, the conversation's open case goes on"
    )
    turns: list[int] = Field(
        description="the turns read: indexes into context (oldest is 0); len(context) stands for the message"
    )


class SuggestResponse(BaseModel):
    status: Literal["matched", "ambiguous", "no_match"]
    intents: list[IntentOut] = Field(description="best first; empty when nothing matches")
    runner_up: IntentOut | None
    suggestions: list[SuggestionOut]
    entities: EntitiesOut
    deadlines: list[DeadlineOut] = Field(description="soonest first")
    eligibility: dict[str, EligibilityOut] = Field(description='e.g. {"seven_day_return": {...}}')
    needs_approval: bool = Field(description="true when the amount offered or asked exceeds the agent's range")
    approval: ApprovalOut | None = Field(description="who approves and by when; null when no amount is known")
    cases: list[CaseRefOut] = Field(
        description="the cases this suggestion was recorded on (with conversation_id/case_id)"
    )
    clarify: ClarifyOut | None = Field(
        None, description="不确定时先问的问题(此时 suggestions 为空,不开案件)the question to ask when unsure"
    )
    reading: ReadingOut | None = Field(None, description="how the message was read with its conversation")
    phrasebook_version: str


class RefundQuoteResponse(BaseModel):
    max_refund: str = Field(description="yuan, two decimals, rounded down to the fen")
    rule: Literal["no_discount", "coupon", "full_reduction"]
    explanation: str


class BranchOut(BaseModel):
    script_id: str
    name: str
    entry: bool
    when: dict[str, object]
    evidence: list[Named]
    actions: list[Named]
    next: list[str]


class IntentInfo(BaseModel):
    id: str
    name: str
    description: str
    branches: list[BranchOut]


class IntentsResponse(BaseModel):
    intents: list[IntentInfo]
    phrasebook_version: str
