"""Liveness, readiness and Prometheus metrics (outside /api/v1)."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import DatabaseDep, JobEngineDep, SettingsDep
from app.api.readiness import check_readiness
from app.core.errors import NotFound

router = APIRouter(tags=["operations"])


@router.get("/health", operation_id="health")
def health() -> dict[str, str]:
    """Liveness: the process answers; touches nothing."""
    return {"status": "ok"}


@router.get("/ready", operation_id="ready")
def ready(db: DatabaseDep, settings: SettingsDep, engine: JobEngineDep) -> JSONResponse:
    """Readiness: the database (at the current schema) and Redis when configured.

    `jobs` tells whether the job broker answers and how many workers are alive; it does not
    make this replica unready (the API serves without workers; jobs wait queued).
    """
    checks = check_readiness(db, settings)
    failed = [name for name, result in checks.items() if result != "ok"]
    body: dict[str, Any] = {
        "status": "ok" if not failed else "unavailable",
        "checks": checks,
        "jobs": engine.sender.liveness(),
    }
    if failed:
        body["error"] = {"code": "not_ready", "message": f"Not ready: {', '.join(failed)} failed."}
    return JSONResponse(body, status_code=503 if failed else 200)


@router.get("/metrics", operation_id="metrics", include_in_schema=False)
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format."""
    if not settings.metrics_enabled:
        raise NotFound("Metrics are disabled.", code="metrics_disabled")
    collect = getattr(request.app.state, "collect_metrics", None)
    if collect is not None:
        collect()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
