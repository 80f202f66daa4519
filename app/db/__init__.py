"""Persistence: the SQLAlchemy engine (built at start-up, never at import) and the declarative base."""

from app.db.base import Base, make_engine, database_url

__all__ = ["Base", "database_url", "make_engine"]
