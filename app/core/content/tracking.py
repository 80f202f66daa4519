"""Courier platforms' tracking state codes → the order's ``status`` and ``signed_by``: policy/tracking_states.yaml.

A bot that reads 快递100 or 快递鸟 sends the platform's own code (``order.tracking_state``) instead of translating
it; the table that translates is content, so a shop can correct a row or add a platform without a release, and
its mistakes are reported with file:line like every other content file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from app.core.content.errors import ContentError
from app.core.content.fields import Collector, validated
from app.core.content.yamlsafe import load_file
from app.core.terms import OrderStatus, Signer

FILE = "policy/tracking_states.yaml"
PROVIDER = r"^[a-z][a-z0-9_]{0,31}$"
CODE = r"^[0-9A-Za-z_]{1,16}$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Written bare (301:) or quoted ("301"): YAML reads the first as a number; both mean the code as text.
Code = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), StringConstraints(pattern=CODE)]
ProviderId = Annotated[str, StringConstraints(pattern=PROVIDER)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrackingState(_Doc):
    name: Text = Field(description="平台对这个状态的叫法 the platform's name for the state")
    status: OrderStatus | None = Field(
        None, description="订单状态;不写则不改变订单状态 the order status it means; none: it says nothing of it"
    )
    signed_by: Signer | None = Field(None, description="签收人(仅签收状态)who signed, for a signed state only")
    note: str | None = Field(None, description="为什么这样对应 why it maps so")

    @model_validator(mode="after")
    def _signer_only_when_signed(self) -> TrackingState:
        if self.signed_by is not None and self.status != OrderStatus.SIGNED:
            raise ValueError("signed_by 只能用于 status: signed (signed_by goes with status: signed only)")
        return self


class Provider(_Doc):
    name: Text = Field(description="平台中文名 the platform's name")
    source: Text = Field(description="状态码出自哪份文档 where the codes are documented")
    codes: dict[Code, TrackingState] = Field(min_length=1, description="状态码: 含义 code: what it means")


class TrackingFile(_Doc):
    """policy/tracking_states.yaml · 物流平台状态码 → 订单状态 courier platforms' state codes"""

    providers: dict[ProviderId, Provider] = Field(default_factory=dict)

    def state(self, provider: str, code: str) -> TrackingState | None:
        known = self.providers.get(provider)
        return known.codes.get(code) if known is not None else None


def load_tracking(root: Path) -> tuple[TrackingFile, list[ContentError]]:
    """The table under ``root`` (empty when the file is absent: every code is then unknown), and its mistakes."""
    path = root / FILE
    if not (path.exists() or path.is_symlink()):
        return TrackingFile(), []
    c = Collector(root)
    loaded = load_file(path, FILE)
    if loaded.error is not None:
        return TrackingFile(), [loaded.error]
    data: Any = loaded.data
    if not isinstance(data, dict):
        return TrackingFile(), [ContentError(FILE, 1, 1, "文件顶层必须是映射 top level must be a mapping")]
    table = validated(c, FILE, data, TrackingFile)
    return table or TrackingFile(), c.errors
