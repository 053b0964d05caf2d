"""The endpoints: validate input, run one named query, shape the rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from api import models
from api.backends import Backend
from api.errors import ApiError
from api.runs import latest_run
from api.settings import Settings
from athena.catalog import ParamValue
from transforms.contract import ID_PATTERN, MIN_ORDER_DATE

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_FORMAT = {"format": "date"}
TOKEN_PATTERN = r"^[A-Za-z0-9_-]+$"  # noqa: S105 - the alphabet of a page token, not a secret
CENT = Decimal("0.01")


def _error(description: str) -> dict[str, Any]:
    return {"model": models.ErrorBody, "description": description}


QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Invalid parameter (bad date, unknown channel, malformed id or token)."),
    502: _error("The query engine failed."),
    503: _error("There is no job output to query yet."),
    504: _error("The query did not finish in time; the body has its query id."),
}

router = APIRouter()


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date


def _date(name: str, text: str | None, default: dt.date) -> dt.date:
    if text is None:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise ApiError(400, f"invalid_{name}", f"{name} must be a real date (YYYY-MM-DD)") from err


def window(
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            pattern=DATE_PATTERN,
            json_schema_extra=DATE_FORMAT,
            description="First order date (default 2000-01-01).",
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(
            pattern=DATE_PATTERN,
            json_schema_extra=DATE_FORMAT,
            description="Last order date (default tomorrow, UTC).",
        ),
    ] = None,
) -> Window:
    """The inclusive order-date window; both ends are always concrete so Athena can prune."""
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    start = _date("from", from_, dt.date.fromisoformat(MIN_ORDER_DATE))
    end = _date("to", to, tomorrow)
    if start > end:
        raise ApiError(400, "invalid_date_range", "from must not be after to")
    return Window(start, end)


def backend(request: Request) -> Backend:
    result: Backend = request.app.state.backend
    return result


WindowDep = Annotated[Window, Depends(window)]
BackendDep = Annotated[Backend, Depends(backend)]
ChannelQuery = Annotated[models.ChannelName | None, Query(description="Only this sales channel.")]


def money(value: Any) -> float:
    """A JSON number rounded to cents (exact decimals in, no float drift in the cents)."""
    return float(Decimal(str(value)).quantize(CENT))


def _order(row: dict[str, Any]) -> dict[str, Any]:
    statuses = row["statuses"]
    return {
        "order_id": row["order_id"],
        "order_date": row["order_date"],
        "channel": row["channel"],
        "line_count": row["line_count"],
        "units": row["units"],
        "order_total": money(row["order_total"]),
        "statuses": statuses.split(",") if isinstance(statuses, str) else list(statuses),
    }


@router.get("/health", response_model=models.Health, tags=["meta"])
def health(engine: BackendDep) -> dict[str, str]:
    """Liveness and which backend answers (local or athena)."""
    return {"status": "ok", "backend": engine.name}


@router.get(
    "/orders/{client_id}",
    response_model=models.OrdersPage,
    responses={**QUERY_ERRORS, 404: _error("The client has no orders in the window.")},
    tags=["orders"],
)
def orders_by_client(
    client_id: Annotated[str, Path(pattern=ID_PATTERN, description="Client id, as in the CSVs.")],
    dates: WindowDep,
    engine: BackendDep,
    limit: Annotated[int, Query(ge=1, le=500, description="Orders per page.")] = 50,
    next_token: Annotated[
        str | None, Query(max_length=2048, pattern=TOKEN_PATTERN, description="From the last page.")
    ] = None,
    channel: ChannelQuery = None,
) -> dict[str, Any]:
    """A client's orders, newest first, one entry per order with its lines' totals."""
    values: dict[str, ParamValue] = {
        "client_id": client_id,
        "date_from": dates.start,
        "date_to": dates.end,
    }
    if channel is not None:  # absent keeps the page tokens of channel-less requests valid
        values["channel"] = channel
    page = engine.page("orders_by_client", values, limit, next_token)
    if not page.records and next_token is None:
        raise ApiError(404, "client_not_found", "no orders for this client in the date window")
    return {
        "client_id": client_id,
        "from": dates.start,
        "to": dates.end,
        "orders": [_order(row) for row in page.records],
        "next_token": page.next_token,
    }


def channel_report(
    engine: Backend, query: str, dates: Window, channel: str | None, money_field: str
) -> dict[str, Any]:
    """A windowed, optionally channel-filtered report: the shape every report endpoint shares."""
    rows = engine.rows(query, {"date_from": dates.start, "date_to": dates.end, "channel": channel})
    items = [{**row, money_field: money(row[money_field])} for row in rows]
    return {"from": dates.start, "to": dates.end, "channel": channel, "items": items}


@router.get(
    "/sales-by-product",
    response_model=models.SalesByProduct,
    responses=QUERY_ERRORS,
    tags=["reports"],
)
def sales_by_product(
    dates: WindowDep, engine: BackendDep, channel: ChannelQuery = None
) -> dict[str, Any]:
    """Net units and revenue and the order count per product and channel."""
    return channel_report(engine, "sales_by_product", dates, channel, "revenue")


@router.get(
    "/order-status-report",
    response_model=models.OrderStatusReport,
    responses=QUERY_ERRORS,
    tags=["reports"],
)
def order_status_report(
    dates: WindowDep, engine: BackendDep, channel: ChannelQuery = None
) -> dict[str, Any]:
    """Orders, lines, units and amount per status and channel (every status counts)."""
    return channel_report(engine, "order_status_report", dates, channel, "amount")


@router.get(
    "/runs/latest",
    response_model=None,
    responses={
        200: {"model": models.RunReport, "description": "The newest run report."},
        404: _error("The job has not run yet."),
        502: _error("The reports could not be read."),
    },
    tags=["meta"],
)
def runs_latest(request: Request) -> JSONResponse:
    """The newest run report (by started_at): freshness and reject counts for dashboards."""
    settings: Settings = request.app.state.settings
    return JSONResponse(latest_run(settings.resolved_runs_path, settings.aws_endpoint_url))
