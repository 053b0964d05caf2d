"""Header sniffing: delimiter detection, BOM, CRLF, case/space/order, file-level rejects."""

from __future__ import annotations

import pytest

from contract.header import inspect_header, required_positions
from contract.orders import normalise_header

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date"


def test_detects_comma_delimiter() -> None:
    check = inspect_header(f"{HEADER}\nO1,C1,P1,online,1,1.00,pending,2026-11-20\n".encode(), True)
    assert (check.ok, check.delimiter) == (True, ",")


def test_detects_semicolon_delimiter_with_bom_and_crlf() -> None:
    head = b"\xef\xbb\xbf" + HEADER.replace(",", ";").encode() + b"\r\nO1;C1\r\n"
    check = inspect_header(head, True)
    assert (check.ok, check.delimiter, check.columns[-1]) == (True, ";", "order_date")


def test_matches_names_trimmed_case_insensitive_in_any_order_with_extras() -> None:
    header = " Status ;ORDER_DATE;extra;order_id;Client_Id;product_id;channel;quantity;unit_price"
    check = inspect_header(header.encode() + b"\n", True)
    assert check.ok
    assert required_positions(check.columns)["status"] == 0
    assert required_positions(check.columns)["order_id"] == 3


def test_skips_leading_blank_lines() -> None:
    assert inspect_header(f"\n  \n{HEADER}\n".encode(), True).ok


def test_rejects_file_missing_a_required_column() -> None:
    check = inspect_header(HEADER.replace(",unit_price", "").encode() + b"\n", True)
    assert (check.reason, check.detail) == (
        "missing_columns",
        "missing required columns: unit_price",
    )


@pytest.mark.parametrize("head", [b"", b"\xef\xbb\xbf", b"\r\n  \n"])
def test_rejects_empty_file(head: bytes) -> None:
    assert inspect_header(head, True).reason == "empty_file"


def test_rejects_header_with_invalid_utf8() -> None:
    check = inspect_header(HEADER.encode() + b"\xff\n", True)
    assert check.reason == "unreadable_header"


def test_rejects_header_without_line_break_in_partial_head() -> None:
    assert inspect_header(b"x" * 100, complete=False).reason == "unreadable_header"


def test_header_only_file_without_newline_is_loadable() -> None:
    assert inspect_header(HEADER.encode(), complete=True).ok


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("\ufeffOrder_ID ", "order_id"),  # a BOM the reader left on the first name
        ("  Unit_Price\t", "unit_price"),
        ("status", "status"),
        ("order\ufeff_date", "order_date"),
    ],
)
def test_header_names_match_after_bom_trim_and_case(name: str, normalised: str) -> None:
    assert normalise_header(name) == normalised


def test_a_bom_inside_the_header_line_still_finds_the_column() -> None:
    head = HEADER.replace("status", "\ufeffStatus").encode() + b"\n"
    check = inspect_header(head, True)
    assert check.ok and required_positions(check.columns)["status"] == 6


def test_file_level_rejects_say_why() -> None:
    empty = inspect_header(b" \r\n\n", True)
    assert (empty.reason, empty.detail) == ("empty_file", "the file has no header line")
    only_bom = inspect_header(b"\xef\xbb\xbf\r\n", True)
    assert (only_bom.reason, only_bom.detail) == ("empty_file", "the file has no header line")
    endless = inspect_header(HEADER.encode(), False)  # the head ends before any line break
    assert (endless.reason, endless.detail) == (
        "unreadable_header",
        "no line break in the first 65536 bytes",
    )


def test_a_required_name_with_trailing_characters_is_missing() -> None:
    check = inspect_header(f"{HEADER}X\nO1\n".encode(), True)
    assert (check.reason, check.detail) == (
        "missing_columns",
        "missing required columns: order_date",
    )


def test_a_header_that_is_not_utf8_says_why() -> None:
    check = inspect_header(HEADER.encode() + b"\xff\n", True)
    assert (check.reason, check.detail) == (
        "unreadable_header",
        "header is not valid UTF-8 (invalid start byte)",
    )


def test_a_rejected_header_reports_the_reading_that_found_most_names() -> None:
    # ',' finds product_id, ';' finds order_id: a tie, and the first delimiter's reading wins.
    check = inspect_header(b"order_id;client_id,product_id\n", True)
    assert (check.reason, check.delimiter, check.columns) == (
        "missing_columns",
        ",",
        ("order_id;client_id", "product_id"),
    )
    assert check.detail == (
        "missing required columns: order_id, client_id, channel, quantity, unit_price, status, "
        "order_date"
    )
    # ';' finds two names, ',' one: the better reading is reported
    better = inspect_header(b"order_id;client_id;x,y\n", True)
    assert (better.delimiter, better.columns) == (";", ("order_id", "client_id", "x,y"))
