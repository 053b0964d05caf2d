"""Every named query, run in DuckDB (LocalAthena) and in Spark SQL (Hive tables), equals an
independent computation in plain Python (tests/oracle.py) over the sample's order lines,
written out by hand from the CSVs.

The marts the queries read are recomputed there from the order lines, so these tests
also check that the job, the marts and the queries agree with the documented semantics.
"""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from athena.catalog import ParamValue, default_values, load_query, query_names
from athena.local import LocalAthena, QueryResult
from tests import spark_hive as athena_spark
from tests.oracle import QUERIES, SAMPLE_TODAY, Lines, Row

EXPECTED = QUERIES

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
    ("total_orders_by_client", {"date_from": "2026-11-21", "date_to": "2026-11-21"}, True),
    ("total_orders_by_client", {"date_from": "2026-11-23"}, False),
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
    """The given values over the defaults of "today" = SAMPLE_TODAY (the sample's window)."""
    return {**default_values(load_query(name), SAMPLE_TODAY), **given}


def _rows(name: str, result: QueryResult) -> list[Row]:
    return [tuple(row) for row in result.rows]


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
