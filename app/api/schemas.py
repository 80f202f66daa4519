"""The public JSON contract. Request models validate strictly; response models document and are tested."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from app.api.fields import Moment, Strict
from app.core import terms

if TYPE_CHECKING:
    OrderStatus = str
    Signer = str
else:
    # Literals of the enums' values, in their order: the OpenAPI document lists them inline, as it always has
    # (a field typed with the enum itself would become a $ref to a new schema).
    OrderStatus = Literal[tuple(s.value for s in terms.OrderStatus)]
    Signer = Literal[tuple(s.value for s in terms.Signer)]
MAX_MESSAGE_CHARS = 2000


class _Strict(Strict):
    pass


Money = Annotated[
    Decimal,
    Field(
        ge=0, max_digits=12, decimal_places=2, description='金额(元),建议用字符串 yuan, preferably a string: "30.00"'
    ),
]


class OrderItem(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = Field(None, description="商品名称,用于判断退货仓 product name")
    price: Money
    quantity: int = Field(1, ge=1, le=100_000)


class OrderContext(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(None, description="订单号 order id")
    status: OrderStatus | None = Field(None, description="订单状态 order state")
    paid_at: Moment | None = None
    shipped_at: Moment | None = None
    last_tracking_at: Moment | None = Field(None, description="最后一条物流更新的时间 last tracking update")
    signed_at: Moment | date | None = Field(
        None,
        description="签收时间;只知道日期时给日期 sign-in time, or only its date (the 168 h window then starts "
        "at 00:00 of the next day)",
    )
    signed_by: Signer | None = Field(
        None, description="签收人:本人 / 代签(门卫、家人)/ 快递柜 who signed for the parcel"
    )
    shipping_insurance: bool | None = Field(None, description="是否有运费险 return-shipping insurance")
    amount: Money | None = Field(None, description="成交金额 amount paid")
    items: Annotated[list[OrderItem], Field(max_length=100)] = Field(default_factory=list)
    coupons: Annotated[list[Money], Field(max_length=20)] = Field(default_factory=list)


class SuggestRequest(_Strict):
    message: Annotated[
        str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="买家消息 the buyer's message, as received")
    ]
    shop_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] | None = None
    conversation_id: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        None,
        description="会话号:给出时消息和建议记入该会话的案件,建议接着案件的下一步 records on the conversation's cases",
    )
    case_id: int | None = Field(None, ge=1, description="案件号:接着这个案件 continue this case")
    order: OrderContext | None = None
    evidence_received: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)] = Field(
        default_factory=list, description="已收到的凭证 ids of evidence the buyer already sent"
    )
    assessment: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] | None = Field(
        None, description="客服的判断 the agent's assessment that selects an outcome branch, e.g. box_damaged_severe"
    )
    proposed_compensation: Money | None = Field(
        None, description="客服打算给的补偿金额;超出权限时 needs_approval 为 true an amount the agent means to offer"
    )
    now: Moment | None = Field(None, description="当前时间(可选,用于复现)reference time, ISO 8601 with zone")

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("消息为空 message is empty or only white space")
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
    phrasebook_version: str


class RefundItem(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    price: Money
    quantity: int = Field(1, ge=1, le=100_000)


class RefundDiscount(_Strict):
    type: Literal["coupon", "full_reduction"] = Field(description="店铺优惠券 coupon / 满减 full_reduction")
    amount: Money


class RefundQuoteRequest(_Strict):
    items: Annotated[list[RefundItem], Field(min_length=1, max_length=200)]
    postage: Money = Decimal("0")
    discounts: Annotated[list[RefundDiscount], Field(max_length=10)] = Field(default_factory=list)
    refund_items: Annotated[list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=200)]


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


class Health(BaseModel):
    status: Literal["ok"]
    phrasebook_version: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[dict[str, str]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
