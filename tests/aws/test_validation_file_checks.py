"""The upload validation's pure checks (lambdas/file_checks.py) at their boundaries, no AWS.

The moto tests (test_aws_steps.py) show the same limits end to end; these pin each
edge value and the reason code it gets, so a shifted comparison cannot survive.
"""

from __future__ import annotations

import pytest

from lambdas.file_checks import check_header, check_object

MAX = 600
HEADER = b"order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"


@pytest.mark.parametrize(
    ("key", "size", "reason"),
    [
        ("a.csv", 1, None),
        ("a.csv", MAX - 1, None),
        ("a.csv", MAX, None),
        ("a.csv", MAX + 1, "file_too_large"),
        ("a.csv", 0, "empty_file"),
        ("a.csv", -1, "empty_file"),
        ("dir/UPPER.CSV", 10, None),
        ("a.csv.gz", 10, "not_csv"),
        ("a.txt", 0, "not_csv"),  # the extension is checked first
        ("acsv", 10, "not_csv"),
    ],
)
def test_check_object_by_key_and_size(key: str, size: int, reason: str | None) -> None:
    rejection = check_object(key, size, MAX)
    assert (rejection.reason if rejection else None) == reason


@pytest.mark.parametrize(
    ("head", "complete", "reason"),
    [
        (HEADER, True, None),
        (HEADER.replace(b",", b";"), False, None),
        (HEADER.rstrip(b"\n"), True, None),  # the whole file is one header line
        (HEADER.rstrip(b"\n"), False, "unreadable_header"),  # no line break in the head
        (b"", True, "empty_file"),
        (b"\n \r\n", True, "empty_file"),
        (b"order_id,client\xff_id\n", True, "unreadable_header"),
        (b"order_id,client_id\n", True, "missing_columns"),
    ],
)
def test_check_header_reason(head: bytes, complete: bool, reason: str | None) -> None:
    rejection = check_header(head, complete)
    assert (rejection.reason if rejection else None) == reason


@pytest.mark.parametrize(
    ("key", "size", "detail"),
    [
        ("a.txt", 10, "extension is not .csv: 'a.txt'"),
        ("a.csv", 0, "the object is 0 bytes"),
        ("a.csv", MAX + 1, f"{MAX + 1} bytes exceeds the maximum of {MAX}"),
    ],
)
def test_check_object_detail(key: str, size: int, detail: str) -> None:
    """The detail goes into the quarantine sidecar: a person reads it."""
    rejection = check_object(key, size, MAX)
    assert rejection is not None and rejection.detail == detail


def test_check_header_detail_is_the_jobs() -> None:
    rejection = check_header(b"order_id;client_id;product_id;channel;quantity;status\n", True)
    assert rejection is not None
    assert rejection.detail == "missing required columns: unit_price, order_date"
