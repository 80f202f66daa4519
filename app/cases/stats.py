"""Script adoption over a date range: how often each script was shown, used as is, edited or rejected,
per intent and per script, counted from the cases' timelines."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from app.cases import repository as repo

KINDS = {
    "suggestion_shown": "shown",
    "script_used": "used",
    "script_edited": "edited",
    "script_rejected": "rejected",
}


def adoption(s: Session, shop_ids: tuple[str, ...] | None, start: datetime, end: datetime) -> dict:
    """``{"by_intent": {intent: counts}, "by_script": [{"script_id", "intent", **counts}]}``."""
    by_script: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS.values(), 0))
    by_intent: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS.values(), 0))
    for event, case in repo.events_between(s, shop_ids, start, end, tuple(KINDS)):
        kind = KINDS[event.type]
        by_intent[case.intent][kind] += 1
        if event.script_id:
            by_script[event.script_id][kind] += 1
    return {
        "by_intent": by_intent,
        "by_script": [{"script_id": k, "intent": k.split(".")[0], **v} for k, v in sorted(by_script.items())],
    }
