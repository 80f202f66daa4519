"""The public JSON contract. Request models validate strictly; response models document and are tested."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

OrderStatus = Literal["unpaid", "awaiting_shipment", "shipped", "in_transit", "out_for_delivery", "signed",
                      "rejected", "returning"]
MAX_MESSAGE_CHARS = 2000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a mistake, never silently ignored


class OrderContext(_Strict):
    status: OrderStatus | None = Field(None, description="订单状态 order state")
    signed_by: Literal["self", "proxy", "locker"] | None = Field(
        None, description="签收人:本人 / 代签(门卫、家人)/ 快递柜 who signed for the parcel")


class SuggestRequest(_Strict):
    message: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS,
                                  description="买家消息 the buyer's message, as received")]
    shop_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] | None = None
    conversation_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    order: OrderContext | None = None
    evidence_received: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)] = Field(
        default_factory=list, description="已收到的凭证 ids of evidence the buyer already sent")
    assessment: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] | None = Field(
        None, description="客服的判断 the agent's assessment that selects an outcome branch, e.g. box_damaged_severe")
    now: datetime | None = Field(None, description="当前时间(可选,用于复现)reference time, ISO 8601 with zone")

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("消息为空 message is empty or only white space")
        return value

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("时间必须带时区 timestamp needs a time zone, e.g. 2026-11-22T10:00:00+08:00")
        return value


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


class SuggestResponse(BaseModel):
    status: Literal["matched", "ambiguous", "no_match"]
    intents: list[IntentOut] = Field(description="best first; empty when nothing matches")
    runner_up: IntentOut | None
    suggestions: list[SuggestionOut]
    entities: EntitiesOut
    phrasebook_version: str


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


class Health(BaseModel):
    status: Literal["ok"]
    phrasebook_version: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[dict[str, str]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
