"""The case cockpit's JSON contract."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from app.cases.schemas import Actor, CaseOut, Status
from app.http.fields import Int, Line, Strict
from app.suggest.responses import Named, SuggestionOut


class AssessmentStep(BaseModel):
    id: str = Field(description="the assessment id, e.g. box_damaged_severe")
    name: str = Field(description="客服看到的名字 its Chinese name (phrasebook/vocabulary.yaml)")
    script_id: str = Field(description="the script it leads to")


class EvidenceStep(BaseModel):
    id: str
    name: str
    received: bool


class RemedyStep(BaseModel):
    id: str
    name: str
    min: str | None = Field(description="客服可自行决定的最低金额(元)the agent's range, when it takes an amount")
    max: str | None = Field(description="above it the approver decides")
    needs_amount: bool


class Steps(BaseModel):
    """What can happen next on the case, from its flow: each is written with the existing case routes."""

    assessments: list[AssessmentStep] = Field(description="客服的判断 PATCH /v1/cases/{id} assessment")
    evidence: list[EvidenceStep] = Field(description="凭证 POST /v1/cases/{id}/evidence/{evidence}/received")
    remedies: list[RemedyStep] = Field(description="处理方式 PATCH /v1/cases/{id} remedy (and amount)")
    actions: list[Named] = Field(description="操作 POST /v1/cases/{id}/events (note, registered …)")
    statuses: list[Status] = Field(description="legal next statuses: POST /v1/cases/{id}/status")


class NextOut(BaseModel):
    case: CaseOut
    script: SuggestionOut | None = Field(description="the script the case is at now")
    steps: Steps


class ChooseIn(Strict):
    script_id: Annotated[Line, Field(min_length=3, max_length=128)] = Field(
        description="e.g. damaged.box_damaged_slight"
    )
    version: Int | None = Field(None, ge=1, description="the case version you saw; a stale one gets 409")
    actor: Actor | None = None


class ScriptHit(BaseModel):
    script_id: str
    intent: str
    intent_name: str
    name: str
    text: str = Field(description="the script as it would be inserted with nothing known: placeholders as 【名称】")
    evidence: list[Named]
    actions: list[Named]
    score: float


class ScriptsOut(BaseModel):
    scripts: list[ScriptHit]
