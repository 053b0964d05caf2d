"""Spark reads of a table's current version: the files its manifests name, no listing of
data folders, so a run never sees another run's uncommitted or superseded files."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from table_format.commit import TableStore
from table_format.frames import empty_frame
from table_format.spec import TableSpec
from table_format.storage import spark_paths


def read_current(
    spark: SparkSession, store: TableStore, table: TableSpec, root: str, relatives: Sequence[str]
) -> DataFrame:
    """The rows of the given partitions (relative paths), partition columns typed from the path."""
    current = store.current_files(root, relatives)
    files = [file for relative in relatives for file in current[relative]]
    return read_files(spark, table, files)


def read_files(spark: SparkSession, table: TableSpec, files: Sequence[str]) -> DataFrame:
    """The rows of ``table``'s data files, partition columns typed from each file's path."""
    if not files:
        return empty_frame(spark, table.schema)
    path = F.col("_metadata.file_path")
    frame = spark.read.schema(table.data_schema).parquet(*spark_paths(files))
    return frame.select(
        *table.data_columns,
        *[
            F.regexp_extract(path, f"/{column}=([^/]+)/", 1)
            .cast(table.partition_type(column))
            .alias(column)
            for column in table.partitions
        ],
    ).select(*table.schema.fieldNames())


def read_written(spark: SparkSession, table: TableSpec, directory: str) -> DataFrame:
    """What a run has written of ``table`` below ``directory``: its new files, not yet
    committed, partitioned by path as Spark writes them (the marts are built from them)."""
    return spark.read.schema(table.schema).parquet(*spark_paths([directory]))
