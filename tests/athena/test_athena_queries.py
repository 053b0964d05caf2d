"""Every named query, run in DuckDB (LocalAthena) and in Spark SQL (Hive tables), equals an
independent computation in plain Python over the job's ``orders`` rows.

The marts the queries read are recomputed here from the order lines, so these tests
also check that the marts and the queries agree with the documented semantics.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import SparkSession

from athena import spark as athena_spark
from athena.catalog import ParamValue, default_values, load_query, query_names
from athena.local import LocalAthena, QueryResult
from transforms.contract import NON_SALE_STATUSES

Lines = list[dict[str, Any]]
Row = tuple[Any, ...]


def in_range(lines: Lines, values: dict[str, Any]) -> Lines:
    start, end = (dt.date.fromisoformat(str(values[k])) for k in ("date_from", "date_to"))
    channel = values.get("channel")
    return [
        line
        for line in lines
        if start <= line["order_date"] <= end and channel in (None, line["channel"])
    ]


def orders_by_client(lines: Lines, values: dict[str, Any]) -> list[Row]:
    groups: dict[tuple, Lines] = defaultdict(list)
    for line in in_range(lines, values):
        if line["client_id"] == values["client_id"]:
            key = (line["order_id"], line["order_date"], line["channel"], line["client_id"])
            groups[key].append(line)
    rows = [
        (
            *key,
            len(group),
            sum(line["quantity"] for line in group),
            sum(line["line_total"] for line in group),
            ",".join(sorted({line["status"] for line in group})),
        )
        for key, group in groups.items()
    ]
    rows.sort(key=lambda r: r[2])  # channel ascending within ...
    rows.sort(key=lambda r: (r[1], r[0]), reverse=True)  # ... order_date, order_id descending
    start = int(values["page_offset"])
    return rows[start : start + int(values["page_limit"])]


def _distinct_orders(group: Lines) -> int:
    """Daily marts count distinct orders per day; the queries add the days up."""
    return len({(line["order_id"], line["order_date"]) for line in group})


def _grouped(lines: Lines, values: dict[str, Any], *keys: str) -> dict[tuple, Lines]:
    groups: dict[tuple, Lines] = defaultdict(list)
    for line in in_range(lines, values):
        groups[tuple(line[k] for k in keys)].append(line)
    return groups


def sales_by_product(lines: Lines, values: dict[str, Any]) -> list[Row]:
    rows = []
    for (product, channel), group in _grouped(lines, values, "product_id", "channel").items():
        net = [line for line in group if line["status"] not in NON_SALE_STATUSES]
        units = sum(line["quantity"] for line in net)
        revenue = sum((line["line_total"] for line in net), Decimal("0"))
        rows.append((product, channel, units, revenue, _distinct_orders(group)))
    return sorted(rows, key=lambda r: (-r[3], r[0], r[1]))


def order_status_report(lines: Lines, values: dict[str, Any]) -> list[Row]:
    rows = [
        (
            status,
            channel,
            _distinct_orders(group),
            len(group),
            sum(line["quantity"] for line in group),
            sum(line["line_total"] for line in group),
        )
        for (status, channel), group in _grouped(lines, values, "status", "channel").items()
    ]
    return sorted(rows)


def total_orders_by_client(lines: Lines, values: dict[str, Any]) -> list[Row]:
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        counts[line["client_id"]] += 1
    return sorted(counts.items())


def sales_by_channel_daily(lines: Lines, values: dict[str, Any]) -> list[Row]:
    rows = []
    for (day, channel), group in _grouped(lines, values, "order_date", "channel").items():
        net = [line for line in group if line["status"] not in NON_SALE_STATUSES]
        revenue = sum((line["line_total"] for line in net), Decimal("0"))
        rows.append((day, channel, sum(line["quantity"] for line in net), revenue))
    return sorted(rows)


def order_date_range(lines: Lines, values: dict[str, Any]) -> list[Row]:
    days = {line["order_date"] for line in in_range(lines, values)}
    return [(min(days), max(days), len(days))] if days else [(None, None, 0)]


EXPECTED: dict[str, Callable[[Lines, dict[str, Any]], list[Row]]] = {
    "orders_by_client": orders_by_client,
    "sales_by_product": sales_by_product,
    "order_status_report": order_status_report,
    "total_orders_by_client": total_orders_by_client,
    "sales_by_channel_daily": sales_by_channel_daily,
    "order_date_range": order_date_range,
}
UNORDERED = {"total_orders_by_client"}  # the seed's query has no ORDER BY

# (query, given values, whether the sample must return rows for them)
CASES: list[tuple[str, dict[str, ParamValue], bool]] = [
    ("orders_by_client", {"client_id": "C00104"}, True),
    (
        "orders_by_client",
        {"client_id": "C00105", "date_from": "2026-11-21", "page_offset": 1, "page_limit": 1},
        True,
    ),
    ("orders_by_client", {"client_id": "C00103' OR '1'='1"}, False),
    ("sales_by_product", {}, True),
    (
        "sales_by_product",
        {"date_from": "2026-11-21", "date_to": "2026-11-21", "channel": "store"},
        True,
    ),
    ("order_status_report", {}, True),
    ("order_status_report", {"channel": "online", "date_to": "2026-11-20"}, True),
    ("order_status_report", {"date_from": "2001-01-01", "date_to": "2001-12-31"}, False),
    ("total_orders_by_client", {}, True),
    ("orders_by_client", {"client_id": "C00105", "channel": "store"}, True),
    ("sales_by_channel_daily", {}, True),
    ("sales_by_channel_daily", {"date_from": "2026-11-21", "channel": "store"}, True),
    ("order_date_range", {}, True),
    ("order_date_range", {"date_to": "2026-11-21"}, True),
    ("order_date_range", {"date_from": "2001-01-01", "date_to": "2001-12-31"}, True),  # nulls
]


def test_every_named_query_has_cases() -> None:
    assert {name for name, _values, _rows in CASES} == set(query_names()) == set(EXPECTED)


def _values(name: str, given: dict[str, ParamValue]) -> dict[str, ParamValue]:
    return {**default_values(load_query(name)), **given}


def _rows(name: str, result: QueryResult) -> list[Row]:
    rows = [tuple(row) for row in result.rows]
    return sorted(rows) if name in UNORDERED else rows


@pytest.mark.parametrize(("name", "given", "has_rows"), CASES)
def test_query_in_duckdb_equals_independent_computation(
    local_athena: LocalAthena, order_lines: Lines, name: str, given: dict, has_rows: bool
) -> None:
    values = _values(name, given)
    expected = EXPECTED[name](order_lines, values)
    assert bool(expected) == has_rows, "the case no longer exercises what it was written for"
    assert _rows(name, local_athena.run(name, values)) == expected


@pytest.mark.parametrize(("name", "given", "has_rows"), CASES)
def test_query_in_spark_sql_equals_independent_computation(
    spark: SparkSession,
    hive_tables: list[str],
    order_lines: Lines,
    name: str,
    given: dict,
    has_rows: bool,
) -> None:
    values = _values(name, given)
    result = athena_spark.run(spark, name, values)
    assert _rows(name, result) == EXPECTED[name](order_lines, values)
    assert result.columns == STABLE_COLUMNS[name]


# The REST API is built on these names (docs/athena.md): changing one is a breaking change.
STABLE_COLUMNS = {
    "orders_by_client": [
        "order_id", "order_date", "channel", "client_id",
        "line_count", "units", "order_total", "statuses",
    ],
    "sales_by_product": ["product_id", "channel", "units", "revenue", "order_count"],
    "order_status_report": ["status", "channel", "order_count", "line_count", "units", "amount"],
    "total_orders_by_client": ["client_id", "total_orders"],
    "sales_by_channel_daily": ["order_date", "channel", "units", "revenue"],
    "order_date_range": ["first_order_date", "last_order_date", "order_days"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(STABLE_COLUMNS))
def test_query_columns_are_the_stable_api_names(local_athena: LocalAthena, name: str) -> None:
    values = _values(name, {"client_id": "C00101"} if name == "orders_by_client" else {})
    assert local_athena.run(name, values).columns == STABLE_COLUMNS[name]
