"""Every row rule of the contract, its reason code and the precedence between them."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import SparkSession

from contract.orders import DUPLICATE_KEY, REJECT_REASONS, ROW_REASONS
from tests.builders import INGESTED_AT, RUN_DATE, raw_frame
from transforms.staging import stage_orders

BAD_BYTE = "\ufffd"  # what Spark's UTF-8 decoder makes of an invalid byte

# case id -> (changes to a valid row, expected reject_reason or None when valid)
CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "valid_row": ({}, None),
    "invalid_utf8_in_client_id": ({"client_id": f"C0{BAD_BYTE}1"}, "invalid_encoding"),
    "invalid_utf8_in_status": ({"status": f"deliver{BAD_BYTE}d"}, "invalid_encoding"),
    "empty_product_id": ({"product_id": ""}, "missing_required_field"),
    "blank_quantity": ({"quantity": "   "}, "missing_required_field"),
    "null_order_date": ({"order_date": None}, "missing_required_field"),
    "id_with_space": ({"order_id": "ORD 1"}, "invalid_id"),
    "id_with_sql": ({"client_id": "C1';DROP TABLE orders;--"}, "invalid_id"),
    "id_of_65_chars": ({"product_id": "P" * 65}, "invalid_id"),
    "id_of_64_chars": ({"product_id": "P" * 64}, None),
    "unknown_channel": ({"channel": "fax"}, "unknown_channel"),
    "channel_in_capitals": ({"channel": " Store "}, None),
    "unknown_status": ({"status": "lost"}, "unknown_status"),
    "status_in_capitals": ({"status": "CANCELLED"}, None),
    "negative_quantity": ({"quantity": "-3"}, "invalid_quantity"),
    "zero_quantity": ({"quantity": "0"}, "invalid_quantity"),
    "fractional_quantity": ({"quantity": "2.5"}, "invalid_quantity"),
    "quantity_over_a_million": ({"quantity": "1000001"}, "invalid_quantity"),
    "quantity_of_a_million": ({"quantity": "1000000"}, None),
    "quantity_not_a_number": ({"quantity": "two"}, "invalid_quantity"),
    "negative_price": ({"unit_price": "-1.00"}, "invalid_unit_price"),
    "price_with_three_decimals": ({"unit_price": "2.455"}, "invalid_unit_price"),
    "price_over_limit": ({"unit_price": "10000000.00"}, "invalid_unit_price"),
    "price_at_limit": ({"unit_price": "9999999.99"}, None),
    "free_item": ({"unit_price": "0"}, None),
    "price_with_huge_digits": ({"unit_price": "9" * 40}, "invalid_unit_price"),
    "decimal_comma_in_comma_file": ({"unit_price": "2,50"}, "invalid_unit_price"),
    "decimal_comma_in_semicolon_file": ({"unit_price": "2,50", "source_delimiter": ";"}, None),
    "thousands_dot_in_semicolon_file": (
        {"unit_price": "1.234,50", "source_delimiter": ";"},
        None,
    ),
    "decimal_point_in_semicolon_file": (
        {"unit_price": "12.50", "source_delimiter": ";"},
        "invalid_unit_price",
    ),
    "date_30_february": ({"order_date": "2026-02-30"}, "invalid_date"),
    "date_29_february_leap_year": ({"order_date": "2024-02-29"}, None),
    "date_29_february_common_year": ({"order_date": "29/02/2025"}, "invalid_date"),
    "date_day_month_year": ({"order_date": "21/11/2026"}, None),
    "date_iso_timestamp": ({"order_date": "2026-11-20T23:59:59.123+01:00"}, None),
    "date_iso_timestamp_bad_hour": ({"order_date": "2026-11-20T24:00:00Z"}, "invalid_date"),
    "date_month_13": ({"order_date": "2026-13-01"}, "invalid_date"),
    "date_us_format": ({"order_date": "11/21/2026"}, "invalid_date"),
    "date_before_2000": ({"order_date": "1999-12-31"}, "invalid_date"),
    "date_first_allowed": ({"order_date": "2000-01-01"}, None),
    "date_tomorrow": ({"order_date": "2026-11-29"}, None),
    "date_two_days_ahead": ({"order_date": "2026-11-30"}, "invalid_date"),
    "date_text": ({"order_date": "yesterday"}, "invalid_date"),
    # precedence: the first failing rule in contract order is the reason
    "encoding_beats_missing": (
        {"client_id": f"C{BAD_BYTE}", "product_id": ""},
        "invalid_encoding",
    ),
    "missing_beats_invalid_id": (
        {"product_id": "", "order_id": "bad id"},
        "missing_required_field",
    ),
    "invalid_id_beats_channel": ({"order_id": "bad id", "channel": "fax"}, "invalid_id"),
    "channel_beats_status": ({"channel": "fax", "status": "lost"}, "unknown_channel"),
    "status_beats_quantity": ({"status": "lost", "quantity": "0"}, "unknown_status"),
    "quantity_beats_price": ({"quantity": "0", "unit_price": "x"}, "invalid_quantity"),
    "price_beats_date": ({"unit_price": "x", "order_date": "x"}, "invalid_unit_price"),
    # each contract reason's own example (what the data generator uses for a new reason)
    **{
        f"contract_example_{r.code}": ({r.example[0]: r.example[1]}, r.code)
        for r in ROW_REASONS
        if r.example is not None
    },
}


@pytest.fixture(scope="module")
def staged_by_case(spark: SparkSession, ansi_mode: bool) -> dict[str, dict[str, Any]]:
    """All cases staged in one job, once with ANSI mode on and once off (conftest); each
    gets its own key so none is a duplicate."""
    names = list(CASES)
    changes = [
        {"order_id": f"ORD-{n}", **CASES[name][0]}
        if "order_id" not in CASES[name][0]
        else CASES[name][0]
        for n, name in enumerate(names)
    ]
    staged = raw_frame(spark, *changes).transform(stage_orders(RUN_DATE, INGESTED_AT))
    rows = {row["source_row_id"]: row.asDict() for row in staged.collect()}
    return {name: rows[n] for n, name in enumerate(names)}


@pytest.mark.parametrize("case", list(CASES))
def test_row_rule_gives_expected_reason(
    staged_by_case: dict[str, dict[str, Any]], case: str
) -> None:
    expected = CASES[case][1]
    assert staged_by_case[case]["reject_reason"] == expected


def test_every_reason_code_is_exercised() -> None:
    exercised = {reason for _, reason in CASES.values() if reason}
    assert exercised | {DUPLICATE_KEY} == set(REJECT_REASONS)


def test_reject_reasons_lists_every_failing_rule_in_order(staged_by_case: dict[str, Any]) -> None:
    assert staged_by_case["encoding_beats_missing"]["reject_reasons"] == [
        "invalid_encoding",
        "missing_required_field",
        "invalid_id",
    ]
    assert staged_by_case["price_beats_date"]["reject_reasons"] == [
        "invalid_unit_price",
        "invalid_date",
    ]
    assert staged_by_case["valid_row"]["reject_reasons"] == []


def test_valid_rows_are_trimmed_normalised_and_typed(staged_by_case: dict[str, Any]) -> None:
    store = staged_by_case["channel_in_capitals"]
    assert store["channel"] == "store"
    assert staged_by_case["status_in_capitals"]["status"] == "cancelled"
    assert str(staged_by_case["thousands_dot_in_semicolon_file"]["unit_price"]) == "1234.50"
    assert str(staged_by_case["date_day_month_year"]["order_date"]) == "2026-11-21"
    assert str(staged_by_case["date_iso_timestamp"]["order_date"]) == "2026-11-20"


def test_rejected_rows_keep_their_raw_values(staged_by_case: dict[str, Any]) -> None:
    row = staged_by_case["channel_in_capitals"]["raw"]
    assert row["channel"] == " Store "
    assert staged_by_case["blank_quantity"]["raw"]["quantity"] == "   "
