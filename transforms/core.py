"""Core: the ``orders`` table, one row per order line ``(order_id, product_id)``.

A re-sent line is a status update, not a new sale: the version from the most recently
ingested file wins (files of one run in path order), and it replaces the old version
wherever it lives, even in another ``order_date``/``channel`` partition.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from transforms.contract import ORDER_KEY
from transforms.schemas import ORDERS_PARTITIONS, ORDERS_SCHEMA

ORDERS_COLUMNS = tuple(ORDERS_SCHEMA.fieldNames())
# What makes two versions of a line the same version (everything but when it arrived).
VERSION_COLUMNS = tuple(c for c in ORDERS_COLUMNS if c != "ingested_at")


def latest_line_per_key(lines: DataFrame) -> DataFrame:
    """Of one run's valid lines, keep each key's line from the last file in path order."""
    newest_file_first = Window.partitionBy(*ORDER_KEY).orderBy(F.col("source_file").desc())
    return (
        lines.withColumn("_rank", F.row_number().over(newest_file_first))
        .where(F.col("_rank") == 1)
        .select(*ORDERS_COLUMNS)
    )


def touched_partitions(existing_keys: DataFrame) -> Callable[[DataFrame], DataFrame]:
    """Partitions an upsert must rewrite: where incoming lines go, and where they leave."""

    def _touched(incoming: DataFrame) -> DataFrame:
        leaving = existing_keys.join(
            incoming.select(*ORDER_KEY), on=list(ORDER_KEY), how="left_semi"
        )
        return (
            incoming.select(*ORDERS_PARTITIONS)
            .unionByName(leaving.select(*ORDERS_PARTITIONS))
            .distinct()
        )

    return _touched


def upsert_orders(existing: DataFrame) -> Callable[[DataFrame], DataFrame]:
    """Merge incoming lines into the existing rows of the touched partitions.

    A line re-sent unchanged keeps its first ``ingested_at``, so a re-run rewrites
    the same content.
    """

    def _upsert(incoming: DataFrame) -> DataFrame:
        kept = existing.join(incoming.select(*ORDER_KEY), on=list(ORDER_KEY), how="left_anti")
        first_seen = existing.select(*VERSION_COLUMNS, F.col("ingested_at").alias("_first_seen"))
        resolved = incoming.join(first_seen, on=list(VERSION_COLUMNS), how="left").withColumn(
            "ingested_at", F.coalesce("_first_seen", "ingested_at")
        )
        return kept.select(*ORDERS_COLUMNS).unionByName(resolved.select(*ORDERS_COLUMNS))

    return _upsert
