"""The pure suggestion core: no web framework, no database.

Build an :class:`~app.core.engine.Engine` once at start-up with :func:`~app.core.engine.build_engine`
and pass it to whatever needs suggestions (the HTTP layer, scripts, tests).
"""

from app.core.engine import Engine, build_engine

__all__ = ["Engine", "build_engine"]
