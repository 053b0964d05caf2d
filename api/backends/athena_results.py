"""Athena ``GetQueryResults`` rows (all text) -> typed Python values, by the result metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

INTEGER_TYPES = ("tinyint", "smallint", "integer", "int", "bigint")
FLOAT_TYPES = ("double", "real", "float")


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"not a boolean: {text!r}")
    return text == "true"


def converter(athena_type: str) -> Callable[[str], Any]:
    """How to read one column's text, from its Athena type name (``decimal``, ``bigint``...)."""
    kind = athena_type.lower().split("(")[0].strip()
    if kind in INTEGER_TYPES:
        return int
    if kind in FLOAT_TYPES:
        return float
    if kind == "decimal":
        return Decimal
    if kind == "date":
        return dt.date.fromisoformat
    if kind == "boolean":
        return _boolean
    return str


def records_of(result_set: dict[str, Any], first_page: bool) -> list[dict[str, Any]]:
    """Dicts keyed by column name; the header row Athena puts first on page one is dropped."""
    columns = result_set["ResultSetMetadata"]["ColumnInfo"]
    names = [column["Name"] for column in columns]
    readers = [converter(column["Type"]) for column in columns]
    rows = [[cell.get("VarCharValue") for cell in row["Data"]] for row in result_set["Rows"]]
    if first_page and rows and rows[0] == names:
        rows = rows[1:]
    records = []
    for row in rows:
        if len(row) != len(names):
            raise ValueError(f"row has {len(row)} values for {len(names)} columns")
        records.append(
            {
                name: None if text is None else read(text)
                for name, read, text in zip(names, readers, row, strict=True)
            }
        )
    return records
