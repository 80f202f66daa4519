"""The rules of the personal-data lifecycle: purging a shop's finished cases after its retention period,
erasing one buyer's data on request, expiring what is kept only for a while. Functions never commit (the
caller's unit of work does) and, with ``dry_run``, count what they would change and change nothing.

Every purge of a shop and every erasure that changed something is written to the privacy log (counts, the
selector masked: never content) and to the ``app.privacy`` log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.cases.models import Case
from app.conversations import service as conversations
from app.core.content.policy import Policies
from app.core.privacy import mask
from app.errors import FieldError
from app.http import idempotency
from app.privacy import repository as repo
from app.privacy.scrub import PURGED_TEXT, skeleton

log = logging.getLogger("app.privacy")
SELECTORS = ("phone", "buyer_ref", "conversation_id")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9})$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")


@dataclass(slots=True)
class Counts:
    """What a purge or an erasure changed (or would change): records, never their content."""

    cases: int = 0
    events: int = 0
    follow_ups: int = 0
    approvals: int = 0
    turns: int = 0

    def add(self, other: Counts) -> None:
        for name in ("cases", "events", "follow_ups", "approvals", "turns"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "cases": self.cases,
            "events": self.events,
            "follow_ups": self.follow_ups,
            "approvals": self.approvals,
            "turns": self.turns,
        }

    @property
    def any(self) -> bool:
        return any(self.as_dict().values())


@dataclass(slots=True)
class PurgeReport:
    dry_run: bool
    shops: dict[str, Counts] = field(default_factory=dict)
    turns_expired: int = 0  # conversation memory past its age, every shop
    idempotency_expired: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "shops": {shop: c.as_dict() for shop, c in sorted(self.shops.items())},
            "turns_expired": self.turns_expired,
            "idempotency_expired": self.idempotency_expired,
        }


def scrub(s: Session, cases: list[Case], now: datetime, *, dry_run: bool) -> Counts:
    """Remove the personal data of ``cases``, keeping their skeleton (app/privacy/scrub.py)."""
    counts = Counts(cases=len(cases))
    for event in repo.events(s, [c.id for c in cases]):
        kept = skeleton(event.data or {})
        if kept != (event.data or {}):
            counts.events += 1
            if not dry_run:
                event.data = kept
    for case in cases:
        for follow_up in case.follow_ups:
            # A promise a script made says what the content says; one set by hand may say anything.
            if follow_up.kind is None and follow_up.what != PURGED_TEXT:
                counts.follow_ups += 1
                if not dry_run:
                    follow_up.what = PURGED_TEXT
        for approval in case.approvals:
            if approval.reason is not None:
                counts.approvals += 1
                if not dry_run:
                    approval.reason = None
        if not dry_run:
            repo.mark_purged(s, case, now)
    if not dry_run:
        s.flush()
    return counts


def purge(
    s: Session,
    policies: Policies,
    now: datetime,
    *,
    memory_hours: float,
    shop_id: str | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> PurgeReport:
    """Purge each shop's (or the one shop's) resolved and closed cases past its retention, then expire the
    conversation memory and the idempotency records of every shop (with ``shop_id``: only the cases)."""
    report = PurgeReport(dry_run=dry_run)
    shops = [shop_id] if shop_id is not None else repo.shops_with_finished(s)
    for shop in shops:
        cutoff = now - timedelta(days=policies.for_shop(shop).retention.closed_case_days)
        counts, after = Counts(), 0
        while batch := repo.due(s, shop, cutoff, after):
            counts.add(scrub(s, batch, now, dry_run=dry_run))
            after = batch[-1].id
        report.shops[shop] = counts
        if counts.any and not dry_run:
            repo.log(s, now, "purge", shop, actor, counts.as_dict())
            log.info("purged shop %s: %s", shop, counts.as_dict())
    if shop_id is None:
        report.turns_expired = conversations.expire(s, now, memory_hours, dry_run=dry_run)
        report.idempotency_expired = idempotency.count_expired(s, now) if dry_run else idempotency.prune(s, now)
        if not dry_run and (report.turns_expired or report.idempotency_expired):
            expired = {"turns": report.turns_expired, "idempotency_records": report.idempotency_expired}
            repo.log(s, now, "purge", None, actor, expired)
            log.info("expired records: %s", expired)
    return report


def phone_needles(raw: str) -> list[str]:
    """A mobile number as buyers type it: whole, or in 3-4-4 groups with a space or a dash. 422 otherwise."""
    m = _PHONE.match(_PHONE_SEPARATORS.sub("", raw))
    if m is None:
        raise FieldError("body.phone", "不是手机号 not a mainland mobile number (11 digits, 1[3-9]…)")
    n = m.group(1)
    return [n, f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}"]


def masked_selector(selector: str, value: str) -> str:
    """What the logs say was erased: a phone as 138****5678, a buyer reference by its first character; a
    conversation id is the shop's own reference and is kept whole, like on the case."""
    if selector == "phone":
        n = phone_needles(value)[0]
        return f"{n[:3]}****{n[-4:]}"
    if selector == "buyer_ref":
        return f"{mask(value)[:1]}***({len(value)})"
    return value[:128]


def erase(s: Session, shop_id: str, selector: str, value: str, now: datetime, *, dry_run: bool, actor: str) -> Counts:
    """Erase one buyer's data in one shop: the cases of the buyer (by phone, buyer reference or conversation)
    lose their personal data whatever their status, and their conversations' kept turns are deleted. Never
    another shop's: every query names ``shop_id``."""
    if selector == "phone":
        needles = phone_needles(value)
        conversation_ids = conversations.mentioning(s, shop_id, needles)
        found = {c.id: c for c in repo.mentioning(s, shop_id, needles)}
        found.update({c.id: c for c in repo.by_conversations(s, shop_id, conversation_ids)})
        cases = [found[k] for k in sorted(found)]
    elif selector == "buyer_ref":
        cases = repo.by_buyer_ref(s, shop_id, value)
        conversation_ids = []
    elif selector == "conversation_id":
        cases = repo.by_conversations(s, shop_id, [value])
        conversation_ids = [value]
    else:  # the schema allows only SELECTORS; a caller in code gets the same clear error
        raise FieldError("body", f"one of {', '.join(SELECTORS)}")
    conversation_ids = sorted({*conversation_ids, *(c.conversation_id for c in cases if c.conversation_id)})
    counts = scrub(s, cases, now, dry_run=dry_run)
    counts.turns = conversations.forget(s, shop_id, conversation_ids, dry_run=dry_run)
    masked = f"{selector}={masked_selector(selector, value)}"
    if not dry_run:
        repo.log(s, now, "erasure", shop_id, actor, counts.as_dict(), masked[:200])
    log.warning(
        "erasure%s in shop %s by %s, %s: %s", " (dry run)" if dry_run else "", shop_id, actor, masked, counts.as_dict()
    )
    return counts
