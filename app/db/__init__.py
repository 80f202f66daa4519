"""Persistence: the SQLAlchemy engine (built at start-up, never at import) and the declarative base."""

from app.db.base import Base, database_url, make_engine

__all__ = ["Base", "database_url", "make_engine"]
