"""What of a case record is personal data, and what is its skeleton.

Kept: the case row's intent, branch, status, remedy, amount, assessment, times, order and conversation ids (the
shop's own references, needed for its accounts); each event's type, time, actor (staff) and script id, and in
its data only the keys below, each holding an identifier, a time or an amount. Everything else in an event's
data goes (the buyer's message, attachments, a script as shown with the buyer's address filled in, notes,
reasons), whatever its key: a key not listed here may hold anything a client sent. Statistics (/v1/stats,
reports) count events by type, script and intent, so they do not change.
"""

from __future__ import annotations

import re
from typing import Any

from app.core.privacy import mask

# Event data keys that hold identifiers, times and amounts the services themselves write (app/cases/service.py,
# app/suggest/casebook.py, app/cockpit/service.py).
SKELETON_KEYS = frozenset(
    {
        "phrasebook_version",
        "evidence",
        "via",
        "remedy",
        "branch",
        "intent",
        "was",
        "follow_up_id",
        "kind",
        "due_at",
        "from",
        "to",
        "approval_id",
        "amount",
        "agent_max",
        "answer_by",
        "assessment",
        "changed",
    }
)
PURGED = "purged"  # the marker left in an event's data that lost something
PURGED_TEXT = "(已清除 purged)"  # a free-text column that cannot be empty (a follow-up's "what")
# An identifier, an ISO time or an amount: letters, digits and a few separators, no spaces, no CJK.
_PLAIN = re.compile(r"^[A-Za-z0-9_.:+\-]{0,64}$")


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and bool(_PLAIN.match(value)) and mask(value) == value


def _kept(value: Any) -> Any:
    """What of a listed key's value stays: a dict filtered like the data, a list's plain items, a plain
    scalar; None when nothing does."""
    if isinstance(value, dict):
        return skeleton(value, marker=False) or None
    if isinstance(value, list):
        return [v for v in value if _plain(v)] or None
    return value if _plain(value) and value is not None else None


def skeleton(data: dict[str, Any], *, marker: bool = True) -> dict[str, Any]:
    """``data`` without its personal part; with ``{"purged": true}`` when something was removed (or was
    before: scrubbing twice gives the same result)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        kept = _kept(value) if key in SKELETON_KEYS else None
        if kept is not None:
            out[key] = kept
    lost = any(k != PURGED and out.get(k) != v for k, v in data.items())
    if marker and (lost or data.get(PURGED) is True):
        out[PURGED] = True
    return out
