"""Core: the ``orders`` table, one row per order line ``(order_id, product_id)``.

A re-sent line is a status update, not a new sale: the newer version wins
(``transforms.versions``; staging has kept a run's newest line per key). The winner
replaces the old version wherever it lives, even in another partition.

``orders_key_index`` maps each key to its partition, bucketed by a hash of the key, so a
run reads only the buckets of its incoming keys to find the lines it moves. A run appends
its keys' new locations to their buckets instead of rewriting them (the write is as big as
the input, not the history); each entry carries the version it points to, so the newest
entry of a key is its current location, and a bucket is compacted to one entry per key
once it holds ``INDEX_COMPACT_FILES`` files.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from contract.orders import ORDER_KEY
from transforms.tables import ORDERS, ORDERS_KEY_INDEX
from transforms.versions import is_newer_or_same, newest_first, version

ORDERS_COLUMNS = tuple(ORDERS.schema.fieldNames())
KEY_INDEX_COLUMNS = tuple(ORDERS_KEY_INDEX.schema.fieldNames())
# What makes two versions of a line the same version (everything but when it arrived).
VERSION_COLUMNS = tuple(c for c in ORDERS_COLUMNS if c != "ingested_at")
# Buckets of the key index: a run reads at most this many small files to find moves.
KEY_BUCKETS = 64
# A bucket with this many files is rewritten with one entry per key by the run touching it.
INDEX_COMPACT_FILES = 16


def key_bucket(order_id: Column, product_id: Column) -> Column:
    """Stable across runs and Spark versions (xxhash64 of the key)."""
    return F.pmod(F.xxhash64(order_id, product_id), F.lit(KEY_BUCKETS)).cast("int")


def incoming_buckets(incoming: DataFrame) -> DataFrame:
    """The key-index buckets a run's lines fall in (one ``key_bucket`` column)."""
    return incoming.select(
        key_bucket(F.col("order_id"), F.col("product_id")).alias("key_bucket")
    ).distinct()


def current_locations(index: DataFrame) -> DataFrame:
    """Each key's newest key-index entry: where its current version lives."""
    newest = Window.partitionBy(*ORDER_KEY).orderBy(*newest_first())
    return (
        index.withColumn("_rank", F.row_number().over(newest))
        .where(F.col("_rank") == 1)
        .select(*KEY_INDEX_COLUMNS)
    )


def located_keys(index: DataFrame, *, incoming: DataFrame) -> DataFrame:
    """The current key-index entry of each ``incoming`` key that is already stored
    (``index``: the entries of the incoming keys' buckets)."""
    keys = incoming.select(*ORDER_KEY)
    return current_locations(index.join(keys, on=list(ORDER_KEY), how="left_semi"))


def touched_partitions(incoming: DataFrame, *, index: DataFrame) -> DataFrame:
    """Partitions an upsert must rewrite: where incoming lines go, and where they live now
    (``index``: key-index entries of the incoming keys, e.g. their ``located_keys``)."""
    living = index.transform(located_keys, incoming=incoming)
    return (
        incoming.select(*ORDERS.partitions)
        .unionByName(living.select(*ORDERS.partitions))
        .distinct()
    )


def upsert_orders(incoming: DataFrame, *, stored: DataFrame) -> DataFrame:
    """Merge incoming lines into the ``stored`` rows of the touched partitions.

    Per key the newest version wins; on a tie (the same file again) the incoming one. A
    version equal to the stored one keeps its first ``ingested_at``, so a re-run rewrites
    the same content.
    """
    ranked = Window.partitionBy(*ORDER_KEY).orderBy(*newest_first(), F.col("_incoming").desc())
    winners = (
        stored.select(*ORDERS_COLUMNS, F.lit(0).alias("_incoming"))
        .unionByName(incoming.select(*ORDERS_COLUMNS, F.lit(1).alias("_incoming")))
        .withColumn("_rank", F.row_number().over(ranked))
        .where(F.col("_rank") == 1)
    )
    first_seen = stored.select(*VERSION_COLUMNS, F.col("ingested_at").alias("_first_seen"))
    return (
        winners.join(first_seen, on=list(VERSION_COLUMNS), how="left")
        .withColumn("ingested_at", F.coalesce("_first_seen", "ingested_at"))
        .select(*ORDERS_COLUMNS)
    )


def key_index_rows(orders: DataFrame) -> DataFrame:
    """The key-index entries of ``orders`` rows: key, partition, version, bucket."""
    return orders.select(
        *ORDER_KEY,
        *ORDERS.partitions,
        "source_modified_at",
        "source_file",
        key_bucket(F.col("order_id"), F.col("product_id")).alias("key_bucket"),
    ).select(*KEY_INDEX_COLUMNS)


def key_index_changes(
    index: DataFrame, *, incoming: DataFrame, located: DataFrame, compact: Sequence[int]
) -> DataFrame:
    """What a run writes to the key index: for each incoming key whose winning version
    moved or changed, an entry appended to its bucket; the ``compact`` buckets instead
    whole, one entry per key (``index``: the current entries of the ``compact`` buckets).
    A re-run of the same input appends nothing.

    The winner of a key is known without reading the written ``orders`` back: its stored
    version is the one ``located`` names (the key's current entry), so the incoming line
    wins exactly when ``upsert_orders`` ranks it first, and otherwise the key's entry stays.
    """

    stored = located.select(*ORDER_KEY, version().alias("_stored"))
    entries = (
        incoming.join(stored, on=list(ORDER_KEY), how="left")
        .where(is_newer_or_same(version(), F.col("_stored")))
        .transform(key_index_rows)
    )
    changed = entries.join(located, on=list(KEY_INDEX_COLUMNS), how="left_anti")
    in_compacted = F.col("key_bucket").isin(list(compact))
    compacted = current_locations(
        index.where(in_compacted)
        .select(*KEY_INDEX_COLUMNS)
        .unionByName(entries.where(in_compacted))
    )
    return changed.where(~in_compacted).select(*KEY_INDEX_COLUMNS).unionByName(compacted)
