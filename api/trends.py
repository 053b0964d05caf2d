"""Endpoints for the dashboard: revenue per day and channel, and which dates have orders.

They follow the API's conventions (same window, channel and error handling as
``api.routes``) and run their own named queries, so they work on Athena too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.models import ChannelName, _Window
from api.routes import QUERY_ERRORS, BackendDep, ChannelQuery, WindowDep, channel_report

router = APIRouter()


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


@router.get(
    "/sales-by-channel-daily",
    response_model=SalesByChannelDaily,
    responses=QUERY_ERRORS,
    tags=["reports"],
)
def sales_by_channel_daily(
    dates: WindowDep, engine: BackendDep, channel: ChannelQuery = None
) -> dict[str, Any]:
    """Net units and revenue per order date and channel."""
    return channel_report(engine, "sales_by_channel_daily", dates, channel, "revenue")


@router.get("/order-dates", response_model=OrderDates, responses=QUERY_ERRORS, tags=["meta"])
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
