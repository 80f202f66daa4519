"""Every content version that went live, so a case can show which wording an agent was offered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime


class PhrasebookVersion(Base):
    __tablename__ = "phrasebook_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), index=True)
    previous: Mapped[str | None] = mapped_column(String(32))
    went_live_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(String(64))  # start-up, file change, admin reload
    files: Mapped[list[str]] = mapped_column(JSON, default=list)  # content files that changed
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # scripts added/removed/changed
