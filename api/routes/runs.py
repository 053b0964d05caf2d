"""``/health`` and ``/runs/latest``: is the API up, and how fresh is the data."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api import models
from api.dependencies import BackendDep, SettingsDep
from api.run_reports import latest_run

router = APIRouter(tags=["meta"])


@router.get("/health", response_model=models.Health)
def health(engine: BackendDep) -> dict[str, str]:
    """Liveness and which backend answers (local or athena)."""
    return {"status": "ok", "backend": engine.name}


@router.get(
    "/runs/latest",
    response_model=None,
    responses={
        200: {"model": models.RunReport, "description": "The newest run report."},
        404: models.error("The job has not run yet."),
        502: models.error("The reports could not be read."),
    },
)
def runs_latest(settings: SettingsDep) -> JSONResponse:
    """The newest run report (by started_at): freshness and reject counts for dashboards."""
    return JSONResponse(latest_run(settings.resolved_runs_path, settings.aws_endpoint_url))
