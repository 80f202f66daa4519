"""What clients send to the suggest routes, validated strictly: a mistake is a 422 naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from app.core import terms
from app.http.fields import Bool, Day, Int, Line, Moment, Strict

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
    quantity: Int = Field(1, ge=1, le=100_000)


TrackingProvider = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="kuaidi100 / kdniao")]
TrackingCodeText = Annotated[str, Field(pattern=r"^[0-9A-Za-z_]{1,16}$")]


class TrackingRef(_Strict):
    """A courier platform's own tracking state (快递100 ``state``, 快递鸟 ``State``/``StateEx``)."""

    provider: TrackingProvider
    code: TrackingCodeText | Annotated[Int, Field(ge=0, le=999_999)] = Field(
        description="平台的状态码,字符串或整数 the platform's state code, as text or a number"
    )


# "kuaidi100:3": the same as {"provider": "kuaidi100", "code": "3"}, for a bot that keeps it as one string.
TrackingText = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}:[0-9A-Za-z_]{1,16}$", examples=["kuaidi100:3"])]


class OrderContext(_Strict):
    # The order id becomes a case's 订单号, a column of the 登记表格: one line.
    id: Annotated[Line, Field(min_length=1, max_length=64)] | None = Field(None, description="订单号 order id")
    status: OrderStatus | None = Field(None, description="订单状态 order state")
    paid_at: Moment | None = None
    shipped_at: Moment | None = None
    last_tracking_at: Moment | None = Field(None, description="最后一条物流更新的时间 last tracking update")
    signed_at: Moment | Day | None = Field(
        None,
        description="签收时间;只知道日期时给日期 sign-in time, or only its date (the 168 h window then starts "
        "at 00:00 of the next day)",
    )
    signed_by: Signer | None = Field(
        None, description="签收人:本人 / 代签(门卫、家人)/ 快递柜 who signed for the parcel"
    )
    shipping_insurance: Bool | None = Field(None, description="是否有运费险 return-shipping insurance")
    amount: Money | None = Field(None, description="成交金额 amount paid")
    items: Annotated[list[OrderItem], Field(max_length=100)] = Field(default_factory=list)
    coupons: Annotated[list[Money], Field(max_length=20)] = Field(default_factory=list)
    tracking_state: TrackingText | TrackingRef | None = Field(
        None,
        description="物流平台的状态码(快递100 state、快递鸟 State/StateEx),按 policy/tracking_states.yaml 得出 "
        'status 和 signed_by;请求另给的 status 优先 a courier platform\'s state code, e.g. "kuaidi100:3" or '
        '{"provider": "kdniao", "code": "301"}: the table in policy/tracking_states.yaml gives status and signed_by '
        "(a status the request gives wins); an unknown code is a 422",
    )

    def tracking(self) -> tuple[str, str] | None:
        """(provider, code) of ``tracking_state`` in either form."""
        t = self.tracking_state
        if t is None:
            return None
        if isinstance(t, str):
            provider, code = t.split(":", 1)
            return provider, code
        return t.provider, str(t.code)


MAX_CONTEXT_TURNS = 20
Message = Annotated[
    str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="买家消息 the buyer's message, as received")
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("消息为空 message is empty or only white space")
    return value


class Turn(_Strict):
    """One earlier message of the conversation."""

    role: Literal["buyer", "agent"] = Field(description="谁说的 who wrote it: buyer 买家 / agent 客服")
    text: Annotated[
        str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="消息原文 the message as it was sent")
    ]
    at: Moment | None = Field(None, description="发送时间(可选)when it was sent")

    _blank = field_validator("text")(_not_blank)


class Attachment(_Strict):
    """A file the buyer sent with the message, as the chat client reports it (Chatwoot: ``file_type``)."""

    type: Literal["image", "video", "file"] = Field(description="图片 image / 视频 video / 其他文件 file")
    name: Annotated[Line, Field(max_length=200)] | None = Field(None, description="文件名(可选)the file's name")


class SuggestRequest(_Strict):
    # Before the message: its check reads them (a message may be empty only with attachments).
    attachments: Annotated[list[Attachment], Field(max_length=20)] = Field(
        default_factory=list,
        description="买家随消息发来的图片、视频、文件;在案件里,它们可以当作客服要的凭证 the buyer's files with the "
        "message: in a case, a picture or video counts as the photo or video evidence the case asked for",
    )
    message: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] = Field(
        description="买家消息 the buyer's message, as received; may be empty only when it carries attachments",
    )
    shop_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] | None = None
    conversation_id: Annotated[Line, Field(min_length=1, max_length=128)] | None = Field(
        None,
        description="会话号:给出时消息和建议记入该会话的案件,建议接着案件的下一步 records on the conversation's cases",
    )
    case_id: Int | None = Field(None, ge=1, le=2**31 - 1, description="案件号:接着这个案件 continue this case")
    message_id: Annotated[Line, Field(min_length=1, max_length=128)] | None = Field(
        None,
        description="聊天工具里这条买家消息的编号(Chatwoot 的 message id):同一会话同一编号只记录一次,再次发送返回第一次"
        "的建议 the chat client's id of this buyer message: with conversation_id or case_id it is recorded once "
        "per shop and conversation, and sending it again (a re-sent context, a reloaded page, another agent) "
        "returns the first answer without recording anything",
    )
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
    context: Annotated[list[Turn], Field(max_length=MAX_CONTEXT_TURNS)] = Field(
        default_factory=list,
        description="本会话之前的消息,从早到晚,最多 20 条;给了 conversation_id 时服务也会自己记住最近的消息 "
        "the conversation's earlier turns, oldest first (at most 20); with a conversation_id the service keeps "
        "the recent turns itself, so a sidebar may send only the new message",
    )
    intent: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] | None = Field(
        None,
        description="客服选定的意图(回答澄清问题后)the intent the agent picked, e.g. after a clarifying question; "
        "see GET /v1/intents",
    )

    @field_validator("message")
    @classmethod
    def _said_something(cls, value: str, info: ValidationInfo) -> str:
        if not info.data.get("attachments") and not value.strip():
            raise ValueError("消息为空 message is empty or only white space (and no attachments)")
        return value


class RefundItem(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    price: Money
    quantity: Int = Field(1, ge=1, le=100_000)


class RefundDiscount(_Strict):
    type: Literal["coupon", "full_reduction"] = Field(description="店铺优惠券 coupon / 满减 full_reduction")
    amount: Money


class RefundQuoteRequest(_Strict):
    items: Annotated[list[RefundItem], Field(min_length=1, max_length=200)]
    postage: Money = Decimal("0")
    discounts: Annotated[list[RefundDiscount], Field(max_length=10)] = Field(default_factory=list)
    refund_items: Annotated[list[Annotated[str, Field(max_length=64)]], Field(min_length=1, max_length=200)]
