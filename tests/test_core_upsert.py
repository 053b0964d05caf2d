"""orders: the newest upload's version per (order_id, product_id), partition moves,
idempotent re-sends, and the key index that finds moved lines."""

from __future__ import annotations

import datetime as dt

from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tests.builders import INGESTED_AT, UPLOADED_AT, order_row, orders_frame
from transforms.core import (
    KEY_BUCKETS,
    current_locations,
    incoming_buckets,
    key_bucket,
    key_index_changes,
    key_index_rows,
    located_keys,
    touched_partitions,
    upsert_orders,
)
from transforms.tables import ORDERS_KEY_INDEX
from transforms.versions import upload_time

LATER = dt.datetime(2026, 11, 29, 6, 0, 0)
EARLIER_UPLOAD = UPLOADED_AT - dt.timedelta(hours=3)
LATER_UPLOAD = UPLOADED_AT + dt.timedelta(hours=3)
DAY1, DAY2 = dt.date(2026, 11, 20), dt.date(2026, 11, 21)


def upsert(existing: DataFrame, incoming: DataFrame) -> DataFrame:
    return incoming.transform(upsert_orders, stored=existing)


def test_update_replaces_the_old_version(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row(), order_row(product_id="P02"))
    newer = order_row(
        status="returned",
        source_file="file:///in/b.csv",
        source_modified_at=LATER_UPLOAD,
        ingested_at=LATER,
    )
    expected = orders_frame(spark, order_row(product_id="P02"), newer)
    actual = upsert(existing, orders_frame(spark, newer))
    assert_df_equality(actual, expected, ignore_row_order=True)


def test_older_upload_processed_later_never_overwrites_a_newer_version(
    spark: SparkSession,
) -> None:
    existing = orders_frame(spark, order_row(status="delivered", source_modified_at=LATER_UPLOAD))
    late_but_older = orders_frame(
        spark,
        order_row(
            status="pending",
            source_file="file:///in/z-old.csv",
            source_modified_at=EARLIER_UPLOAD,
            ingested_at=LATER,
            order_date=DAY2,
        ),
    )
    assert_df_equality(upsert(existing, late_but_older), existing)


def test_same_upload_time_later_path_wins_across_runs(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row(status="pending", source_file="file:///in/b.csv"))
    older_path = orders_frame(
        spark, order_row(status="shipped", source_file="file:///in/a.csv", ingested_at=LATER)
    )
    assert_df_equality(upsert(existing, older_path), existing)


def test_unchanged_resend_keeps_first_ingested_at(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row())
    merged = upsert(existing, orders_frame(spark, order_row(ingested_at=LATER)))
    assert_df_equality(merged, orders_frame(spark, order_row(ingested_at=INGESTED_AT)))


def test_a_tie_with_the_stored_version_goes_to_the_incoming_line(spark: SparkSession) -> None:
    """The same file (path and upload time) read again with another value: the run's
    reading wins, as ``upsert_orders`` promises; whichever row Spark met first must not."""
    for stored_status, sent_status in (("pending", "shipped"), ("shipped", "pending")):
        existing = orders_frame(spark, order_row(status=stored_status))
        incoming = orders_frame(spark, order_row(status=sent_status, ingested_at=LATER))
        expected = orders_frame(spark, order_row(status=sent_status, ingested_at=LATER))
        assert_df_equality(upsert(existing, incoming), expected)


def test_moved_line_leaves_its_old_partition(spark: SparkSession) -> None:
    existing = orders_frame(spark, order_row(order_date=DAY1, channel="online"))
    moved = order_row(
        order_date=DAY2, channel="store", source_modified_at=LATER_UPLOAD, ingested_at=LATER
    )
    assert_df_equality(upsert(existing, orders_frame(spark, moved)), orders_frame(spark, moved))


def test_source_modified_at_is_the_files_upload_time(spark: SparkSession) -> None:
    lines = orders_frame(
        spark,
        order_row(source_file="file:///in/a.csv", source_modified_at=None),
        order_row(product_id="P02", source_file="file:///in/b.csv", source_modified_at=None),
    )
    uploaded = {"file:///in/a.csv": EARLIER_UPLOAD, "file:///in/b.csv": LATER_UPLOAD}
    expected = orders_frame(
        spark,
        order_row(source_file="file:///in/a.csv", source_modified_at=EARLIER_UPLOAD),
        order_row(
            product_id="P02", source_file="file:///in/b.csv", source_modified_at=LATER_UPLOAD
        ),
    )
    actual = lines.withColumn("source_modified_at", upload_time(uploaded))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def index_frame(spark: SparkSession, orders: DataFrame) -> DataFrame:
    return spark.createDataFrame(
        orders.transform(key_index_rows).collect(), ORDERS_KEY_INDEX.schema
    )


def test_key_index_buckets_are_in_range_and_stable(spark: SparkSession) -> None:
    orders = orders_frame(spark, *[order_row(order_id=f"ORD-{n}") for n in range(50)])
    first = index_frame(spark, orders).collect()
    assert {r["key_bucket"] for r in first} <= set(range(KEY_BUCKETS))
    assert len({r["key_bucket"] for r in first}) > 1
    assert first == index_frame(spark, orders).collect()


def test_touched_partitions_include_where_a_moved_line_leaves(spark: SparkSession) -> None:
    existing = orders_frame(
        spark,
        order_row(order_date=DAY1, channel="online"),
        order_row(order_id="ORD-9", order_date=DAY1, channel="phone"),
    )
    incoming = orders_frame(spark, order_row(order_date=DAY2, channel="store"))
    expected = spark.createDataFrame(
        [(DAY2, "store"), (DAY1, "online")], "order_date date, channel string"
    )
    assert_df_equality(
        incoming.transform(touched_partitions, index=index_frame(spark, existing)),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def bucket_of(spark: SparkSession, order_id: str, product_id: str = "P01") -> int:
    row = spark.range(1).select(key_bucket(F.lit(order_id), F.lit(product_id))).first()
    assert row is not None
    return int(row[0])


def test_a_keys_newest_index_entry_is_its_location(spark: SparkSession) -> None:
    old = order_row(order_date=DAY1, source_modified_at=EARLIER_UPLOAD)
    new = order_row(order_date=DAY2, channel="store", source_modified_at=LATER_UPLOAD)
    legacy = order_row(order_date=DAY1, channel="phone", source_modified_at=None)
    index = index_frame(spark, orders_frame(spark, new, old, legacy))
    expected = index_frame(spark, orders_frame(spark, new))
    assert_df_equality(current_locations(index), expected, ignore_nullable=True)


def test_touched_partitions_ignore_where_a_line_used_to_live(spark: SparkSession) -> None:
    index = index_frame(
        spark,
        orders_frame(
            spark,
            order_row(order_date=DAY1, channel="phone", source_modified_at=EARLIER_UPLOAD),
            order_row(order_date=DAY1, channel="online", source_modified_at=UPLOADED_AT),
        ),
    )
    incoming = orders_frame(spark, order_row(order_date=DAY2, source_modified_at=LATER_UPLOAD))
    expected = spark.createDataFrame(
        [(DAY2, "online"), (DAY1, "online")], "order_date date, channel string"
    )
    assert_df_equality(
        incoming.transform(touched_partitions, index=index),
        expected,
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_key_index_gets_only_the_incoming_keys_appended(spark: SparkSession) -> None:
    moved = order_row(order_date=DAY2, channel="store", source_modified_at=LATER_UPLOAD)
    other = order_row(order_id="ORD-9", order_date=DAY1, channel="phone")
    incoming = orders_frame(spark, moved)
    located = index_frame(spark, orders_frame(spark, order_row(order_date=DAY1), other)).transform(
        located_keys, incoming=incoming
    )
    actual = located.transform(key_index_changes, incoming=incoming, located=located, compact=[])
    expected = index_frame(spark, orders_frame(spark, moved))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_key_index_gets_nothing_for_a_resent_version(spark: SparkSession) -> None:
    stored = order_row(order_date=DAY1)
    located = index_frame(spark, orders_frame(spark, stored))
    incoming = orders_frame(spark, stored)
    actual = located.transform(key_index_changes, incoming=incoming, located=located, compact=[])
    assert actual.collect() == []


def test_key_index_gets_nothing_for_a_version_older_than_the_stored_one(
    spark: SparkSession,
) -> None:
    stored = order_row(order_date=DAY1, source_modified_at=LATER_UPLOAD)
    located = index_frame(spark, orders_frame(spark, stored))
    late = order_row(order_date=DAY2, channel="store", source_modified_at=EARLIER_UPLOAD)
    incoming = orders_frame(spark, late)
    assert incoming.transform(upsert_orders, stored=orders_frame(spark, stored)).collect() == [
        orders_frame(spark, stored).collect()[0]
    ]  # the stored line wins the upsert, so its entry stands
    actual = located.transform(key_index_changes, incoming=incoming, located=located, compact=[])
    assert actual.collect() == []


def test_key_index_gets_the_incoming_entry_on_a_tie_as_the_upsert_does(
    spark: SparkSession,
) -> None:
    stored = order_row(order_date=DAY1)
    located = index_frame(spark, orders_frame(spark, stored))
    same_file_again = order_row(order_date=DAY2, channel="store")
    incoming = orders_frame(spark, same_file_again)
    actual = located.transform(key_index_changes, incoming=incoming, located=located, compact=[])
    expected = index_frame(spark, incoming)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_key_index_compaction_keeps_one_current_entry_per_key(spark: SparkSession) -> None:
    was = order_row(order_date=DAY1, source_modified_at=EARLIER_UPLOAD)
    moved = order_row(order_date=DAY2, channel="store", source_modified_at=LATER_UPLOAD)
    kept = order_row(product_id="P02", order_date=DAY1)
    stale_kept = order_row(product_id="P02", order_date=DAY2, source_modified_at=EARLIER_UPLOAD)
    buckets = [bucket_of(spark, "ORD-1"), bucket_of(spark, "ORD-1", "P02")]
    index = index_frame(spark, orders_frame(spark, was, kept, stale_kept))
    incoming = orders_frame(spark, moved)
    located = index_frame(spark, orders_frame(spark, was))
    actual = index.transform(key_index_changes, incoming=incoming, located=located, compact=buckets)
    expected = index_frame(spark, orders_frame(spark, moved, kept))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_incoming_buckets_are_the_key_index_buckets_of_the_incoming_keys(
    spark: SparkSession,
) -> None:
    resent = order_row(order_id="ORD-1", source_file="file:///in/b.csv")
    incoming = orders_frame(
        spark, order_row(order_id="ORD-1"), resent, order_row(order_id="ORD-2", product_id="P07")
    )
    buckets = incoming_buckets(incoming)
    assert buckets.columns == ["key_bucket"]
    index = index_frame(spark, incoming).collect()
    assert len(index) == 3  # a re-sent line's key counts once below
    by_key = {(r["order_id"], r["product_id"]): r["key_bucket"] for r in index}
    assert sorted(r["key_bucket"] for r in buckets.collect()) == sorted(set(by_key.values()))
