"""The live content, its reloads and its history → JSON-ready dicts."""

from __future__ import annotations

from app.core.clock import SHOP_TZ
from app.core.content.errors import ContentError
from app.core.engine import Engine
from app.phrasebook.models import PhrasebookVersion
from app.reload import ContentHolder, Outcome


def problem_out(e: ContentError) -> dict:
    return {
        "file": e.file,
        "line": e.line,
        "column": e.column,
        "severity": e.severity,
        "message": e.message,
        "text": str(e),
    }


def effective_out(engine: Engine, shop_id: str | None) -> dict:
    """A shop's scripts as its requests get them, each with the file:line it came from."""
    vocab = engine.catalog.vocabulary
    flows = engine.catalog.flows_for(shop_id)
    return {
        "shop_id": shop_id,
        "phrasebook_version": engine.version,
        "shops": sorted(engine.catalog.shop_flows),
        "scripts": [
            {
                "script_id": b.script_id,
                "intent": b.intent,
                "name": b.name,
                "text": b.text,
                "entry": b.entry,
                "evidence": [{"id": e, "name": vocab.evidence[e]} for e in b.evidence],
                "actions": [{"id": a, "name": vocab.actions[a]} for a in b.actions],
                "source": str(b.source),
                "overridden": not b.source.file.startswith("phrasebook/" + b.intent),
            }
            for flow in flows.values()
            for b in flow.branches
        ],
    }


def reload_out(outcome: Outcome) -> dict:
    return {
        "accepted": outcome.accepted,
        "changed": outcome.changed,
        "live_version": outcome.live_version,
        "errors": [problem_out(e) for e in outcome.errors],
        "warnings": [problem_out(e) for e in outcome.warnings],
    }


def status_out(holder: ContentHolder) -> dict:
    rejected = holder.rejected
    return {
        "live": {"version": holder.engine.version, "since": holder.live_since.isoformat()},
        "rejected": None
        if rejected is None
        else {
            "version": rejected.version,
            "at": rejected.at.isoformat(),
            "errors": [problem_out(e) for e in rejected.errors],
        },
    }


def version_out(r: PhrasebookVersion) -> dict:
    return {
        "version": r.version,
        "previous": r.previous,
        "went_live_at": r.went_live_at.astimezone(SHOP_TZ).isoformat(),
        "trigger": r.trigger,
        "files": r.files,
        "changes": r.changes,
    }
