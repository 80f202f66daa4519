"""The pure suggestion core: no web framework, no database.

Build an :class:`~app.core.engine.Engine` once at start-up with :func:`~app.core.engine.build_engine`
and pass it to whatever needs suggestions (the HTTP layer, scripts, tests).
"""

from typing import Any

__all__ = ["Engine", "build_engine"]


def __getattr__(name: str) -> Any:
    # Imported on first use: a process that only reads the content or masks a log line (the supervisor of
    # several workers) need not load the matcher and everything under it.
    if name in __all__:
        from app.core import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
