"""Named Athena queries: the SQL files in ``athena/queries`` and their declared parameters.

Each file starts with ``-- description:`` and one ``-- param: name type [optional]``
line per ``?`` placeholder, in order. Values are bound, never formatted into SQL:
Athena gets them as ``ExecutionParameters`` literals, DuckDB as bound parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from contract.orders import MAX_DAYS_AHEAD

QUERIES_DIR = Path(__file__).parent / "queries"
# The database the queries run in (their table names are unqualified): the local twins'
# and the default stack's. A deployed stack's is derived from its name (deploy/config.py).
DATABASE: Final = "duffbeer"
PARAM_TYPES = ("varchar", "date", "bigint")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HEADER = re.compile(r"^--\s*(description|param):\s*(.+?)\s*$")

ParamValue = str | int | dt.date | None


class QueryError(ValueError):
    """A named query or its parameters are unusable; the message says how."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sql: str
    params: tuple[Param, ...]

    def bind(self, values: dict[str, ParamValue]) -> list[ParamValue]:
        """Positional values for the placeholders, checked against the declarations."""
        unknown = sorted(set(values) - {p.name for p in self.params})
        if unknown:
            raise QueryError(f"{self.name}: unknown parameter(s): {', '.join(unknown)}")
        return [coerce(p, values.get(p.name)) for p in self.params]


def coerce(param: Param, value: ParamValue) -> ParamValue:
    """A typed value for ``param`` from a Python value or its text form."""
    if value is None or value == "":
        if param.optional:
            return None
        raise QueryError(f"parameter {param.name} ({param.type}) is required")
    try:
        if param.type == "date":
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if param.type == "bigint":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value) if isinstance(value, int) else int(str(value), 10)
    except ValueError as err:
        raise QueryError(f"parameter {param.name} must be a {param.type}, got {value!r}") from err
    return str(value)


def athena_literal(value: ParamValue) -> str:
    """An Athena ``ExecutionParameters`` entry: a SQL literal, quotes escaped."""
    if value is None:
        return "NULL"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


def _parse(name: str, text: str) -> NamedQuery:
    description, params = "", []
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            continue
        kind, rest = match.groups()
        if kind == "description":
            description = rest
            continue
        parts = rest.split()
        if (
            len(parts) not in (2, 3)
            or parts[1] not in PARAM_TYPES
            or parts[2:] not in ([], ["optional"])
        ):
            raise QueryError(f"{name}.sql: bad param line: {line!r}")
        params.append(Param(parts[0], parts[1], optional=len(parts) == 3))
    sql = text.strip().rstrip(";").strip()
    if placeholder_count(sql) != len(params):
        raise QueryError(f"{name}.sql: {placeholder_count(sql)} placeholders, {len(params)} params")
    return NamedQuery(name, description, sql, tuple(params))


def placeholder_count(sql: str) -> int:
    return len(placeholder_positions(sql))


def placeholder_positions(sql: str) -> list[int]:
    """Offsets of ``?`` outside string literals, quoted names and ``--`` comments."""
    positions, i, quote = [], 0, ""
    while i < len(sql):
        char = sql[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == "?":
            positions.append(i)
        i += 1
    return positions


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


def load_query(name: str) -> NamedQuery:
    if not _NAME.match(name) or name not in query_names():
        raise QueryError(f"unknown query {name!r}; known: {', '.join(query_names())}")
    return _parse(name, (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def to_named(sql: str, marker: str = ":p") -> str:
    """``?`` placeholders -> ``:p1…:pN``, so dialects that reorder clauses
    (``OFFSET … LIMIT`` vs ``LIMIT … OFFSET``) cannot mis-bind a value."""
    parts, last = [], 0
    for n, position in enumerate(placeholder_positions(sql), start=1):
        parts.append(sql[last:position] + f"{marker}{n}")
        last = position + 1
    parts.append(sql[last:])
    return "".join(parts)


def named_values(values: list[ParamValue]) -> dict[str, ParamValue]:
    """``{"p1": …, "pN": …}`` for the markers :func:`to_named` wrote."""
    return {f"p{n}": value for n, value in enumerate(values, start=1)}


# What a caller that leaves a parameter out means (the CLI applies these; the API too, with
# its own window setting). Never "all history": every query on a partitioned table gets a
# bounded order-date range, so Athena plans a few hundred partitions, not every one.
DEFAULT_WINDOW_DAYS: Final = 90
DEFAULT_PAGE_LIMIT: Final = 100


def default_window(today: dt.date, days: int = DEFAULT_WINDOW_DAYS) -> tuple[dt.date, dt.date]:
    """``(from, to)`` when the caller gives no dates: ``to`` is the last order date the job
    accepts (``today`` + MAX_DAYS_AHEAD, UTC), ``from`` is ``days`` days before it."""
    end = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    return end - dt.timedelta(days=days), end


def default_values(
    query: NamedQuery, today: dt.date | None = None, days: int = DEFAULT_WINDOW_DAYS
) -> dict[str, ParamValue]:
    """Defaults for omitted parameters: the :func:`default_window` (UTC today), first page."""
    start, end = default_window(today or dt.datetime.now(dt.UTC).date(), days)
    known: dict[str, ParamValue] = {
        "date_from": start,
        "date_to": end,
        "page_offset": 0,
        "page_limit": DEFAULT_PAGE_LIMIT,
    }
    return {p.name: known[p.name] for p in query.params if p.name in known}
