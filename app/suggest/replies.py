"""A buyer's reply moves the case it continues: files on the message and "照片发你了" mark the evidence the
case is waiting for as received; "好的" / "那就补发吧" right after a script that proposed a remedy records the
buyer's agreement. The phrases are content (intents/_reading.yaml); this applies them to the stored case.
Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from app.cases import service as cases
from app.cases.models import REMEDIES, Case
from app.core.engine import Engine
from app.core.terms import AttachmentKind


def apply(
    s: Session,
    engine: Engine,
    case: Case,
    message: str,
    attachments: Collection[str],
    shop_id: str | None,
    now: datetime,
) -> None:
    reply = engine.reply(message)
    reading = engine.catalog.reading
    waiting = [i.evidence_id for i in case.evidence if i.received_at is None]
    for via, kinds in (("attachment", {AttachmentKind(a) for a in attachments}), ("message", reply.sent)):
        can_be = set().union(*(reading.attachment_evidence.get(k, frozenset()) for k in kinds)) if kinds else set()
        for evidence_id in [e for e in waiting if e in can_be]:
            cases.receive_evidence(s, case, evidence_id, now, None, via=via)
            waiting.remove(evidence_id)
    if reply.agrees:
        _agreement(s, engine, case, message, shop_id, now)


def _agreement(s: Session, engine: Engine, case: Case, message: str, shop_id: str | None, now: datetime) -> None:
    shown = cases.latest_event(s, case, "suggestion_shown")
    flow = engine.playbook.flow(case.intent, shop_id)
    if shown is None or shown.script_id is None or flow is None:
        return
    branch = flow.branch(shown.script_id.removeprefix(f"{case.intent}."))
    offered = [a for a in branch.actions if a in REMEDIES] if branch is not None else []
    if not offered:
        return  # "好的" to a question is not agreement to a remedy
    agreed = cases.latest_event(s, case, "remedy_agreed")
    if agreed is not None and agreed.script_id == shown.script_id:
        return  # once per proposal
    remedy = _named(engine, offered, message) or (offered[0] if len(offered) == 1 else None)
    data = {"remedy": remedy, "offered": offered}
    cases.add_event(s, case, "remedy_agreed", now, script_id=shown.script_id, data=data)


def _named(engine: Engine, offered: list[str], message: str) -> str | None:
    """The remedy the buyer named ("那就补发吧"): by its name in the vocabulary, whole, else its last two
    characters (小额补偿 → 补偿)."""
    names = engine.catalog.vocabulary.actions
    for part in (lambda n: n, lambda n: n[-2:]):
        hits = [a for a in offered if part(names.get(a, a)) in message]
        if len(hits) == 1:
            return hits[0]
    return None
