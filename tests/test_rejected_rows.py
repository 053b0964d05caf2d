"""rejected_orders: a re-ingested file's rejects replace its earlier ones of the same day."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import SparkSession

from tests.builders import RUN_DATE
from transforms.rejected import merge_rejected
from transforms.tables import REJECTED_ORDERS

FIRST = dt.datetime(2026, 11, 28, 6, 0)
AGAIN = dt.datetime(2026, 11, 28, 9, 0)


def _reject(source_file: str, order_id: str, at: dt.datetime) -> tuple:
    return (
        order_id,
        "C1",
        "P1",
        "fax",
        "1",
        "1.00",
        "pending",
        "2026-11-20",
        "unknown_channel",
        ["unknown_channel"],
        source_file,
        1,
        at,
        RUN_DATE,
    )


def test_rerun_of_same_file_replaces_its_rejects_and_keeps_first_ingested_at(
    spark: SparkSession,
) -> None:
    existing = spark.createDataFrame(
        [_reject("file:///a.csv", "O1", FIRST), _reject("file:///b.csv", "O2", FIRST)],
        REJECTED_ORDERS.schema,
    )
    run_files = spark.createDataFrame([("file:///a.csv",)], "source_file string")
    new = spark.createDataFrame([_reject("file:///a.csv", "O1", AGAIN)], REJECTED_ORDERS.schema)
    expected = spark.createDataFrame(
        [_reject("file:///b.csv", "O2", FIRST), _reject("file:///a.csv", "O1", FIRST)],
        REJECTED_ORDERS.schema,
    )
    assert_df_equality(
        new.transform(merge_rejected, existing=existing, run_files=run_files),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_file_fixed_on_resend_loses_its_old_rejects(spark: SparkSession) -> None:
    existing = spark.createDataFrame(
        [_reject("file:///a.csv", "O1", FIRST)], REJECTED_ORDERS.schema
    )
    run_files = spark.createDataFrame([("file:///a.csv",)], "source_file string")
    new = spark.createDataFrame([], REJECTED_ORDERS.schema)
    assert new.transform(merge_rejected, existing=existing, run_files=run_files).count() == 0


def test_a_first_seen_files_rejects_join_the_others_with_their_own_ingested_at(
    spark: SparkSession,
) -> None:
    existing = spark.createDataFrame(
        [_reject("file:///b.csv", "O2", FIRST)], REJECTED_ORDERS.schema
    )
    run_files = spark.createDataFrame([("file:///c.csv",)], "source_file string")
    new = spark.createDataFrame([_reject("file:///c.csv", "O3", AGAIN)], REJECTED_ORDERS.schema)
    expected = spark.createDataFrame(
        [_reject("file:///b.csv", "O2", FIRST), _reject("file:///c.csv", "O3", AGAIN)],
        REJECTED_ORDERS.schema,
    )
    assert_df_equality(
        new.transform(merge_rejected, existing=existing, run_files=run_files),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )
