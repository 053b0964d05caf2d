"""Reader: find the input files, sniff each header, read the loadable rows as strings.

Files with the same delimiter and header layout are read together in one scan, so the
input is read once however many files a run has.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from transforms.contract import (
    CSV_EXTENSION,
    FILE_OK,
    FILE_REJECTED,
    FILE_SKIPPED,
    REQUIRED_COLUMNS,
)
from transforms.frames import empty_frame
from transforms.header import HEAD_BYTES, inspect_header, required_positions
from transforms.schemas import RAW_ORDERS_SCHEMA
from transforms.storage import FileInfo, Storage

CSV_OPTIONS = {
    "header": "true",
    "encoding": "UTF-8",
    "quote": '"',
    "escape": '"',
    "mode": "PERMISSIVE",
    "multiLine": "false",
}


@dataclass(frozen=True)
class InputFile:
    path: str
    status: str  # ok / rejected / skipped
    reason: str | None = None
    detail: str = ""
    delimiter: str | None = None
    columns: tuple[str, ...] = ()
    size: int = 0  # bytes, for sizing the run's splits and shuffles
    modified_at: dt.datetime = dt.datetime(1970, 1, 1)  # upload time (UTC): orders versions


def inspect_file(storage: Storage, info: FileInfo) -> InputFile:
    if not info.path.lower().endswith(CSV_EXTENSION):
        return InputFile(info.path, FILE_SKIPPED, "not_csv", "only *.csv files are read")
    head = storage.head(info.path, HEAD_BYTES) if info.size else b""
    check = inspect_header(head, complete=info.size <= HEAD_BYTES)
    if not check.ok:
        return InputFile(info.path, FILE_REJECTED, check.reason, check.detail)
    return InputFile(
        info.path,
        FILE_OK,
        delimiter=check.delimiter,
        columns=check.columns,
        size=info.size,
        modified_at=info.modified_at,
    )


def inspect_input(storage: Storage, input_path: str) -> list[InputFile]:
    """Every file under ``input_path`` with its verdict, in path order (the apply order)."""
    if not storage.exists(input_path):
        raise FileNotFoundError(f"input path not found: {input_path}")
    return [inspect_file(storage, info) for info in storage.list_files(input_path)]


def _read_layout(
    spark: SparkSession, delimiter: str, columns: tuple[str, ...], paths: list[str]
) -> DataFrame:
    file_schema = T.StructType([T.StructField(name, T.StringType()) for name in columns])
    positions = required_positions(columns)
    frame = spark.read.options(**CSV_OPTIONS, sep=delimiter).schema(file_schema).csv(paths)
    frame = frame.toDF(*[f"_c{i}" for i in range(len(columns))])
    return frame.select(
        *[F.col(f"_c{positions[name]}").alias(name) for name in REQUIRED_COLUMNS],
        F.input_file_name().alias("source_file"),
        F.lit(delimiter).alias("source_delimiter"),
    )


def read_raw_orders(spark: SparkSession, files: list[InputFile]) -> DataFrame:
    """Rows of the loadable files as ``RAW_ORDERS_SCHEMA``; empty when there are none."""
    layouts: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for file in files:
        if file.status == FILE_OK and file.delimiter is not None:
            layouts[(file.delimiter, file.columns)].append(file.path)
    if not layouts:
        return empty_frame(spark, RAW_ORDERS_SCHEMA)
    frames = [_read_layout(spark, d, cols, paths) for (d, cols), paths in layouts.items()]
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    # Increases with the line position within each file: the order duplicate_key needs.
    return union.withColumn("source_row_id", F.monotonically_increasing_id()).select(
        *RAW_ORDERS_SCHEMA.fieldNames()
    )
