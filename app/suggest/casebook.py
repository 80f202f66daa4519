"""The cases a case-aware suggestion works on: for each intent the engine answers, the conversation's case
(found, or opened on first need), and afterwards the message and the suggestion written to its timeline,
so that the next message gets the next step. Nothing here asks the engine: app/suggest/service.py does,
and hands the answer over to be recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.cases import service as cases
from app.cases.models import Case
from app.core.engine import Suggestion


@dataclass(frozen=True, slots=True)
class CaseRef:
    case: Case
    created: bool


class CaseBook:
    """One request's cases. ``shop_id`` is the shop they belong to (app.auth.guard.case_shop), or None with a
    ``case_id``, whose own shop is used; ``shop_ids`` is the caller's scope, checked again wherever a case
    is opened."""

    def __init__(
        self,
        s: Session,
        now: datetime,
        *,
        shop_id: str | None,
        shop_ids: tuple[str, ...] | None,
        conversation_id: str | None,
        case_id: int | None,
        order_id: str | None,
    ) -> None:
        self.s, self.now, self.shop_ids, self.order_id = s, now, shop_ids, order_id
        self.pinned = cases.get(s, case_id, shop_ids) if case_id is not None else None
        if self.pinned is not None:
            self.shop, self.conversation_id = self.pinned.shop_id, self.pinned.conversation_id or conversation_id
        elif shop_id is not None:
            self.shop, self.conversation_id = shop_id, conversation_id
        else:
            raise ValueError("a case-aware suggestion needs the shop of its cases or a case_id")
        self._refs: dict[str, CaseRef] = {}

    def fallback_intent(self) -> str | None:
        """The intent a message naming no problem itself continues: the pinned case's, else the active case's."""
        if self.pinned is not None:
            return self.pinned.intent
        active = cases.find_active(self.s, self.shop, self.conversation_id, self.order_id)
        return active.intent if active is not None else None

    def case_for(self, intent: str) -> Case:
        """The case for ``intent``: the pinned case if it is about that intent, else found or opened once."""
        if self.pinned is not None and self.pinned.intent == intent:
            self._refs[intent] = CaseRef(self.pinned, False)
        elif intent not in self._refs:
            case, created = cases.open_or_find(
                self.s,
                shop_id=self.shop,
                scope=self.shop_ids,
                intent=intent,
                now=self.now,
                order_id=self.order_id,
                conversation_id=self.conversation_id,
            )
            self._refs[intent] = CaseRef(case, created)
        return self._refs[intent].case

    def opened(self, intent: str) -> bool:
        """Whether this request opened the case of ``intent`` (after :meth:`case_for`)."""
        return self._refs[intent].created

    def record(self, result: Suggestion, message: str, attachments: tuple[str, ...] = ()) -> list[CaseRef]:
        """The message and each script shown, on the case of the script's intent, with the follow-ups its
        deadlines promise; those cases, in order."""
        s, now = self.s, self.now
        for script in result.scripts:
            case = self._refs[script.intent].case
            said = {"message": message, **({"attachments": list(attachments)} if attachments else {})}
            cases.add_event(s, case, "message_received", now, data=said)
            cases.add_event(
                s,
                case,
                "suggestion_shown",
                now,
                script_id=script.script_id,
                data={"text": script.text, "phrasebook_version": result.phrasebook_version},
            )
            cases.request_evidence(s, case, [e.id for e in script.evidence], now)
            # What the script promised the buyer (2 h courier feedback, 3 working days …) is a follow-up on the
            # case, once: a promise nobody tracks is a promise broken.
            promised = [d for d in result.deadlines if d.intent == script.intent]
            cases.promise_follow_ups(s, case, promised, script.script_id, now)
            cases.set_branch(s, case, script.script_id, now)
        return [self._refs[x.intent] for x in result.scripts]
