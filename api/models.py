"""Every response shape of the API (and the documented error answers); together they are the
OpenAPI document API Gateway imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from pydantic import BaseModel, ConfigDict, Field, create_model

from contract import runs
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


def model_of(shape: Any) -> type[BaseModel]:
    """The pydantic model of one of contract.runs' TypedDicts, nested ones as models of their
    own: the job writes the shape, the API documents it, both from one declaration. Keys
    the shape does not name are kept (``extra="allow"``): a report is served as written."""
    if shape in _MODELS:
        return _MODELS[shape]
    hints = get_type_hints(shape)
    fields: dict[str, Any] = {}
    for name, hint in hints.items():
        annotation = _field_type(hint)
        fields[name] = (annotation, ...) if name in shape.__required_keys__ else (annotation, None)
    model = create_model(
        shape.__name__,
        __config__=ConfigDict(extra="allow"),
        __doc__=shape.__doc__,
        **fields,
    )
    _MODELS[shape] = model
    return model


_MODELS: dict[Any, type[BaseModel]] = {}


def _field_type(hint: Any) -> Any:
    if is_typeddict(hint):
        return model_of(hint)
    args = get_args(hint)
    if get_origin(hint) is list:
        return list[_field_type(args[0])]  # type: ignore[misc]
    if get_origin(hint) in (UnionType, Union):
        return Union[tuple(_field_type(a) for a in args)]  # noqa: UP007
    return hint


RunTotals = model_of(runs.RunTotals)
RunCommit = model_of(runs.RunCommit)
FileEntry = model_of(runs.FileEntry)
RunReport = model_of(runs.RunReport)
