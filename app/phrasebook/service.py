"""Recording what went live: the script-level difference between two engines. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.core.engine import Engine
from app.phrasebook import repository as repo
from app.phrasebook.models import PhrasebookVersion


def script_texts(engine: Engine) -> dict[str, str]:
    return {b.script_id: b.text for f in engine.catalog.flows.values() for b in f.branches}


def diff(new: Engine, old: Engine | None) -> list[dict[str, str | None]]:
    before = script_texts(old) if old is not None else {}
    after = script_texts(new)
    changes: list[dict[str, str | None]] = []
    for script_id in sorted(before.keys() | after.keys()):
        a, b = before.get(script_id), after.get(script_id)
        if a == b:
            continue
        kind = "added" if a is None else "removed" if b is None else "changed"
        changes.append({"script_id": script_id, "change": kind, "old": a, "new": b})
    return changes


def record_live(
    s: Session, new: Engine, old: Engine | None, trigger: str, now: datetime, files: list[str] | None = None
) -> PhrasebookVersion:
    last = repo.newest(s)
    if last is not None and last.version == new.version and old is None:
        return last  # a restart with the same content is not a new version
    row = PhrasebookVersion(
        version=new.version,
        previous=old.version if old else (last.version if last else None),
        went_live_at=now,
        trigger=trigger,
        files=sorted(set(files or [])),
        changes=diff(new, old),
    )
    s.add(row)
    s.flush()
    return row
