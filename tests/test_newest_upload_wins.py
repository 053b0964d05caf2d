"""The newest upload wins, not the last processed (docs/data_contract.md, "Re-sent lines"):
versions are ordered by their file's upload time (a local file's mtime here, S3's
LastModified on AWS), then by the file's path."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pyspark.sql import SparkSession

from glue_jobs.process_orders import main
from tests.output import table_rows

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
EARLY = dt.datetime(2026, 11, 21, 8, 0)
LATE = dt.datetime(2026, 11, 21, 9, 0)


def upload(folder: Path, name: str, line: str, at: dt.datetime) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HEADER + line + "\n")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def run(input_path: Path, output: Path) -> None:
    main(["process_orders.py", "--input_path", str(input_path), "--output_path", str(output)])


def stored(spark: SparkSession, output: Path) -> list[tuple[str, str, str, dt.datetime]]:
    """(status, order_date, channel, source_modified_at) of the one stored line."""
    return [(r[6], str(r[10]), r[11], r[8]) for r in table_rows(spark, output, "orders")]


def daily_status(spark: SparkSession, output: Path) -> list[tuple[str, str, str]]:
    return [(r[0], r[1], str(r[6])) for r in table_rows(spark, output, "order_status_daily")]


def test_an_older_upload_processed_in_a_later_run_does_not_overwrite(
    spark: SparkSession, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    newer = upload(tmp_path / "in1", "b.csv", "O1,C1,P1,store,1,2.00,shipped,2026-11-21", LATE)
    older = upload(tmp_path / "in2", "a.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20", EARLY)
    run(newer, output)
    run(older, output)
    assert stored(spark, output) == [("shipped", "2026-11-21", "store", LATE)]
    assert daily_status(spark, output) == [("store", "shipped", "2026-11-21")]


def test_a_newer_upload_processed_later_replaces(spark: SparkSession, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run(
        upload(tmp_path / "in1", "b.csv", "O1,C1,P1,store,1,2.00,pending,2026-11-21", EARLY), output
    )
    run(upload(tmp_path / "in2", "a.csv", "O1,C1,P1,phone,1,2.00,shipped,2026-11-20", LATE), output)
    assert stored(spark, output) == [("shipped", "2026-11-20", "phone", LATE)]
    assert daily_status(spark, output) == [("phone", "shipped", "2026-11-20")]


def test_within_one_run_upload_time_beats_path_order(spark: SparkSession, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    upload(folder, "a.csv", "O1,C1,P1,store,1,2.00,shipped,2026-11-21", LATE)
    upload(folder, "z.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20", EARLY)
    run(folder, tmp_path / "out")
    assert stored(spark, tmp_path / "out") == [("shipped", "2026-11-21", "store", LATE)]


def test_equal_upload_times_fall_back_to_the_path_deterministically(
    spark: SparkSession, tmp_path: Path
) -> None:
    for attempt in ("first", "second"):
        folder = tmp_path / attempt
        upload(folder, "a.csv", "O1,C1,P1,store,1,2.00,shipped,2026-11-21", LATE)
        upload(folder, "z.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20", LATE)
        run(folder, tmp_path / f"out-{attempt}")
        assert stored(spark, tmp_path / f"out-{attempt}") == [
            ("pending", "2026-11-20", "online", LATE)
        ]


def test_a_staged_copy_is_ordered_by_the_upload_time_in_its_path(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The Step Functions flow copies uploads to batches/<batch>/<upload time>/…: the copy's
    own time is when it was staged, so a late batch must not win with its copy time."""
    batch_1 = tmp_path / "batches" / "b1" / "20261121T090000000Z"  # uploaded at 09:00
    batch_2 = tmp_path / "batches" / "b2" / "20261121T080000000Z"  # uploaded at 08:00
    # The 08:00 upload was redelivered into a later batch: its copy is the newer file.
    upload(batch_1, "a.csv", "O1,C1,P1,store,1,2.00,shipped,2026-11-21", EARLY)
    upload(batch_2, "a.csv", "O1,C1,P1,online,1,2.00,pending,2026-11-20", LATE)
    output = tmp_path / "out"
    run(batch_1, output)
    run(batch_2, output)
    assert stored(spark, output) == [("shipped", "2026-11-21", "store", LATE)]
