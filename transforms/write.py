"""Writer: every table is written to a hidden staging folder first, then committed by
swapping only the touched partition folders. A run that fails before the commit leaves
the visible tables as they were (``_``-prefixed folders are ignored by Spark, Hive and
Athena)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from transforms.frames import empty_frame
from transforms.storage import Storage

PartitionValues = tuple[object, ...]  # values as Spark returns them (date, str)


def partition_dir(columns: Sequence[str], values: Sequence[object]) -> str:
    parts = []
    for column, value in zip(columns, values, strict=True):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        parts.append(f"{column}={text}")
    return "/".join(parts)


@dataclass(frozen=True)
class StagedTable:
    """A table's rewritten partitions, waiting in ``staging`` to replace those in ``root``."""

    name: str
    root: str
    staging: str
    columns: tuple[str, ...]
    partitions: tuple[PartitionValues, ...]


def read_table(spark: SparkSession, storage: Storage, root: str, schema: T.StructType) -> DataFrame:
    """The table's current rows with typed partition columns; empty if it does not exist."""
    if not storage.exists(root):
        return empty_frame(spark, schema)
    return spark.read.schema(schema).option("basePath", root).parquet(root)


def write_staging(frame: DataFrame, staging: str, columns: Sequence[str]) -> None:
    """One snappy Parquet file per partition: rows are clustered by partition first."""
    (
        frame.repartition(*columns)
        .write.mode("overwrite")
        .option("compression", "snappy")
        .partitionBy(*columns)
        .parquet(staging)
    )


def commit(storage: Storage, table: StagedTable) -> int:
    """Swap each touched partition in; delete those the run emptied. Returns partitions written."""
    written = 0
    for values in table.partitions:
        relative = partition_dir(table.columns, values)
        live, new = f"{table.root}/{relative}", f"{table.staging}/{relative}"
        storage.delete(live)
        if storage.exists(new):
            storage.move(new, live)
            written += 1
    storage.delete(table.staging)
    storage.delete_if_empty(table.staging.rsplit("/", 1)[0])
    return written
