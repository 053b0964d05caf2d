"""Reader: find the input files, sniff each header, read the loadable records as strings.

A record is a record however many lines it spans (RFC 4180 quoted line breaks). Files
with none, found by one cheap quote scan (``job.records``), are read line by line,
split across tasks; the others record by record (``multiLine``, one task per file). Files
with the same delimiter and header layout are read together, one scan per layout and path.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from contract.header import inspect_header, required_positions
from contract.orders import (
    CSV_EXTENSION,
    FILE_OK,
    FILE_REJECTED,
    FILE_SKIPPED,
    HEADER_MAX_BYTES,
    NOT_CSV,
    REQUIRED_COLUMNS,
    UNREADABLE_FILE,
    staged_upload_time,
)
from job.errors import full_text, one_line
from job.records import read_records, scan_quotes
from table_format.frames import empty_frame
from table_format.storage import FileInfo, Storage, spark_paths
from transforms.staging import RAW_ORDERS_SCHEMA
from transforms.versions import upload_time

LINE_OPTIONS = {
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
    uri: str = ""  # the percent-encoded form Spark's input_file_name() returns
    size: int = 0  # bytes, for sizing the run's splits and shuffles
    modified_at: dt.datetime = dt.datetime(1970, 1, 1)  # upload time (UTC): orders versions


def inspect_file(storage: Storage, info: FileInfo) -> InputFile:
    if not info.path.lower().endswith(CSV_EXTENSION):
        return InputFile(info.path, FILE_SKIPPED, NOT_CSV, "only *.csv files are read")
    try:
        head = storage.head(info.path, HEADER_MAX_BYTES) if info.size else b""
    except Exception as err:  # this file's problem (gone, access denied), not the run's
        return unreadable(InputFile(info.path, FILE_OK, uri=info.spark_name), err)
    check = inspect_header(head, complete=info.size <= HEADER_MAX_BYTES)
    if not check.ok:
        return InputFile(info.path, FILE_REJECTED, check.reason, check.detail)
    return InputFile(
        info.path,
        FILE_OK,
        delimiter=check.delimiter,
        columns=check.columns,
        uri=info.spark_name,
        size=info.size,
        modified_at=staged_upload_time(info.path) or info.modified_at,
    )


def inspect_input(storage: Storage, input_path: str) -> list[InputFile]:
    """Every file under ``input_path`` with its verdict, in path order (the apply order)."""
    if not storage.exists(input_path):
        raise FileNotFoundError(f"input path not found: {input_path}")
    return [inspect_file(storage, info) for info in storage.list_files(input_path)]


def unreadable(file: InputFile, err: BaseException) -> InputFile:
    """The file, rejected because reading it failed; the storage error is its detail."""
    return replace(file, status=FILE_REJECTED, reason=UNREADABLE_FILE, detail=one_line(err))


def failed_file(files: list[InputFile], err: BaseException) -> InputFile | None:
    """The loadable file a read error names (Spark names the file it could not read),
    or None when the error is not about one file."""
    text = full_text(err)
    named = [
        f for f in files if f.status == FILE_OK and (f.path in text or (f.uri and f.uri in text))
    ]
    # The longest name first: ``a.csv`` is part of ``a.csv.csv``'s name.
    return max(named, key=lambda f: len(f.path), default=None)


Layout = tuple[str, tuple[str, ...]]  # (delimiter, header tokens)


def source_file(files: list[InputFile]) -> Column:
    """A row's file named as uploaded (``InputFile.path``). Spark's ``input_file_name()``
    percent-encodes it (``Pedidos%20(1).csv``); only names that differ need the lookup."""
    spark_name = F.input_file_name()
    renamed = sorted((f.uri, f.path) for f in files if f.uri and f.uri != f.path)
    if not renamed:
        return spark_name
    lookup = F.create_map(*[F.lit(name) for pair in renamed for name in pair])
    return F.coalesce(lookup[spark_name], spark_name)


def _read_lines(
    spark: SparkSession,
    delimiter: str,
    columns: tuple[str, ...],
    paths: list[str],
    source: Column | None = None,
) -> DataFrame:
    """Line-based read (splittable): one record per non-blank line after the header."""
    file_schema = T.StructType([T.StructField(name, T.StringType()) for name in columns])
    positions = required_positions(columns)
    frame = (
        spark.read.options(**LINE_OPTIONS, sep=delimiter)
        .schema(file_schema)
        .csv(spark_paths(paths))
    )
    frame = frame.toDF(*[f"_c{i}" for i in range(len(columns))])
    return frame.select(
        *[F.col(f"_c{positions[name]}").alias(name) for name in REQUIRED_COLUMNS],
        (F.input_file_name() if source is None else source).alias("source_file"),
        F.lit(delimiter).alias("source_delimiter"),
        # Increases with the line position within each file: the order duplicate_key needs.
        F.monotonically_increasing_id().alias("source_row_id"),
        F.lit(None).cast("string").alias("read_error"),
    )


def _by_layout(files: list[InputFile]) -> dict[Layout, list[str]]:
    layouts: dict[Layout, list[str]] = defaultdict(list)
    for file in files:
        if file.delimiter is not None:
            layouts[(file.delimiter, file.columns)].append(file.path)
    return layouts


def read_raw_orders(spark: SparkSession, files: list[InputFile]) -> DataFrame:
    """Records of the loadable files as ``RAW_ORDERS_SCHEMA``; empty when there are none."""
    loadable = [f for f in files if f.status == FILE_OK and f.delimiter is not None]
    if not loadable:
        return empty_frame(spark, RAW_ORDERS_SCHEMA)
    source = source_file(loadable)
    scans = scan_quotes(spark, [f.path for f in loadable], source)
    by_lines = _by_layout([f for f in loadable if f.path not in scans])
    by_records = _by_layout([f for f in loadable if f.path in scans])
    unterminated = {path for path, scan in scans.items() if scan.has_unterminated_quote}
    frames = [_read_lines(spark, d, cols, paths, source) for (d, cols), paths in by_lines.items()]
    frames += [
        read_records(spark, d, cols, paths, unterminated & set(paths), source)
        for (d, cols), paths in by_records.items()
    ]
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    uploaded = upload_time({f.path: f.modified_at for f in loadable})
    return union.withColumn("source_modified_at", uploaded).select(*RAW_ORDERS_SCHEMA.fieldNames())
