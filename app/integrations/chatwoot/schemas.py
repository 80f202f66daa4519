"""The webhook's request and answer as the OpenAPI document shows them. The route reads the raw body itself
(the signature covers its exact bytes), so this model documents Chatwoot's payload rather than parsing it:
only the fields read are described, and Chatwoot's many others are allowed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ChatwootRef(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int | None = Field(None, description="Chatwoot 的编号 Chatwoot's id (a conversation's: its display id)")


class ChatwootSender(ChatwootRef):
    type: str | None = Field(None, description="`contact` 买家 / `user` 客服 / `agent_bot`")


class ChatwootAttachment(BaseModel):
    model_config = ConfigDict(extra="allow")
    file_type: str | None = Field(None, description="`image`, `video`, `audio`, `file` …")


class ChatwootEvent(BaseModel):
    """Chatwoot's webhook payload (``Message#webhook_data`` with ``event``); only ``message_created`` is used."""

    model_config = ConfigDict(extra="allow")
    event: str = Field(description="事件名,只处理 message_created only message_created is acted on")
    id: int | None = Field(None, description="消息编号 the message's id: one note per message")
    content: str | None = None
    message_type: str | None = Field(None, description="只处理 incoming only incoming (a buyer's) messages")
    private: bool | None = None
    sender: ChatwootSender | None = None
    account: ChatwootRef | None = None
    inbox: ChatwootRef | None = None
    conversation: ChatwootRef | None = None
    attachments: list[ChatwootAttachment] | None = None


class ChatwootWebhookAnswer(BaseModel):
    status: Literal["queued", "duplicate", "ignored"] = Field(
        description="queued: 备注已排队 the note will be posted; duplicate: 这条消息已排过 already queued (a "
        "redelivery); ignored: 不需要备注 nothing to do (see reason)"
    )
    reason: str | None = Field(
        None,
        description="ignored 的原因 why nothing is done: other_event, not_incoming, private_note, "
        "not_from_contact, missing_ids, empty, unmapped",
    )
