"""``/orders/{client_id}``: a client's orders, paged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api import models
from api.dependencies import TOKEN_PATTERN, BackendDep, ChannelQuery, WindowDep
from api.errors import ApiError
from athena.catalog import ParamValue
from contract.orders import ID_PATTERN

router = APIRouter(tags=["orders"])


def _order(row: dict[str, Any]) -> dict[str, Any]:
    statuses = row["statuses"]
    return {
        "order_id": row["order_id"],
        "order_date": row["order_date"],
        "channel": row["channel"],
        "line_count": row["line_count"],
        "units": row["units"],
        "order_total": models.money(row["order_total"]),
        "statuses": statuses.split(",") if isinstance(statuses, str) else list(statuses),
    }


@router.get(
    "/orders/{client_id}",
    response_model=models.OrdersPage,
    responses={**models.QUERY_ERRORS, 404: models.error("The client has no orders in the window.")},
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
