"""Every response shape of the API (and the documented error answers); together they are the
OpenAPI document API Gateway imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from contract.orders import CHANNELS

ChannelName = Literal["online", "store", "distributor", "phone"]
if get_args(ChannelName) != CHANNELS:  # pragma: no cover - guards against drift from the contract
    raise RuntimeError("api.models.ChannelName must list contract.orders.CHANNELS")


CENT = Decimal("0.01")


def money(value: Any) -> float:
    """A JSON number rounded to cents (exact decimals in, no float drift in the cents)."""
    return float(Decimal(str(value)).quantize(CENT))


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_client_id.")
    message: str = Field(description="What was wrong, for people.")
    query_id: str | None = Field(None, description="Athena query execution id (504/502 only).")


class ErrorBody(BaseModel):
    error: ErrorDetail


def error(description: str) -> dict[str, Any]:
    """An error answer for a route's ``responses=``."""
    return {"model": ErrorBody, "description": description}


QUERY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("Invalid parameter (bad date, unknown channel, malformed id or token)."),
    502: error("The query engine failed."),
    503: error("There is no job output to query yet."),
    504: error("The query did not finish in time; the body has its query id."),
}


class Health(BaseModel):
    status: Literal["ok"]
    backend: str


class _Window(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.date = Field(alias="from", description="First order date included.")
    to: dt.date = Field(description="Last order date included.")


class Order(BaseModel):
    order_id: str
    order_date: dt.date
    channel: str
    line_count: int
    units: int
    order_total: float = Field(description="Sum of the order's line totals, 2 decimals.")
    statuses: list[str] = Field(description="Distinct statuses of the order's lines, sorted.")


class OrdersPage(_Window):
    client_id: str
    orders: list[Order] = Field(description="Newest first.")
    next_token: str | None = Field(description="Pass back as next_token for the next page.")


class ProductSales(BaseModel):
    product_id: str
    channel: str
    units: int = Field(description="Net units (cancelled and returned lines excluded).")
    revenue: float = Field(description="Net revenue, 2 decimals.")
    order_count: int


class SalesByProduct(_Window):
    channel: ChannelName | None
    items: list[ProductSales] = Field(description="Highest revenue first.")


class StatusCount(BaseModel):
    status: str
    channel: str
    order_count: int
    line_count: int
    units: int
    amount: float = Field(description="Sum of line totals, 2 decimals.")


class OrderStatusReport(_Window):
    channel: ChannelName | None
    items: list[StatusCount]


class ChannelDay(BaseModel):
    order_date: dt.date
    channel: str
    units: int = Field(description="Net units (cancelled and returned lines excluded).")
    revenue: float = Field(description="Net revenue, 2 decimals.")


class SalesByChannelDaily(_Window):
    channel: ChannelName | None
    items: list[ChannelDay] = Field(description="Oldest day first; days without sales are absent.")


class OrderDates(_Window):
    first_order_date: dt.date | None = Field(description="Earliest order date in the window.")
    last_order_date: dt.date | None = Field(description="Latest order date in the window.")
    order_days: int = Field(description="How many dates in the window have orders.")


class RunTotals(BaseModel):
    model_config = ConfigDict(extra="allow")

    files: int
    files_ok: int
    files_rejected: int
    files_skipped: int
    rows_read: int
    rows_valid: int
    rows_rejected: int


class RunCommit(BaseModel):
    """How many partitions the run's commit touched, and what it took (prepare to apply)."""

    partitions: int
    seconds: float


class RunReport(BaseModel):
    """The job's run report, exactly as written to ``_runs/<run_id>.json``."""

    model_config = ConfigDict(extra="allow")

    run_id: str
    status: str
    error: str | None
    started_at: str
    ended_at: str
    input_path: str
    output_path: str
    totals: RunTotals
    rejected_by_reason: dict[str, int]
    partitions_written: dict[str, int]
    commit: RunCommit | None = None  # absent in reports written before it was added
    files: list[dict[str, Any]]
