"""The privacy domain's own tables: what each purge and erasure did (counts, never content), and the lease
that lets exactly one instance run the daily purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime

ACTIONS = ("purge", "erasure")


class PrivacyLog(Base):
    """One row per purge (per shop) or erasure that changed something: who, which selector (masked), counts.
    A dry run writes none: it changes nothing, this table included."""

    __tablename__ = "privacy_log"
    __table_args__ = (
        CheckConstraint(f"action IN ({', '.join(repr(a) for a in ACTIONS)})", name="action"),
        Index("ix_privacy_log_shop_at", "shop_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(16))
    shop_id: Mapped[str | None] = mapped_column(String(64))  # None: the whole database (expired records)
    actor: Mapped[str] = mapped_column(String(64))  # a key's public id, "cli" or "daily"
    selector: Mapped[str | None] = mapped_column(String(200))  # erasure: "phone=138****5678", masked
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MaintenanceLease(Base):
    """A scheduled job's row: who holds it until when, and the shop-local day it last completed. Claimed by
    one conditional UPDATE, so among any number of instances one wins; a crashed holder's lease runs out."""

    __tablename__ = "maintenance_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_on: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD in the shops' zone
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
