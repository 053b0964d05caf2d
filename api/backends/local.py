"""The local backend: the named queries in DuckDB over the job's output folder."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from api import tokens
from api.backends.base import MAX_OFFSET, PAGE_LIMIT, PAGE_OFFSET, Page, bad_parameters
from api.errors import ApiError
from athena.catalog import ParamValue, QueryError, load_query

if TYPE_CHECKING:
    from athena.local import LocalAthena


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
        """The views of the current table versions: rebuilt after every commit of the job."""
        from pathlib import Path

        from athena.local import LocalAthena, OutputMissingError, output_version

        if self._engine is None or self._engine.version != output_version(Path(self.output_path)):
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
