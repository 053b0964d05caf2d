"""orders: latest version per (order_id, product_id), partition moves, idempotent re-sends."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import SparkSession

from tests.builders import INGESTED_AT, order_row, orders_frame
from transforms.contract import ORDER_KEY
from transforms.core import latest_line_per_key, touched_partitions, upsert_orders
from transforms.schemas import ORDERS_PARTITIONS

LATER = dt.datetime(2026, 11, 29, 6, 0, 0)
DAY1, DAY2 = dt.date(2026, 11, 20), dt.date(2026, 11, 21)


def test_latest_file_in_path_order_wins_within_a_run(spark: SparkSession) -> None:
    lines = orders_frame(
        spark,
        order_row(status="pending", source_file="file:///in/2026-11-20.csv"),
        order_row(status="shipped", source_file="file:///in/2026-11-22.csv"),
        order_row(status="confirmed", source_file="file:///in/2026-11-21.csv"),
        order_row(product_id="P02", source_file="file:///in/2026-11-20.csv"),
    )
    expected = orders_frame(
        spark,
        order_row(status="shipped", source_file="file:///in/2026-11-22.csv"),
        order_row(product_id="P02", source_file="file:///in/2026-11-20.csv"),
    )
    assert_df_equality(latest_line_per_key(lines), expected, ignore_row_order=True)


def test_update_replaces_the_old_version(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row(), order_row(product_id="P02"))
    incoming = orders_frame(
        spark, order_row(status="returned", source_file="file:///in/b.csv", ingested_at=LATER)
    )
    expected = orders_frame(
        spark,
        order_row(product_id="P02"),
        order_row(status="returned", source_file="file:///in/b.csv", ingested_at=LATER),
    )
    assert_df_equality(incoming.transform(upsert_orders(existing)), expected, ignore_row_order=True)


def test_unchanged_resend_keeps_first_ingested_at(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row())
    incoming = orders_frame(spark, order_row(ingested_at=LATER))
    merged = incoming.transform(upsert_orders(existing))
    assert_df_equality(merged, orders_frame(spark, order_row(ingested_at=INGESTED_AT)))


def test_touched_partitions_include_where_a_moved_line_leaves(spark: SparkSession) -> None:
    existing = orders_frame(
        spark,
        order_row(order_date=DAY1, channel="online"),
        order_row(order_id="ORD-9", order_date=DAY1, channel="phone"),
    )
    incoming = orders_frame(spark, order_row(order_date=DAY2, channel="store"))
    keys = existing.select(*ORDER_KEY, *ORDERS_PARTITIONS)
    expected = spark.createDataFrame(
        [(DAY2, "store"), (DAY1, "online")], "order_date date, channel string"
    )
    assert_df_equality(
        incoming.transform(touched_partitions(keys)),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_moved_line_leaves_its_old_partition(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row(order_date=DAY1, channel="online"))
    incoming = orders_frame(spark, order_row(order_date=DAY2, channel="store", ingested_at=LATER))
    merged = incoming.transform(upsert_orders(existing))
    assert_df_equality(
        merged, orders_frame(spark, order_row(order_date=DAY2, channel="store", ingested_at=LATER))
    )
