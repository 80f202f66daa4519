"""The outbound routes' JSON contract: targets (secrets write-only) and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.http.fields import Bool, Line, Strict
from app.integrations.outbound.outbox import EVENT_TYPES

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
Kind = Literal["webhook", "wecom", "dingtalk", "feishu"]
# Printable ASCII only (an international name in its xn-- form): what a log line or a header can carry as is.
Url = Annotated[str, Field(min_length=10, max_length=2048, pattern=r"^https?://[!-~]+$")]
Secret = Annotated[str, Field(min_length=8, max_length=256, pattern=r"^[!-~]+$")]
Events = Annotated[list[EventType], Field(min_length=1, max_length=7)]


class TargetIn(Strict):
    shop_id: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] | None = Field(
        None, description="the key's only shop when omitted"
    )
    kind: Kind
    url: Url = Field(description="the webhook's URL, or the robot's URL as the group's settings give it")
    secret: Secret | None = Field(
        None,
        description="webhook: the HMAC key (made and shown once when omitted); 钉钉/飞书: the robot's 加签/签名校验 "
        "secret (optional); never returned by a read",
    )
    events: Events | None = Field(
        None,
        description="the events to send; default: every event for a webhook, approvals and overdue follow-ups for "
        "a robot",
    )
    label: Annotated[Line, Field(max_length=128)] | None = None


class TargetPatch(Strict):
    active: Bool | None = None
    events: Events | None = None
    label: Annotated[Line, Field(max_length=128)] | None = None
    secret: Secret | None = Field(None, description="a new secret (write-only)")


class TargetOut(BaseModel):
    id: int
    shop_id: str
    kind: Kind
    url: str = Field(description="the URL without its query and, for a robot, without its path: they hold tokens")
    has_secret: bool
    events: list[str]
    label: str | None
    active: bool
    created_at: datetime
    created_by: str | None


class NewTargetOut(TargetOut):
    secret: str | None = Field(None, description="the webhook secret the service made, shown this once")


class TargetList(BaseModel):
    targets: list[TargetOut]


class AttemptOut(BaseModel):
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    event_type: str
    case_id: int | None
    target_id: int
    target_kind: str
    shop_id: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    next_before: int | None = Field(description="pass as `before` for the next (older) page; null on the last")
