"""duplicate_key: an otherwise-valid repeat of (order_id, product_id) in the same file;
is_latest: each key's newest valid line of a run (the newest upload, then the later path)."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from tests.builders import INGESTED_AT, RUN_DATE, UPLOADED_AT, raw_frame
from transforms.staging import latest_lines, rejected_rows, stage_orders, valid_lines


def _reasons(spark: SparkSession, *changes: dict) -> list[tuple]:
    staged = raw_frame(spark, *changes).transform(stage_orders(RUN_DATE, INGESTED_AT))
    return [
        (r["source_row_id"], r["reject_reason"]) for r in staged.orderBy("source_row_id").collect()
    ]


def test_rejects_repeated_key_in_same_file_and_keeps_the_first(spark: SparkSession) -> None:
    reasons = _reasons(spark, {"quantity": "1"}, {"quantity": "5"}, {"quantity": "7"})
    assert reasons == [(0, None), (1, "duplicate_key"), (2, "duplicate_key")]


def test_same_key_in_another_file_is_not_a_duplicate(spark: SparkSession) -> None:
    reasons = _reasons(spark, {}, {"source_file": "file:///in/b.csv"})
    assert reasons == [(0, None), (1, None)]


def test_earlier_invalid_row_does_not_make_a_valid_repeat_a_duplicate(spark: SparkSession) -> None:
    reasons = _reasons(spark, {"quantity": "0"}, {"quantity": "3"})
    assert reasons == [(0, "invalid_quantity"), (1, None)]


def test_same_order_with_another_product_is_not_a_duplicate(spark: SparkSession) -> None:
    reasons = _reasons(spark, {"product_id": "P01"}, {"product_id": "P02"})
    assert reasons == [(0, None), (1, None)]


def test_valid_lines_carry_line_total_in_orders_layout(spark: SparkSession) -> None:
    staged = raw_frame(spark, {"quantity": "3", "unit_price": "2.45"}).transform(
        stage_orders(RUN_DATE, INGESTED_AT)
    )
    lines = valid_lines(staged)
    assert lines.columns == [
        "order_id",
        "client_id",
        "product_id",
        "quantity",
        "unit_price",
        "line_total",
        "status",
        "source_file",
        "source_modified_at",
        "ingested_at",
        "order_date",
        "channel",
    ]
    assert str(lines.first()["line_total"]) == "7.35"


def test_rows_read_equals_valid_plus_rejected(spark: SparkSession) -> None:
    staged = raw_frame(
        spark, {}, {"quantity": "x"}, {"order_id": "ORD-2"}, {"order_id": "ORD-2"}, {"channel": ""}
    ).transform(stage_orders(RUN_DATE, INGESTED_AT))
    valid = valid_lines(staged).count()
    rejected = staged.transform(rejected_rows(RUN_DATE))
    assert (valid, rejected.count()) == (2, 3)
    expected = spark.createDataFrame(
        [("duplicate_key",), ("invalid_quantity",), ("missing_required_field",)],
        "reject_reason string",
    )
    assert_df_equality(
        rejected.select("reject_reason"), expected, ignore_row_order=True, ignore_nullable=True
    )
    assert rejected.where(F.col("ingest_date") != F.lit(RUN_DATE)).count() == 0


LATER_UPLOAD = UPLOADED_AT + dt.timedelta(hours=3)


def _latest(spark: SparkSession, *changes: dict) -> list[tuple]:
    staged = raw_frame(spark, *changes).transform(stage_orders(RUN_DATE, INGESTED_AT))
    return sorted(
        (r["product_id"], r["status"], r["source_file"]) for r in latest_lines(staged).collect()
    )


def test_newest_upload_wins_within_a_run_whatever_the_path_order(spark: SparkSession) -> None:
    latest = _latest(
        spark,
        {"status": "pending", "source_file": "file:///in/z.csv"},
        {
            "status": "shipped",
            "source_file": "file:///in/a.csv",
            "source_modified_at": LATER_UPLOAD,
        },
        {"product_id": "P02", "source_file": "file:///in/z.csv"},
    )
    assert latest == [
        ("P01", "shipped", "file:///in/a.csv"),
        ("P02", "delivered", "file:///in/z.csv"),
    ]


def test_equal_upload_times_fall_back_to_the_later_path(spark: SparkSession) -> None:
    latest = _latest(
        spark,
        {"status": "shipped", "source_file": "file:///in/2026-11-22.csv"},
        {"status": "pending", "source_file": "file:///in/2026-11-20.csv"},
    )
    assert latest == [("P01", "shipped", "file:///in/2026-11-22.csv")]


def test_a_rejected_newer_line_leaves_the_older_valid_one_latest(spark: SparkSession) -> None:
    latest = _latest(
        spark,
        {"status": "pending", "source_file": "file:///in/a.csv"},
        {"quantity": "0", "source_file": "file:///in/b.csv", "source_modified_at": LATER_UPLOAD},
    )
    assert latest == [("P01", "pending", "file:///in/a.csv")]


def test_the_first_of_a_files_repeats_is_its_latest_not_the_duplicate(spark: SparkSession) -> None:
    latest = _latest(
        spark,
        {"status": "pending", "source_file": "file:///in/a.csv"},
        {
            "status": "shipped",
            "source_file": "file:///in/b.csv",
            "source_modified_at": LATER_UPLOAD,
        },
        {
            "status": "cancelled",
            "source_file": "file:///in/b.csv",
            "source_modified_at": LATER_UPLOAD,
        },
    )
    assert latest == [("P01", "shipped", "file:///in/b.csv")]


def test_repeats_are_found_per_file_when_files_interleave_in_version_order(
    spark: SparkSession,
) -> None:
    reasons = _reasons(
        spark,
        {"source_file": "file:///in/a.csv"},
        {"source_file": "file:///in/b.csv", "source_modified_at": LATER_UPLOAD},
        {"source_file": "file:///in/a.csv"},
        {"source_file": "file:///in/b.csv", "source_modified_at": LATER_UPLOAD},
        {"quantity": "0", "source_file": "file:///in/b.csv", "source_modified_at": LATER_UPLOAD},
    )
    assert reasons == [
        (0, None),
        (1, None),
        (2, "duplicate_key"),
        (3, "duplicate_key"),
        (4, "invalid_quantity"),
    ]
