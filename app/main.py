"""The application factory: every domain's routes, the HTTP kit's middlewares and handlers, the live content.

The engine (tokenizer, catalog, indexes) is built at start-up and passed in."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from app import __version__, apidocs
from app.auth.endpoints import router as keys_router
from app.auth.guard import Guard
from app.cases.approval_endpoints import router as approvals_router
from app.cases.endpoints import router as cases_router
from app.cases.report_endpoints import router as reports_router
from app.cockpit.endpoints import router as cockpit_router
from app.core.clock import SHOP_TZ
from app.core.engine import Engine, build_engine
from app.db.session import Database
from app.errors import Unavailable
from app.http import audit, errors, openapi
from app.http.access import Access
from app.http.headers import SecurityHeaders
from app.http.limits import BodyLimit, NoNulInUrl
from app.http.origin import OriginCheck
from app.http.proxies import ClientAddress
from app.integrations.chatwoot import worker as chatwoot_worker
from app.integrations.chatwoot.endpoints import router as chatwoot_router
from app.integrations.chatwoot.schemas import ChatwootEvent
from app.integrations.outbound.endpoints import router as outbound_router
from app.integrations.outbound.worker import Worker as OutboundWorker
from app.links import LINKS
from app.ops import router as ops_router
from app.phrasebook.endpoints import router as phrasebook_router
from app.phrasebook.repository import latest
from app.phrasebook.service import record_live
from app.privacy.daily import DailyPurge
from app.privacy.endpoints import router as privacy_router
from app.reload import ContentHolder, settle
from app.scrape import ShopGauges
from app.scrape import router as scrape_router
from app.settings import Settings
from app.suggest import batch
from app.suggest.endpoints import router as suggest_router
from app.suggest.schemas import SuggestRequest
from app.web.endpoints import router as web_router

log = logging.getLogger("app")


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, database: Database | None = None
) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = getattr(app.state, "initial_engine", None) or build_engine(settings.content_dir, settings.cache_dir)
        owned = getattr(app.state, "database", None) is None
        if owned:
            app.state.database = Database(settings.database_url or None)
        database: Database = app.state.database
        app.state.guard = Guard(database, settings)
        app.state.shop_gauges = ShopGauges(database)  # /metrics' figures from the database (app/scrape.py)

        def went_live(new: Engine, old: Engine | None, trigger: str, files: list[str] | None = None) -> None:
            try:
                with database.unit_of_work() as s:
                    record_live(s, new, old, trigger, datetime.now(SHOP_TZ), files)
            except Unavailable:  # the outage itself is logged once, where it was found (app/db/health.py)
                log.warning("phrasebook version %s is live but not in the history: the database is down", new.version)
            except Exception:  # noqa: BLE001 - history must never stop content from going live
                log.exception("could not record phrasebook version %s", new.version)

        app.state.content = ContentHolder(settings.content_dir, settings.cache_dir, built, on_live=went_live)
        went_live(built, None, "start-up")
        log.info("phrasebook %s live: %d intents", built.version, len(built.catalog.public_intents))
        settle()  # after the last start-up allocation; forked workers (app/workers.py) keep sharing their pages
        if settings.watch_content:
            app.state.content.watch()
        if settings.content_check_seconds > 0:

            def newest() -> tuple[int, str] | None:
                with database.unit_of_work() as s:
                    return latest(s)

            app.state.content.follow(newest, settings.content_check_seconds)
        outbound = OutboundWorker(database, settings)  # webhooks and group robots (OUTBOUND_POLL_SECONDS)
        outbound.start()
        purger = None
        if settings.purge_daily:  # personal data past each shop's retention (app/privacy/daily.py)
            purger = DailyPurge(
                database,
                lambda: app.state.content.engine.policies,
                hour=settings.purge_hour,
                memory_hours=settings.conversation_memory_hours,
            )
            purger.start()
        if settings.chatwoot_url:  # the queued private notes, posted from this process too (worker.py)
            app.state.chatwoot_worker = chatwoot_worker.start(app, settings)
        yield
        if getattr(app.state, "chatwoot_worker", None) is not None:
            app.state.chatwoot_worker.stop()
        if purger is not None:
            purger.stop()
        outbound.stop()
        app.state.content.stop()
        if owned:
            database.dispose()

    app = FastAPI(
        title="售后助手 After-sales assistant",
        version=__version__,
        description="为客服的每条买家消息给出意图、店铺话术、需要的凭证和要记录的操作。"
        " For each buyer message: the intent, the shop's script, the evidence to ask for and the case actions.",
        lifespan=lifespan,
        docs_url=None,  # served offline by app/apidocs.py
        redoc_url=None,
        generate_unique_id_function=apidocs.operation_id,
    )
    app.state.initial_engine = engine
    app.state.database = database
    app.state.settings = settings
    app.state.refusals = audit.Throttle(audit.PER_MINUTE, audit.PER_SOURCE)  # log lines of refused requests
    errors.install(app)
    app.include_router(suggest_router)  # the order of the routers is the order of the OpenAPI paths
    app.include_router(ops_router)
    app.include_router(scrape_router)
    app.include_router(cases_router)
    app.include_router(reports_router)
    app.include_router(approvals_router)
    app.include_router(cockpit_router)
    app.include_router(phrasebook_router)
    app.include_router(keys_router)
    app.include_router(outbound_router)
    app.include_router(privacy_router)
    app.include_router(web_router)
    app.include_router(chatwoot_router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, larger={batch.PATH: batch.MAX_BYTES})
    app.add_middleware(NoNulInUrl)
    app.add_middleware(OriginCheck, allowed=settings.sidebar_origins + settings.cors_origins)
    if settings.cors_origins:
        # Keys travel in the Authorization header, never in cookies: no credentials, and never "*".
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            max_age=600,
        )
    if settings.trusted_proxies:  # without any, the connection's address is the client's: no layer needed
        app.add_middleware(ClientAddress, trusted=settings.trusted_proxies)  # before anything reads the client
    app.add_middleware(errors.CatchAll)  # covers the middlewares above too
    app.add_middleware(SecurityHeaders, hsts_seconds=settings.hsts_seconds)  # a 500 gets them too
    # Outermost: the request id is set for every line logged inside, a 500 is counted (app/http/access.py).
    app.add_middleware(Access, log_requests=settings.access_log)
    openapi.include_models(app, SuggestRequest, ChatwootEvent)  # routes that read their body themselves
    openapi.include_body_errors(app)  # 400 and 413 come from the kit, before any route runs
    openapi.include_links(app, LINKS)  # after the models: a link may give fields of /v1/suggest's body
    apidocs.install(app)  # before the /static mount: it mounts /static/apidocs
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "web" / "static")), name="static")
    return app
