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
from athena.catalog import default_window

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


def _date(name: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise ApiError(400, f"invalid_{name}", f"{name} must be a real date (YYYY-MM-DD)") from err


def today() -> dt.date:
    """The UTC date the default window is counted from; tests replace this dependency
    (``app.dependency_overrides[today]``) so results on fixed sample dates never age."""
    return dt.datetime.now(dt.UTC).date()


def backend(request: Request) -> Backend:
    result: Backend = request.app.state.backend
    return result


def settings(request: Request) -> Settings:
    result: Settings = request.app.state.settings
    return result


SettingsDep = Annotated[Settings, Depends(settings)]


def window(
    config: SettingsDep,
    current: Annotated[dt.date, Depends(today)],
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            pattern=DATE_PATTERN,
            json_schema_extra=DATE_FORMAT,
            description="First order date (default: `to` minus DUFFBEER_API_DEFAULT_WINDOW_DAYS,"
            " 90 unless configured).",
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(
            pattern=DATE_PATTERN,
            json_schema_extra=DATE_FORMAT,
            description="Last order date (default tomorrow, UTC: the latest date the job accepts).",
        ),
    ] = None,
) -> Window:
    """The inclusive order-date window; both ends are always concrete and at most
    ``max_window_days`` apart, so Athena prunes to a bounded set of partitions. A missing
    ``to`` is tomorrow (UTC), a missing ``from`` is ``to`` minus the configured window
    (:func:`athena.catalog.default_window`)."""
    start, end = _date("from", from_), _date("to", to)
    if end is None:
        end = default_window(current, config.default_window_days)[1]
    if start is None:
        start = end - dt.timedelta(days=config.default_window_days)
    if start > end:
        raise ApiError(400, "invalid_date_range", "from must not be after to")
    if (end - start).days > config.max_window_days:
        raise ApiError(
            400,
            "date_range_too_long",
            f"to must be at most {config.max_window_days} days after from",
        )
    return Window(start, end)


WindowDep = Annotated[Window, Depends(window)]
BackendDep = Annotated[Backend, Depends(backend)]
ChannelQuery = Annotated[ChannelName | None, Query(description="Only this sales channel.")]
