"""The windowed reports: sales by product, order status, sales per channel and day, and
which order dates have data. Each runs one named query, so it works on Athena too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api import models
from api.backends.base import Backend
from api.dependencies import BackendDep, ChannelQuery, Window, WindowDep

router = APIRouter()


def channel_report(
    engine: Backend, query: str, dates: Window, channel: str | None, money_field: str
) -> dict[str, Any]:
    """A windowed, optionally channel-filtered report: the shape every report endpoint shares."""
    rows = engine.rows(query, {"date_from": dates.start, "date_to": dates.end, "channel": channel})
    items = [{**row, money_field: models.money(row[money_field])} for row in rows]
    return {"from": dates.start, "to": dates.end, "channel": channel, "items": items}


@router.get(
    "/sales-by-product",
    response_model=models.SalesByProduct,
    responses=models.QUERY_ERRORS,
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
    responses=models.QUERY_ERRORS,
    tags=["reports"],
)
def order_status_report(
    dates: WindowDep, engine: BackendDep, channel: ChannelQuery = None
) -> dict[str, Any]:
    """Orders, lines, units and amount per status and channel (every status counts)."""
    return channel_report(engine, "order_status_report", dates, channel, "amount")


@router.get(
    "/sales-by-channel-daily",
    response_model=models.SalesByChannelDaily,
    responses=models.QUERY_ERRORS,
    tags=["reports"],
)
def sales_by_channel_daily(
    dates: WindowDep, engine: BackendDep, channel: ChannelQuery = None
) -> dict[str, Any]:
    """Net units and revenue per order date and channel."""
    return channel_report(engine, "sales_by_channel_daily", dates, channel, "revenue")


@router.get(
    "/order-dates", response_model=models.OrderDates, responses=models.QUERY_ERRORS, tags=["meta"]
)
def order_dates(dates: WindowDep, engine: BackendDep) -> dict[str, Any]:
    """The first and last order date with data (nulls when the window has none)."""
    rows = engine.rows("order_date_range", {"date_from": dates.start, "date_to": dates.end})
    row = rows[0] if rows else {}
    return {
        "from": dates.start,
        "to": dates.end,
        "first_order_date": row.get("first_order_date"),
        "last_order_date": row.get("last_order_date"),
        "order_days": row.get("order_days") or 0,
    }
