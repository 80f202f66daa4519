"""The application factory. The engine (tokenizer, catalog, indexes) is built at start-up and passed in."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.api import errors
from app.api.limits import BodyLimit
from app.api.routes import router
from app.cases.endpoints import router as cases_router
from app.core.engine import Engine, build_engine
from app.db.session import Database
from app.settings import Settings

log = logging.getLogger("app")


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               database: Database | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "engine", None) is None:
            app.state.engine = build_engine(settings.content_dir, settings.cache_dir)
            log.info("phrasebook %s loaded: %d intents", app.state.engine.version,
                     len(app.state.engine.catalog.public_intents))
        owned = getattr(app.state, "database", None) is None
        if owned:
            app.state.database = Database(settings.database_url or None)
        yield
        if owned:
            app.state.database.dispose()

    app = FastAPI(
        title="售后助手 After-sales assistant",
        version=__version__,
        description="为客服的每条买家消息给出意图、店铺话术、需要的凭证和要记录的操作。"
                    " For each buyer message: the intent, the shop's script, the evidence to ask for and the case actions.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.database = database
    app.state.settings = settings
    errors.install(app)
    app.include_router(router)
    app.include_router(cases_router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
