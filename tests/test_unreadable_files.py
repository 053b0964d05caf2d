"""One file cannot fail the run (docs/data_contract.md, "Whole-file rejects"): a file that
cannot be opened, read or decoded is rejected with its own reason, the error in its
detail, and the good file beside it loads. A run fails only for what is not about one
file, with one line that names the cause (never a Py4J stack trace)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from table_format.storage import FileInfo, Storage
from tests.output import table_rows

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
GOOD = HEADER + "O1,C1,P1,online,1,2.00,pending,2026-11-20\n"
BAD = HEADER + "O9,C9,P9,store,3,4.00,pending,2026-11-21\n"
CLOCK = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def run(input_path: Path, output: Path, storage: Storage | None = None) -> dict[str, Any]:
    argv = ["process_orders.py", "--input_path", str(input_path), "--output_path", str(output)]
    return main([*argv, "--run_id", "r1"], storage=storage, now=CLOCK)


def inputs(folder: Path, bad: bytes) -> Path:
    folder.mkdir()
    (folder / "good.csv").write_text(GOOD)
    (folder / "bad.csv").write_bytes(bad)
    return folder


def outcome(report: dict[str, Any]) -> dict[str, tuple[str, str | None, str]]:
    return {
        e["path"].rsplit("/", 1)[-1]: (e["status"], e["reason"], e.get("detail", ""))
        for e in report["files"]
    }


def only_the_good_order(spark: SparkSession, output: Path) -> bool:
    return [r[0] for r in table_rows(spark, output, "orders")] == ["O1"]


class VanishingStorage(Storage):
    """Deletes ``bad.csv`` at a chosen storage call: after the listing (``head``), or after
    the header check, so that Spark's own read of it fails part-way through the run."""

    def __init__(self, spark: SparkSession, when: str) -> None:
        super().__init__(spark)
        self.when = when

    def list_files(self, uri: str) -> list[FileInfo]:
        found = super().list_files(uri)
        if self.when == "before_open":
            for info in found:
                if info.path.endswith("/bad.csv"):
                    Path(info.path.removeprefix("file:")).unlink()
        return found

    def head(self, uri: str, size: int) -> bytes:
        data = super().head(uri, size)
        if self.when == "before_spark_read" and uri.endswith("/bad.csv"):
            Path(uri.removeprefix("file:")).unlink()
        return data


class DeniedStorage(Storage):
    """Access denied on ``bad.csv``. A stand-in (the one mock here): the suite runs as root,
    and root reads a file whatever its mode, so a real denial cannot be made locally."""

    def head(self, uri: str, size: int) -> bytes:
        if uri.endswith("/bad.csv"):
            raise PermissionError(f"Permission denied: {uri}")
        return super().head(uri, size)


@pytest.mark.parametrize(
    ("body", "reason", "detail"),
    [
        (gzip.compress(BAD.encode()), "compressed_file", "gzip"),
        (b"PK\x03\x04" + BAD.encode(), "compressed_file", "zip"),
        (BAD.encode("utf-16"), "wrong_encoding", "UTF-16"),
        (BAD.encode("utf-16-le"), "wrong_encoding", "NUL"),
        (BAD.encode("utf-32"), "wrong_encoding", "UTF-32"),
    ],
    ids=["gzip", "zip", "utf16_bom", "utf16_no_bom", "utf32"],
)
def test_a_body_that_is_not_utf8_csv_is_rejected_with_its_reason_and_the_good_file_loads(
    spark: SparkSession, tmp_path: Path, body: bytes, reason: str, detail: str
) -> None:
    report = run(inputs(tmp_path / "in", body), tmp_path / "out")
    status, got_reason, got_detail = outcome(report)["bad.csv"]
    assert (status, got_reason) == ("rejected", reason)
    assert detail in got_detail
    assert outcome(report)["good.csv"][0] == "ok"
    assert only_the_good_order(spark, tmp_path / "out")


@pytest.mark.parametrize(
    ("when", "error"),
    [("before_open", "FileNotFoundException"), ("before_spark_read", "does not exist")],
)
def test_a_file_that_vanishes_during_the_run_is_rejected_as_unreadable_and_the_rest_loads(
    spark: SparkSession, tmp_path: Path, when: str, error: str
) -> None:
    folder = inputs(tmp_path / "in", BAD.encode())
    report = run(folder, tmp_path / "out", VanishingStorage(spark, when))
    assert report["status"] == "succeeded"
    status, reason, detail = outcome(report)["bad.csv"]
    assert (status, reason) == ("rejected", "unreadable_file")
    assert error in detail and "\n" not in detail
    assert outcome(report)["good.csv"][0] == "ok"
    assert only_the_good_order(spark, tmp_path / "out")


def test_a_file_the_job_may_not_read_is_rejected_as_unreadable_and_the_rest_loads(
    spark: SparkSession, tmp_path: Path
) -> None:
    report = run(inputs(tmp_path / "in", BAD.encode()), tmp_path / "out", DeniedStorage(spark))
    status, reason, detail = outcome(report)["bad.csv"]
    assert (status, reason) == ("rejected", "unreadable_file")
    assert "Permission denied" in detail
    assert only_the_good_order(spark, tmp_path / "out")


def test_an_unreachable_output_fails_the_run_with_one_line_naming_the_cause(
    spark: SparkSession, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(SystemExit) as failed:
        run(inputs(tmp_path / "in", BAD.encode()), blocker / "out")
    message = str(failed.value)
    assert message.startswith("run r1 failed: ")
    assert "\n" not in message
    assert "Py4J" not in message and "An error occurred while calling" not in message
    assert "not-a-folder" in message
