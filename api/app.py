"""The DuffBeer orders API: one FastAPI app for API Gateway + Lambda (Mangum) and for uvicorn.

``create_app(settings)`` builds it; the module-level ``app`` is configured from the
environment (``DUFFBEER_API_BACKEND=local|athena`` and friends, see ``api.settings``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import errors
from api.backends.base import Backend
from api.dependencies import make_backend
from api.routes import dashboard, orders, reports, runs
from api.settings import Settings

DESCRIPTION = (
    "Orders and sales of the DuffBeer order pipeline, read through the named Athena queries. "
    "Dates are ISO `YYYY-MM-DD` and inclusive; money is a JSON number rounded to cents. "
    'Every error is `{"error": {"code": ..., "message": ...}}`.'
)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with its unused 422 answers replaced by our 400 (see api.errors)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = _not_nullable(parameter["schema"])
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _not_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter is absent, never null: drop pydantic's ``anyOf [.., null]``."""
    options = schema.get("anyOf", [])
    kept = [option for option in options if option != {"type": "null"}]
    if len(options) != 2 or len(kept) != 1:
        return schema
    return {**{k: v for k, v in schema.items() if k != "anyOf"}, **kept[0]}


def create_app(settings: Settings | None = None, backend: Backend | None = None) -> FastAPI:
    """The app over ``settings`` (default: the environment); ``backend`` replaces the engine."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="DuffBeer orders API",
        version="1.0.0",
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.backend = backend or make_backend(settings)
    errors.install(app)
    for routes in (runs, orders, reports):
        app.include_router(routes.router)
    dashboard.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


app = create_app()
