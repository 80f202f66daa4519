"""Core values → JSON-ready dicts, built by hand: this is on the hot path and the shapes are fixed."""

from __future__ import annotations

from collections.abc import Mapping

from app.core.content.models import Redirect
from app.core.engine import Engine, Suggestion, describe_conditions
from app.core.entities import Entities
from app.core.matcher import IntentScore
from app.core.refund import Quote
from app.core.situation import Approval
from app.core.suggestion import ScriptSuggestion
from app.suggest.casebook import CaseRef


def intent_out(s: IntentScore, redirected: Mapping[str, tuple[str, Redirect]] | None = None) -> dict:
    came = redirected.get(s.intent) if redirected else None
    return {
        "id": s.intent,
        "name": s.name,
        "score": round(s.score, 4),
        "similarity": round(s.similarity, 3),
        "keyword_evidence": s.keyword_evidence,
        "keywords": [h.keyword.text for h in s.keywords if not h.negated],
        "example": s.example.text if s.example else None,
        "rule": s.rule,
        "redirected_from": came[0] if came else None,
        "redirect_rule": str(came[1].source) if came else None,
    }


def suggestion_out(s: Suggestion, cases: list[dict] | None = None) -> dict:
    m = s.match
    t = s.triage
    redirected = t.redirected if t is not None else None
    question = t.question if t is not None else None
    reading = t.reading if t is not None else None
    return {
        "status": m.status.value,
        "intents": [intent_out(i, redirected) for i in m.intents],
        "runner_up": intent_out(m.runner_up) if m.runner_up else None,
        "suggestions": [script_out(x) for x in s.scripts],
        "entities": _entities(s.entities),
        "deadlines": [
            {
                "kind": d.kind,
                "due_at": d.due_at.isoformat(),
                "why": d.why,
                "intent": d.intent,
                "approximate": d.approximate is not None,
                "approximate_reason": d.approximate,
                "known_years": list(d.known_years) if d.known_years is not None else None,
            }
            for d in s.deadlines
        ],
        "eligibility": {
            k: {"eligible": e.eligible, "until": e.until.isoformat() if e.until else None, "why": e.why}
            for k, e in s.eligibility.items()
        },
        "needs_approval": bool(s.approval and s.approval.needed),
        "approval": _approval(s.approval),
        "cases": cases or [],
        "clarify": {"text": question.text, "intents": list(question.intents), "source": str(question.source)}
        if question is not None
        else None,
        "reading": {"read_as": reading.read_as.value, "turns": list(reading.turns)} if reading is not None else None,
        "phrasebook_version": s.phrasebook_version,
    }


def script_out(x: ScriptSuggestion) -> dict:
    """One script as SuggestionOut: the suggestion's own and the case cockpit's (GET /v1/cases/{id}/next)."""
    return {
        "intent": x.intent,
        "script_id": x.script_id,
        "name": x.name,
        "text": x.text,
        "missing_placeholders": list(x.missing_placeholders),
        "evidence": [{"id": e.id, "name": e.name} for e in x.evidence],
        "actions": [{"id": a.id, "name": a.name} for a in x.actions],
        "next": [{"script_id": n.script_id, "name": n.name, "when": n.when} for n in x.next],
        "source": x.source,
        "seed": x.seed,
        "notes": list(x.notes),
        "asks": list(x.asks),
    }


def case_refs_out(refs: list[CaseRef]) -> list[dict]:
    """The cases a suggestion was recorded on, with the version an agent needs for the next write."""
    return [
        {
            "id": r.case.id,
            "intent": r.case.intent,
            "status": r.case.status,
            "branch": r.case.branch,
            "version": r.case.version,
            "created": r.created,
        }
        for r in refs
    ]


def _entities(e: Entities) -> dict:
    return {
        "order_numbers": [{"value": o.value, "platform_guess": o.platform_guess} for o in e.order_numbers],
        "tracking_numbers": [
            {
                "value": t.value,
                "courier": t.courier,
                "courier_name": t.courier_name,
                "confidence": t.confidence,
                "candidates": list(t.candidates),
            }
            for t in e.tracking_numbers
        ],
        "phones": [{"value": p.value, "masked": p.masked, "kind": p.kind} for p in e.phones],
        "amounts": [{"value": a.value, "text": a.text} for a in e.amounts],
        "dates": [{"value": d.value, "text": d.text} for d in e.dates],
    }


def _approval(a: Approval | None) -> dict | None:
    if a is None:
        return None
    return {
        "needed": a.needed,
        "amount": f"{a.amount:.2f}",
        "agent_limit": f"{a.agent_limit:.2f}",
        "approver": a.approver,
        "why": a.why,
        "answer_by": a.answer_by.isoformat() if a.answer_by else None,
    }


def intents_out(engine: Engine) -> dict:
    vocab = engine.catalog.vocabulary
    return {
        "intents": [
            {
                "id": i.id,
                "name": i.name,
                "description": i.description,
                "branches": [
                    {
                        "script_id": b.script_id,
                        "name": b.name,
                        "entry": b.entry,
                        "when": describe_conditions(b),
                        "evidence": [{"id": e, "name": vocab.evidence[e]} for e in b.evidence],
                        "actions": [{"id": a, "name": vocab.actions[a]} for a in b.actions],
                        "next": [f"{b.intent}.{n}" for n in b.next],
                    }
                    for b in engine.catalog.flows[i.id].branches
                ],
            }
            for i in engine.catalog.public_intents
        ],
        "phrasebook_version": engine.version,
    }


def quote_out(q: Quote) -> dict:
    return {"max_refund": f"{q.max_refund:.2f}", "rule": q.rule, "explanation": q.explanation}
