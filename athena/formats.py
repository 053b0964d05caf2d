"""How query results print: an aligned table, CSV or JSON (``--format``)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Sequence
from typing import Any

from athena.local import QueryResult

FORMATS = ("table", "csv", "json")


def text(value: Any) -> str:
    """A cell as text: dates ISO, decimals exact, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(text(item) for item in value) + "]"
    return str(value)


def format_table(result: QueryResult) -> str:
    """Aligned columns, numbers to the right, and a row count."""
    cells = [[text(value) for value in row] for row in result.rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(result.columns)]
    numeric = [
        all(
            isinstance(row[i], int | float | decimal.Decimal)
            for row in result.rows
            if row[i] is not None
        )
        for i in range(len(result.columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rows = [line(result.columns), line(["-" * w for w in widths]), *(line(row) for row in cells)]
    count = len(result.rows)
    return "\n".join([*rows, f"({count} row{'' if count == 1 else 's'})"])


def format_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([text(value) for value in row] for row in result.rows)
    return buffer.getvalue().rstrip("\n")


def _json_value(value: Any) -> Any:
    """JSON-safe: decimals as exact strings (like Athena's API), dates ISO."""
    if isinstance(value, decimal.Decimal | dt.date | dt.datetime):
        return text(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


def format_json(result: QueryResult) -> str:
    records = [{k: _json_value(v) for k, v in record.items()} for record in result.records()]
    return json.dumps(records, indent=2, ensure_ascii=False)


FORMATTERS = {"table": format_table, "csv": format_csv, "json": format_json}
