"""The input contract is one module: the docs tables, the header check, the upload validation
and the data generator all follow `contract.orders` (no PySpark needed here)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from contract import orders as contract
from contract.header import inspect_header
from lambdas.file_checks import check_header, check_object
from scripts import contract_tables
from synthetic.rejects import SPOILERS

FILE_CODES = {r.code for r in contract.FILE_REASONS}
HEADER = ",".join(contract.REQUIRED_COLUMNS).encode()


def test_docs_tables_are_generated_from_the_contract() -> None:
    assert contract_tables.main(["--check"]) == 0, "docs/data_contract.md is stale: make docs"


def test_every_reason_code_is_unique_and_duplicate_key_comes_last() -> None:
    codes = [r.code for r in (*contract.ROW_REASONS, *contract.FILE_REASONS)]
    assert len(codes) == len(set(codes))
    assert contract.REJECT_REASONS[-1] == contract.DUPLICATE_KEY
    assert contract.REJECT_REASONS[:-1] == contract.ROW_RULE_REASONS


def test_every_per_row_reason_has_an_example_the_generator_can_use() -> None:
    assert set(SPOILERS) == set(contract.ROW_RULE_REASONS)
    assert all(r.example for r in contract.ROW_REASONS if r.code != contract.DUPLICATE_KEY)


def test_a_reason_without_a_spoiler_of_its_own_uses_its_contract_example() -> None:
    from synthetic import rejects

    reason = contract.Reason("invalid_discount", "a new rule", ("unit_price", "x1"))
    values = {"unit_price": "1.00"}
    rejects._from_example(reason)(values, None, random.Random(0))  # type: ignore[arg-type]
    assert values == {"unit_price": "x1"}


@pytest.mark.parametrize(
    ("head", "complete"),
    [(b"", True), (b"\xff\xfe" + HEADER + b"\n", True), (b"a,b\n1,2\n", True), (HEADER, False)],
    ids=["empty", "not_utf8", "missing_columns", "no_line_break"],
)
def test_header_and_validation_reasons_are_contract_file_reasons(
    head: bytes, complete: bool
) -> None:
    result = inspect_header(head, complete)
    assert result.reason in FILE_CODES
    rejection = check_header(head, complete)
    assert rejection is not None and rejection.reason == result.reason


def test_validation_object_checks_use_contract_file_reasons() -> None:
    found = {
        check_object("a.txt", 10, 100),
        check_object("a.csv", 0, 100),
        check_object("a.csv", 101, 100),
    }
    assert {r.reason for r in found if r} == {
        contract.NOT_CSV,
        contract.EMPTY_FILE,
        contract.FILE_TOO_LARGE,
    }
    assert check_object("a.CSV", 10, 100) is None


def test_an_upload_time_survives_the_staged_path() -> None:
    segment = contract.upload_time_segment("2026-11-21T09:00:05.123Z")
    assert segment == "20261121T090005123Z"
    path = f"s3://in/batches/b-1/{segment}/orders/a.csv"
    assert contract.staged_upload_time(path) == dt.datetime(2026, 11, 21, 9, 0, 5, 123000)
    assert contract.staged_upload_time("s3://in/incoming/a.csv") is None
    assert contract.upload_time_segment("") == "unknown"
    assert contract.staged_upload_time("s3://in/batches/b-1/unknown/a.csv") is None


def test_column_lists_in_reason_texts_read_as_written() -> None:
    # Called at import for the reason texts (pinned through docs/data_contract.md above);
    # called here too, so that mutation testing, which switches a mutant on after import,
    # sees it.
    assert contract._names(("order_id", "client_id", "product_id"), "or") == (
        "`order_id`, `client_id` or `product_id`"
    )
    assert contract._names(("a", "b"), "and") == "`a` and `b`"


def test_a_staged_upload_time_without_milliseconds_is_on_the_second() -> None:
    path = "s3://in/batches/b-1/20261121T090005Z/orders/a.csv"
    assert contract.staged_upload_time(path) == dt.datetime(2026, 11, 21, 9, 0, 5)
