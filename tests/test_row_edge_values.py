"""Edge values of the row rules, each decided in docs/data_contract.md ("Edge values").

The outcomes here are written by hand from the contract, not derived from the patterns
in transforms/rules.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from contract.orders import is_valid_id
from job.read import inspect_input, read_raw_orders
from table_format.storage import Storage
from tests.builders import INGESTED_AT, RUN_DATE, raw_frame
from transforms.staging import stage_orders

# case id -> (changes to a valid row, expected reject_reason, expected typed value or None)
EDGES: dict[str, tuple[dict[str, Any], str | None, Any]] = {
    "quantity_plus_sign": ({"quantity": "+3"}, "invalid_quantity", None),
    "quantity_leading_zeros": ({"quantity": "0001"}, None, 1),
    "quantity_many_leading_zeros": ({"quantity": "000000000042"}, None, 42),
    "quantity_zeros_only": ({"quantity": "0000"}, "invalid_quantity", None),
    "quantity_million_with_zeros": ({"quantity": "0001000000"}, None, 1_000_000),
    "quantity_over_million_with_zeros": ({"quantity": "0001000001"}, "invalid_quantity", None),
    "quantity_one": ({"quantity": "1"}, None, 1),
    "quantity_thousands_comma": ({"quantity": "1,000"}, "invalid_quantity", None),
    "quantity_exponent": ({"quantity": "1e3"}, "invalid_quantity", None),
    "quantity_decimal_zero": ({"quantity": "3.0"}, "invalid_quantity", None),
    "price_thousands_comma_in_comma_file": (
        {"unit_price": "1,234.50"},
        "invalid_unit_price",
        None,
    ),
    "price_trailing_point": ({"unit_price": "2."}, "invalid_unit_price", None),
    "price_leading_point": ({"unit_price": ".50"}, "invalid_unit_price", None),
    "price_plus_sign": ({"unit_price": "+2.50"}, "invalid_unit_price", None),
    "price_one_decimal": ({"unit_price": "2.5"}, None, Decimal("2.50")),
    "price_leading_zeros": ({"unit_price": "0002.50"}, None, Decimal("2.50")),
    "price_cent": ({"unit_price": "0.01"}, None, Decimal("0.01")),
    "price_limit_with_zeros": ({"unit_price": "009999999.99"}, None, Decimal("9999999.99")),
    "price_just_over_limit": ({"unit_price": "9999999.991"}, "invalid_unit_price", None),
    "price_trailing_comma_in_semicolon_file": (
        {"unit_price": "2,", "source_delimiter": ";"},
        "invalid_unit_price",
        None,
    ),
    "price_millions_in_semicolon_file": (
        {"unit_price": "1.234.567,89", "source_delimiter": ";"},
        None,
        Decimal("1234567.89"),
    ),
    "price_bad_thousands_group_in_semicolon_file": (
        {"unit_price": "12.34,50", "source_delimiter": ";"},
        "invalid_unit_price",
        None,
    ),
    "price_plain_integer_in_semicolon_file": (
        {"unit_price": "1234", "source_delimiter": ";"},
        None,
        Decimal("1234.00"),
    ),
    "price_over_limit_in_semicolon_file": (
        {"unit_price": "10.000.000,00", "source_delimiter": ";"},
        "invalid_unit_price",
        None,
    ),
    "invalid_utf8_in_order_id": ({"order_id": "ORD-\ufffd"}, "invalid_encoding", None),
    "invalid_utf8_in_product_id": ({"product_id": "P\ufffd1"}, "invalid_encoding", None),
    "invalid_utf8_in_order_date": ({"order_date": "2026-11-2\ufffd"}, "invalid_encoding", None),
    "invalid_utf8_in_quantity": ({"quantity": "\ufffd"}, "invalid_encoding", None),
    # Java's `$` also matches before a final line terminator: the id must end at the value's end
    "id_ending_in_line_separator": ({"client_id": "C1\u2028"}, "invalid_id", None),
    "id_ending_in_next_line": ({"product_id": "P1\u0085"}, "invalid_id", None),
    "id_ending_in_carriage_return": ({"order_id": "ORD-9\r"}, "invalid_id", None),
    "date_with_space_separator": ({"order_date": "2026-11-20 10:00"}, None, None),
    "date_single_digit_day": ({"order_date": "2026-11-2"}, "invalid_date", None),
    "date_year_zero": ({"order_date": "0000-01-01"}, "invalid_date", None),
}
TYPED_COLUMN = {"quantity": "quantity", "price": "unit_price"}


@pytest.fixture(scope="module")
def staged(spark: SparkSession, ansi_mode: bool) -> dict[str, dict[str, Any]]:
    names = list(EDGES)
    changes = [{"order_id": f"ORD-{n}", **EDGES[name][0]} for n, name in enumerate(names)]
    frame = raw_frame(spark, *changes).transform(stage_orders(RUN_DATE, INGESTED_AT))
    rows = {row["source_row_id"]: row.asDict() for row in frame.collect()}
    return {name: rows[n] for n, name in enumerate(names)}


@pytest.mark.parametrize("case", list(EDGES))
def test_edge_value_outcome(staged: dict[str, dict[str, Any]], case: str) -> None:
    _, reason, typed = EDGES[case]
    row = staged[case]
    assert row["reject_reason"] == reason
    column = TYPED_COLUMN.get(case.split("_")[0])
    if column is not None and reason is None:
        assert row[column] == typed


def test_invalid_bytes_in_id_and_date_fields_of_a_real_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Bytes that are not UTF-8 in order_id and order_date: rejected as invalid_encoding,
    the raw value kept as Spark decodes it (U+FFFD in place of each bad byte)."""
    header = b"order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
    rows = [
        b"O\xff1,C1,P1,online,1,2.00,pending,2026-11-20\n",
        b"O2,C1,P1,online,1,2.00,pending,2026-11-\xe92\n",
        b"O3,C1,P1,online,1,2.00,pending,2026-11-20\n",
    ]
    (tmp_path / "bytes.csv").write_bytes(header + b"".join(rows))
    files = inspect_input(Storage(spark), str(tmp_path))
    staged = read_raw_orders(spark, files).transform(stage_orders(RUN_DATE, INGESTED_AT))
    got = sorted(
        (r["raw"]["order_id"], r["raw"]["order_date"], r["reject_reason"]) for r in staged.collect()
    )
    assert got == [
        ("O2", "2026-11-\ufffd2", "invalid_encoding"),
        ("O3", "2026-11-20", None),
        ("O\ufffd1", "2026-11-20", "invalid_encoding"),
    ]


def test_run_date_window_is_inclusive_at_both_ends(spark: SparkSession) -> None:
    """2000-01-01 and run date + 1 load; the day before and run date + 2 do not."""
    days = [
        dt.date(1999, 12, 31),
        dt.date(2000, 1, 1),
        RUN_DATE + dt.timedelta(days=1),
        RUN_DATE + dt.timedelta(days=2),
    ]
    frame = raw_frame(
        spark, *[{"order_id": f"D{n}", "order_date": d.isoformat()} for n, d in enumerate(days)]
    ).transform(stage_orders(RUN_DATE, INGESTED_AT))
    reasons = [r["reject_reason"] for r in frame.orderBy("source_row_id").collect()]
    assert reasons == ["invalid_date", None, None, "invalid_date"]


def test_orders_before_the_deployments_first_order_date_are_rejected(spark: SparkSession) -> None:
    """With a first order date (on AWS: where Athena's projection starts), the day before it
    is rejected as invalid_date, not loaded where Athena would never show it."""
    first = dt.date(2025, 1, 1)
    days = [dt.date(2024, 12, 31), first, RUN_DATE]
    frame = raw_frame(
        spark, *[{"order_id": f"F{n}", "order_date": d.isoformat()} for n, d in enumerate(days)]
    ).transform(stage_orders(RUN_DATE, INGESTED_AT, first_order_date=first))
    reasons = [r["reject_reason"] for r in frame.orderBy("source_row_id").collect()]
    assert reasons == ["invalid_date", None, None]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("A", True),
        ("a_B-9", True),
        ("X" * 64, True),
        ("X" * 65, False),
        ("", False),
        ("ORD 1", False),
        ("C1\n", False),
        ("Clíent", False),
    ],
)
def test_id_rule_in_plain_python(value: str, valid: bool) -> None:
    """The same id rule the scripts use outside Spark."""
    assert is_valid_id(value) is valid
