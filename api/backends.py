"""Where the named queries run: one interface, a local (DuckDB) and an Athena implementation.

The routes only name a query and its parameter values; the backend runs it and, for
paged queries, turns its own paging state into an opaque ``next_token``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from api import tokens
from api.errors import ApiError
from api.settings import Settings
from athena.catalog import ParamValue, QueryError, load_query

if TYPE_CHECKING:
    from athena.local import LocalAthena

# The paging parameters a paged named query declares (see athena/queries/orders_by_client.sql).
PAGE_OFFSET, PAGE_LIMIT = "page_offset", "page_limit"
MAX_OFFSET = 2**31


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    next_token: str | None


class Backend(Protocol):
    name: str

    def rows(self, query: str, values: dict[str, ParamValue]) -> list[dict[str, Any]]:
        """Every row of a named query."""

    def page(
        self, query: str, values: dict[str, ParamValue], limit: int, token: str | None
    ) -> Page:
        """Up to ``limit`` rows of a paged named query, from where ``token`` left off."""


def bad_parameters(err: QueryError) -> ApiError:
    return ApiError(400, "invalid_parameter", str(err))


class LocalBackend:
    """DuckDB over the job's output folder via ``athena.local.LocalAthena``.

    Imported lazily: ``athena.local`` pulls in the table schemas (PySpark), which the
    Lambda package for the Athena backend does not ship.
    """

    name = "local"

    def __init__(self, output_path: str) -> None:
        self.output_path = output_path
        self._engine: LocalAthena | None = None
        # One DuckDB connection, used by the server's worker threads one at a time.
        self._lock = threading.Lock()

    def _athena(self) -> LocalAthena:
        from athena.local import LocalAthena, OutputMissingError

        if self._engine is None:
            try:
                self._engine = LocalAthena(self.output_path)
            except OutputMissingError as err:
                raise ApiError(
                    503, "output_missing", "no job output to query yet; run the job first"
                ) from err
        return self._engine

    def rows(self, query: str, values: dict[str, ParamValue]) -> list[dict[str, Any]]:
        with self._lock:
            try:
                return self._athena().run(load_query(query), values).records()
            except QueryError as err:
                raise bad_parameters(err) from err

    def page(
        self, query: str, values: dict[str, ParamValue], limit: int, token: str | None
    ) -> Page:
        """Offset paging: one row more than asked tells whether another page exists."""
        fingerprint = tokens.fingerprint(query, values)
        offset = 0
        if token is not None:
            state = tokens.decode(token, {"q": str, "o": int})
            if state["q"] != fingerprint or not 0 <= state["o"] <= MAX_OFFSET:
                raise ApiError(400, "invalid_next_token", "next_token belongs to another query")
            offset = state["o"]
        records = self.rows(query, {**values, PAGE_OFFSET: offset, PAGE_LIMIT: limit + 1})
        if len(records) <= limit:
            return Page(records, None)
        return Page(records[:limit], tokens.encode({"q": fingerprint, "o": offset + limit}))


def make_backend(settings: Settings) -> Backend:
    if settings.backend == "athena":
        from api.athena_backend import AthenaBackend

        return AthenaBackend(settings)
    return LocalBackend(settings.output_path)
