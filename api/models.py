"""Response shapes; they are also the OpenAPI document API Gateway imports."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from transforms.contract import CHANNELS

ChannelName = Literal["online", "store", "distributor", "phone"]
if get_args(ChannelName) != CHANNELS:  # pragma: no cover - guards against drift from the contract
    raise RuntimeError("api.models.ChannelName must list transforms.contract.CHANNELS")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_client_id.")
    message: str = Field(description="What was wrong, for people.")
    query_id: str | None = Field(None, description="Athena query execution id (504/502 only).")


class ErrorBody(BaseModel):
    error: ErrorDetail


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


class RunTotals(BaseModel):
    model_config = ConfigDict(extra="allow")

    files: int
    files_ok: int
    files_rejected: int
    files_skipped: int
    rows_read: int
    rows_valid: int
    rows_rejected: int


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
    files: list[dict[str, Any]]
