"""What a request depends on: its query parameters (date window, channel) and the app's
settings and backend. Routes declare them with the ``…Dep`` / ``…Query`` aliases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from api.backends.athena import AthenaBackend
from api.backends.base import Backend
from api.backends.local import LocalBackend
from api.errors import ApiError
from api.models import ChannelName
from api.settings import Settings
from transforms.contract import MIN_ORDER_DATE

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_FORMAT = {"format": "date"}
TOKEN_PATTERN = r"^[A-Za-z0-9_-]+$"  # noqa: S105 - the alphabet of a page token, not a secret


def make_backend(settings: Settings) -> Backend:
    """The engine the settings name (``DUFFBEER_API_BACKEND``)."""
    if settings.backend == "athena":
        return AthenaBackend(settings)
    return LocalBackend(settings.output_path)


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


def settings(request: Request) -> Settings:
    result: Settings = request.app.state.settings
    return result


WindowDep = Annotated[Window, Depends(window)]
BackendDep = Annotated[Backend, Depends(backend)]
SettingsDep = Annotated[Settings, Depends(settings)]
ChannelQuery = Annotated[ChannelName | None, Query(description="Only this sales channel.")]
