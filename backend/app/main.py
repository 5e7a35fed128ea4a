"""Application factory: `uvicorn app.main:app`."""

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.api.health import router as health_router
from app.api.openapi import document_error_responses
from app.api.ops_metrics import make_ops_collector
from app.api.router import API_PREFIX, api_routers
from app.core.config import InsecureSettingsError, Settings, check_production_secrets, get_settings
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.middleware import RequestContextMiddleware
from app.datasets.staging import sweep_staging
from app.db.init_db import schema_is_current
from app.db.session import Database
from app.engine.build import build_engine
from app.inference.warmup import start_warmup
from app.job_kinds import job_kinds
from app.serving.backends import serving_client
from app.serving.openai_router import router as openai_router
from app.training.ws import router as job_ws_router
from app.web import frontend_available, mount_frontend

logger = logging.getLogger("app.main")


class SchemaBehindError(RuntimeError):
    """The database is not migrated to the schema this code expects."""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Check the schema, start the job engine and model warm-up; stop the engine on shutdown."""
    db: Database = app.state.db
    current, revision, head = schema_is_current(db.engine)
    if not current:
        message = (
            f"database schema is at {revision or 'nothing'}, this code expects {head}: "
            "run `python -m app.db.init_db` first"
        )
        logger.error(message)
        raise SchemaBehindError(message)
    settings: Settings = app.state.settings
    sweep_staging(settings)
    job_engine = build_engine(
        settings, db, app.state.job_kinds, getattr(app.state, "job_settings", None)
    )
    app.state.job_engine = job_engine
    job_engine.start()
    start_warmup(settings, db)
    yield
    await app.state.serving.aclose()
    job_engine.stop()
    del app.state.job_engine
    db.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application for the given settings."""
    settings = settings or get_settings()
    check_production_secrets(settings)
    configure_logging(settings.log_level, settings.log_dir)
    app = FastAPI(
        title="Training Platform API",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = Database(settings.sqlalchemy_url)
    app.state.job_kinds = job_kinds(settings)
    app.state.collect_metrics = make_ops_collector(app.state.db, settings)
    app.state.serving = serving_client(settings)
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestContextMiddleware, metrics_enabled=settings.metrics_enabled)
    app.include_router(health_router)
    for router in api_routers:
        app.include_router(router, prefix=API_PREFIX)
    document_error_responses(app, API_PREFIX)
    app.include_router(job_ws_router)
    app.include_router(openai_router)
    if settings.serve_frontend and frontend_available(settings.frontend_dist):
        mount_frontend(app, settings.frontend_dist)
    return app


def _app_or_exit() -> FastAPI:
    try:
        return create_app()
    except InsecureSettingsError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(1) from None


app = _app_or_exit()
# What is loaded by now (libraries, routes, schemas: about a million objects) lives as long as
# the process. Freezing it keeps the collector's full passes, which request garbage sets off
# every few seconds under load, from walking all of it each time (~0.3 s per pass otherwise).
gc.collect()
gc.freeze()
