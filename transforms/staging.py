"""Staging: trim, normalise, validate and type raw order rows.

Grain: one row per record read (a record may span lines; blank lines are not records).
Nothing is dropped here: each row leaves either valid (``reject_reason`` null) or
rejected with its reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from contract.orders import DUPLICATE_KEY, FIRST_ORDER_DATE, ORDER_KEY, REQUIRED_COLUMNS
from transforms.rules import failed_reasons, parsed_values, row_rules
from transforms.versions import newest_first

# What the reader hands to staging: one row per record (a record may span several lines,
# blank lines are not records), the required columns as raw strings, plus lineage:
# - source_row_id: increases with the record's position within its file (the first record
#   has the smallest), on both read paths; comparable only within one file (Spark's
#   monotonically_increasing_id, taken as the file is read; see ``source_records``).
# - source_modified_at: the file's upload time, the version of each of its lines
#   (transforms.versions).
# - read_error: a reason the reader found in the record itself (contract.READ_REASONS),
#   null for a well-formed record.
RAW_ORDERS_SCHEMA: Final = T.StructType(
    [T.StructField(name, T.StringType(), True) for name in REQUIRED_COLUMNS]
    + [
        T.StructField("source_file", T.StringType(), True),
        T.StructField("source_modified_at", T.TimestampType(), True),
        T.StructField("source_delimiter", T.StringType(), True),
        T.StructField("source_row_id", T.LongType(), True),
        T.StructField("read_error", T.StringType(), True),
    ]
)

# Parsed once by the rules, reused for the typed output (dropped by ``with_typed_values``).
PARSED_COLUMNS = {"quantity": "_quantity", "unit_price": "_unit_price", "order_date": "_order_date"}

STAGED_COLUMNS = (
    "raw",
    *REQUIRED_COLUMNS,
    "source_file",
    "source_modified_at",
    "source_row_id",
    "reject_reason",
    "reject_reasons",
    "is_latest",
    "ingested_at",
)


def with_trimmed_values(raw: DataFrame) -> DataFrame:
    """Keep the raw strings for quarantine; validate the trimmed ones."""
    return raw.select(
        F.struct(*REQUIRED_COLUMNS).alias("raw"),
        *[F.trim(F.col(c)).alias(c) for c in REQUIRED_COLUMNS],
        "source_file",
        "source_modified_at",
        "source_delimiter",
        "source_row_id",
        "read_error",
    )


def read_error_first(reasons: Column) -> Column:
    """The reader's reason for a malformed record (``read_error``) ahead of the rule reasons."""
    read_error = F.array(F.coalesce(F.col("read_error"), F.lit("")))
    return F.when(F.col("read_error").isNull(), reasons).otherwise(F.concat(read_error, reasons))


def with_rule_reasons(
    run_date: dt.date, first_order_date: dt.date = FIRST_ORDER_DATE
) -> Callable[[DataFrame], DataFrame]:
    """Adds ``reject_reasons`` and the parsed values (``PARSED_COLUMNS``) they were checked on."""

    def _apply(df: DataFrame) -> DataFrame:
        parsed = df.select(
            "*", *[e.alias(PARSED_COLUMNS[name]) for name, e in parsed_values().items()]
        )
        columns = {name: F.col(column) for name, column in PARSED_COLUMNS.items()}
        reasons = failed_reasons(row_rules(run_date, columns, first_order_date))
        return parsed.withColumn("reject_reasons", read_error_first(reasons))

    return _apply


def with_key_versions(df: DataFrame) -> DataFrame:
    """Reject otherwise-valid repeats of a key within one file (the first line wins:
    ``duplicate_key``) and mark each key's newest valid line of the run (``is_latest``,
    by ``versions.newest_first``): what the upsert merges.

    One shuffle by the order key and one sort answer both: valid rows first, newest file
    first, then by position, so a file's valid lines of a key are adjacent and its first
    one leads; the newest file's first valid line is the key's latest.
    """
    is_clean = F.col("_is_clean")
    versions = Window.partitionBy(*ORDER_KEY).orderBy(
        is_clean.desc(), *newest_first(), F.col("source_row_id")
    )
    same_file_before = (
        is_clean
        & F.lag("_is_clean").over(versions)
        & (F.lag("source_file").over(versions) == F.col("source_file"))
    )
    is_repeat = F.coalesce(same_file_before, F.lit(False))
    return (
        df.repartition(*ORDER_KEY)
        .withColumn("_is_clean", F.size("reject_reasons") == 0)
        .withColumns(
            {
                "reject_reasons": F.when(is_repeat, F.array(F.lit(DUPLICATE_KEY))).otherwise(
                    F.col("reject_reasons")
                ),
                "is_latest": is_clean & (F.row_number().over(versions) == 1),
            }
        )
        .drop("_is_clean")
    )


def with_typed_values(df: DataFrame) -> DataFrame:
    """Typed values for valid rows only; rejected rows keep nulls there."""
    is_valid = F.size("reject_reasons") == 0
    return df.select(
        "raw",
        "order_id",
        "client_id",
        "product_id",
        F.when(is_valid, F.lower("channel")).alias("channel"),
        F.when(is_valid, F.col(PARSED_COLUMNS["quantity"])).alias("quantity"),
        F.when(is_valid, F.col(PARSED_COLUMNS["unit_price"])).alias("unit_price"),
        F.when(is_valid, F.lower("status")).alias("status"),
        F.when(is_valid, F.col(PARSED_COLUMNS["order_date"])).alias("order_date"),
        "source_file",
        "source_modified_at",
        "source_row_id",
        F.when(~is_valid, F.col("reject_reasons")[0]).alias("reject_reason"),
        "reject_reasons",
        "is_latest",
    )


def stage_orders(
    run_date: dt.date, ingested_at: dt.datetime, first_order_date: dt.date = FIRST_ORDER_DATE
) -> Callable[[DataFrame], DataFrame]:
    """Raw rows (``RAW_ORDERS_SCHEMA``) -> every row validated, typed where valid; order
    dates are accepted from ``first_order_date`` to the run date + MAX_DAYS_AHEAD."""

    def _stage(raw: DataFrame) -> DataFrame:
        return (
            raw.transform(with_trimmed_values)
            .transform(with_rule_reasons(run_date, first_order_date))
            .transform(with_key_versions)
            .transform(with_typed_values)
            .withColumn("ingested_at", F.lit(ingested_at).cast("timestamp"))
            .select(*STAGED_COLUMNS)
        )

    return _stage


def kept_for_run(staged: DataFrame) -> DataFrame:
    """What a run keeps (caches) of its staged rows: raw values only where a row is rejected
    (only quarantine reads them). Halves the cached size of a valid row."""
    is_rejected = F.col("reject_reason").isNotNull()
    return staged.select(
        F.when(is_rejected, F.col("raw")).alias("raw"),
        *[c for c in STAGED_COLUMNS if c != "raw"],
    )


def valid_lines(staged: DataFrame) -> DataFrame:
    """Valid order lines with their net amount, as ``orders`` rows."""
    return staged.where(F.col("reject_reason").isNull()).select(
        "order_id",
        "client_id",
        "product_id",
        "quantity",
        "unit_price",
        (F.col("quantity") * F.col("unit_price")).cast("decimal(18,2)").alias("line_total"),
        "status",
        "source_file",
        "source_modified_at",
        "ingested_at",
        "order_date",
        "channel",
    )


def latest_lines(staged: DataFrame) -> DataFrame:
    """Each key's newest valid line of the run (``is_latest``), as ``orders`` rows."""
    return staged.where(F.col("is_latest")).transform(valid_lines)


# ``source_row_id`` is Spark's monotonically_increasing_id: the read partition's index in
# the upper 31 bits, the row's number within that partition in the lower 33 (pyspark's
# ``monotonically_increasing_id`` documentation). Both read paths take it after blank
# records are gone, so a file's ids within one partition are consecutive, apart from the
# header's on the record-by-record path, which the smallest staged id of each piece skips.
_ROW_BITS = 33


def _read_piece(row_id: Column) -> Column:
    return F.shiftright(row_id, _ROW_BITS)


def _number_in_piece(row_id: Column) -> Column:
    return row_id.bitwiseAND(F.lit((1 << _ROW_BITS) - 1))


def source_records(staged: DataFrame) -> DataFrame:
    """``source_record``, each row's position among its file's records (1 for the first
    record after the header): its number within its read piece plus the records of the
    file's earlier pieces. One small aggregate per (file, piece), no sort of the rows."""
    row_id = F.col("source_row_id")
    pieces = staged.groupBy("source_file", _read_piece(row_id).alias("_piece")).agg(
        F.count(F.lit(1)).alias("_records"), F.min(_number_in_piece(row_id)).alias("_first")
    )
    earlier = (
        Window.partitionBy("source_file")
        .orderBy("_piece")
        .rowsBetween(Window.unboundedPreceding, -1)
    )
    offsets = pieces.select(
        "source_file",
        "_piece",
        (F.coalesce(F.sum("_records").over(earlier), F.lit(0)) - F.col("_first") + 1).alias(
            "_offset"
        ),
    )
    return (
        staged.withColumn("_piece", _read_piece(row_id))
        .join(F.broadcast(offsets), on=["source_file", "_piece"], how="left")
        .withColumn("source_record", _number_in_piece(row_id) + F.col("_offset"))
        .drop("_piece", "_offset")
    )


def rejected_rows(ingest_date: dt.date) -> Callable[[DataFrame], DataFrame]:
    """Rejected rows with their raw values and record numbers, in the ``rejected_orders``
    column order (``staged``: every row of the run, which the record numbers count)."""

    def _rejected(staged: DataFrame) -> DataFrame:
        return (
            staged.transform(source_records)
            .where(F.col("reject_reason").isNotNull())
            .select(
                *[F.col(f"raw.{c}").alias(c) for c in REQUIRED_COLUMNS],
                "reject_reason",
                "reject_reasons",
                "source_file",
                "source_record",
                "ingested_at",
                F.lit(ingest_date).alias("ingest_date"),
            )
        )

    return _rejected
