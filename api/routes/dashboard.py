"""The dashboard page: static HTML, CSS and JS modules served by the API app itself.

No build step and nothing from the internet: the page calls the API's JSON endpoints with
relative URLs (so it works under an API Gateway stage prefix) and draws its charts as SVG.
The routes stay out of the OpenAPI document: they are pages, not API operations.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.errors import ApiError

STATIC_DIR = Path(__file__).parent.parent / "static"
PAGE = STATIC_DIR / "dashboard" / "index.html"
# Only our own origin: a CDN script or a call to another host is refused by the browser.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter()


@router.get("/", include_in_schema=False)
@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request) -> Response:
    """The page; its filters live in the query string, read by the page's JS."""
    if not PAGE.is_file():
        raise ApiError(404, "dashboard_missing", "the dashboard's files are not installed here")
    stage_root = _stage_root_with_slash(request)
    if stage_root is not None:
        return RedirectResponse(stage_root, status_code=308, headers={"Cache-Control": "no-cache"})
    return HTMLResponse(PAGE.read_text(encoding="utf-8"), headers=HEADERS)


def _stage_root_with_slash(request: Request) -> str | None:
    """Behind API Gateway the stage root may be asked for as ``/v1`` (no slash), and the page's
    relative URLs would then leave the stage (``/static/…``): send the browser to ``/v1/``.

    Mangum passes the proxy event in the scope; its ``requestContext.path`` is the path the
    browser asked for, stage included. Locally there is no event and nothing changes.
    """
    event = request.scope.get("aws.event")
    context = event.get("requestContext") if isinstance(event, dict) else None
    public = context.get("path") if isinstance(context, dict) else None
    if request.url.path != "/" or not isinstance(public, str) or public.endswith("/"):
        return None
    if not public.startswith("/") or public.startswith("//"):
        return None
    query = request.url.query
    return f"{public}/" + (f"?{query}" if query else "")


def install(app: FastAPI) -> None:
    """Add the page and its assets (``/static/…``) to ``app``.

    A package without the assets (e.g. a Lambda zip of ``*.py`` only) still serves the API.
    """
    app.include_router(router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
