"""Every query of the phrasebook's version history lives here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.phrasebook.models import PhrasebookVersion


def newest(s: Session) -> PhrasebookVersion | None:
    return s.scalars(select(PhrasebookVersion).order_by(PhrasebookVersion.id.desc()).limit(1)).first()


def history(s: Session, limit: int) -> list[PhrasebookVersion]:
    return list(s.scalars(select(PhrasebookVersion).order_by(PhrasebookVersion.id.desc()).limit(limit)))


def latest(s: Session) -> tuple[int, str] | None:
    """The newest version any instance made live, as (row id, version): all a follower needs to compare."""
    row = s.execute(
        select(PhrasebookVersion.id, PhrasebookVersion.version).order_by(PhrasebookVersion.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None
