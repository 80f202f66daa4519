"""The erasure route's JSON contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.http.fields import Bool, Line, Strict
from app.privacy.service import SELECTORS

ShopId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
# A mainland mobile number, +86 or not, whole or in 3-4-4 groups with spaces or dashes.
Phone = Annotated[str, Field(pattern=r"^(\+?86[ \-]?)?1[3-9][0-9]([ \-]?[0-9]{4}){2}$", max_length=20)]


class ErasureIn(Strict):
    # Exactly one selector, in the document too (a client generator and schemathesis read it).
    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": [name]} for name in SELECTORS]},
    )

    shop_id: ShopId | None = Field(
        None, description="the shop whose data is erased; a key for several shops must name it"
    )
    phone: Phone | None = Field(None, description="cases and conversations mentioning this mobile number")
    buyer_ref: Annotated[Line, Field(min_length=1, max_length=128)] | None = Field(
        None, description="cases with this buyer reference, and their conversations"
    )
    conversation_id: Annotated[Line, Field(min_length=1, max_length=128)] | None = Field(
        None, description="this conversation's cases and kept turns"
    )
    dry_run: Bool = Field(False, description="count what would be erased, change nothing")

    @model_validator(mode="after")
    def _one(self) -> ErasureIn:
        given = [name for name in SELECTORS if name in self.model_fields_set]
        if len(given) != 1 or getattr(self, given[0]) is None:
            raise ValueError("只能给出一个选择条件 give exactly one of phone, buyer_ref, conversation_id (not null)")
        return self

    def selector(self) -> tuple[str, str]:
        name = next(n for n in SELECTORS if n in self.model_fields_set)
        value: Any = getattr(self, name)
        return name, str(value)


class CountsOut(BaseModel):
    cases: int = Field(description="cases whose personal data was (or would be) removed")
    events: int = Field(description="timeline events that lost messages, texts or notes")
    follow_ups: int = Field(description="follow-ups set by hand whose text was removed")
    approvals: int = Field(description="approvals whose reason was removed")
    turns: int = Field(description="conversation turns deleted")


class ErasureOut(BaseModel):
    shop_id: str
    selector: str = Field(description="what was erased, masked as in the logs: `phone=138****5678`")
    dry_run: bool
    counts: CountsOut


class LogEntry(BaseModel):
    at: datetime
    action: Literal["purge", "erasure"]
    shop_id: str | None = Field(
        description="null: records of no shop (expired conversation turns, idempotency records)"
    )
    actor: str = Field(description="the key's public id, `cli` or `daily`")
    selector: str | None = Field(description="an erasure's selector, masked")
    counts: dict[str, int]


class LogOut(BaseModel):
    entries: list[LogEntry]
