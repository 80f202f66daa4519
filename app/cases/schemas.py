"""The case records' JSON contract."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.cases.models import APPROVAL_STATUSES, EVENT_TYPES, REMEDIES, STATUSES
from app.http.fields import Int, JsonData, Line, Moment, Strict, Text

# Literal types built from the tuples app/cases/models.py checks the columns with, so there is one list of each;
# mypy cannot read a Literal of a variable, hence valid-type on each.
Status = Literal[STATUSES]  # type: ignore[valid-type]
Remedy = Literal[REMEDIES]  # type: ignore[valid-type]
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]
ApprovalStatus = Literal[APPROVAL_STATUSES]  # type: ignore[valid-type]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Actor = Annotated[Line, Field(min_length=1, max_length=64)]
# Events with their own endpoint keep their invariants there (a checklist, a transition, a due date).
MANUAL_EVENTS = tuple(
    t
    for t in EVENT_TYPES
    if t
    not in (
        "status_changed",
        "evidence_received",
        "follow_up_set",
        "follow_up_done",
        "assessment",
        "approval_rejected",
        "script_chosen",
        "remedy_proposed",
        "remedy_agreed",
        # Only the approvals routes write these: otherwise anyone with cases:write could forge an approval.
        "approval_asked",
        "approval_given",
    )
)


class _Strict(Strict):
    pass


class CaseOpen(_Strict):
    # The rule open_case checks, in the document: an order id or a conversation id (or both), not null.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("order_id", "conversation_id")
            ]
        }
    )

    shop_id: Id | None = None
    intent: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
    # Columns of the 登记表格 (and ids that end up in log lines): one line each.
    order_id: Annotated[Line, Field(min_length=1, max_length=64)] | None = None
    conversation_id: Annotated[Line, Field(min_length=1, max_length=128)] | None = None
    buyer_ref: Annotated[Line, Field(min_length=1, max_length=128)] | None = None


class EventIn(_Strict):
    type: Literal[MANUAL_EVENTS]  # type: ignore[valid-type]  # a Literal of a tuple, as Status above
    actor: Actor | None = None
    script_id: Annotated[Line, Field(max_length=128)] | None = None
    # A note's text is the register's 最近备注 column: every string of it is Text.
    data: JsonData = Field(default_factory=dict, description='备注内容等 e.g. {"text": "已补发"}')


class EvidenceReceivedIn(_Strict):
    by: Actor | None = None


class FollowUpIn(_Strict):
    what: Annotated[Text, Field(min_length=1, max_length=500)]
    due_at: Moment
    actor: Actor | None = None


class FollowUpDoneIn(_Strict):
    by: Actor | None = None


class StatusIn(_Strict):
    status: Status
    version: Int = Field(ge=1, description="the case version you saw; a stale one gets 409")
    actor: Actor | None = None
    reason: Annotated[Text, Field(max_length=500)] | None = None


class CasePatch(_Strict):
    version: Int = Field(ge=1)
    actor: Actor | None = None
    remedy: Remedy | None = None
    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None = None
    assignee: Actor | None = None
    assessment: Annotated[str, Field(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")] | None = None


class EvidenceOut(BaseModel):
    id: str
    name: str
    requested_at: datetime | None
    received_at: datetime | None
    received_by: str | None


class FollowUpOut(BaseModel):
    id: int
    case_id: int
    what: str
    due_at: datetime
    done_at: datetime | None
    done_by: str | None
    kind: str | None = Field(description="承诺的时限种类 the deadline kind a shown script promised; null: set by hand")
    source: str | None = Field(description="作出承诺的话术 the script that promised it")


class CaseApproval(BaseModel):
    id: int
    case_id: int
    shop_id: str
    status: ApprovalStatus
    amount: str = Field(description="申请的金额 the amount asked", examples=["50.00"])
    remedy: Remedy | None
    asked_by: str | None
    asked_at: datetime
    answer_by: datetime = Field(description="店长应答复的时间 when the approver should have answered (policy)")
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class CaseOut(BaseModel):
    id: int
    shop_id: str
    order_id: str | None
    conversation_id: str | None
    buyer_ref: str | None
    intent: str
    branch: str | None
    assessment: str | None
    status: Status
    remedy: Remedy | None
    amount: str | None
    assignee: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    evidence: list[EvidenceOut]
    follow_ups: list[FollowUpOut]
    approval: CaseApproval | None = Field(description="最近一次审批 the latest approval; null when none was asked")


class DecisionIn(_Strict):
    decision: Literal["approve", "reject"]
    reason: Annotated[Text, Field(max_length=500)] | None = None
    by: Actor | None = None


class QueueApproval(BaseModel):
    approval: CaseApproval
    case: CaseOut


class ApprovalList(BaseModel):
    approvals: list[QueueApproval] = Field(description="最早申请的在前 oldest first, at most `limit`")
    total: int


class Decided(BaseModel):
    approval: CaseApproval
    case: CaseOut


class QueueFollowUp(BaseModel):
    follow_up: FollowUpOut
    case: CaseOut


class QueueEvidence(BaseModel):
    case: CaseOut
    missing: list[EvidenceOut]


class QueueCounts(BaseModel):
    overdue: int
    due_soon: int
    waiting_approval: int
    waiting_evidence: int


class QueueOut(BaseModel):
    counts: QueueCounts = Field(description="各栏总数(列表最多 100 条)each list's full count; lists show at most 100")
    overdue: list[QueueFollowUp]
    due_soon: list[QueueFollowUp]
    waiting_approval: list[QueueApproval]
    waiting_evidence: list[QueueEvidence]


class EventOut(BaseModel):
    id: int
    type: EventType
    at: datetime
    actor: str | None
    script_id: str | None
    data: dict[str, Any]


class Page(BaseModel):
    page: int
    page_size: int
    total: int


class CaseList(BaseModel):
    cases: list[CaseOut]
    page: Page


class OverdueItem(BaseModel):
    follow_up: FollowUpOut
    case: CaseOut


class OverdueList(BaseModel):
    follow_ups: list[OverdueItem]
    page: Page


class ScriptStats(BaseModel):
    script_id: str
    intent: str
    shown: int
    used: int
    edited: int
    rejected: int


class StatsOut(BaseModel):
    start: datetime
    end: datetime
    by_intent: dict[str, dict[str, int]]
    by_script: list[ScriptStats]
