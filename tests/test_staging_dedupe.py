"""duplicate_key: an otherwise-valid repeat of (order_id, product_id) in the same file."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from tests.builders import INGESTED_AT, RUN_DATE, raw_frame
from transforms.staging import rejected_rows, stage_orders, valid_lines


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
