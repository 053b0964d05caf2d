"""The backend interface: a named query and its values in, rows (or a page of them) out.

The routes only name a query and its parameter values; the backend runs it and, for
paged queries, turns its own paging state into an opaque ``next_token``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from api.errors import ApiError
from athena.catalog import ParamValue, QueryError

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
