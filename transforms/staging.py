"""Staging: trim, normalise, validate and type raw order rows.

Grain: one row per record read (a record may span lines; blank lines are not records).
Nothing is dropped here: each row leaves either valid (``reject_reason`` null) or
rejected with its reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.contract import DUPLICATE_KEY, ORDER_KEY, REQUIRED_COLUMNS
from transforms.rules import failed_reasons, parsed_values, row_rules

# Parsed once by the rules, reused for the typed output (dropped by ``with_typed_values``).
PARSED_COLUMNS = {"quantity": "_quantity", "unit_price": "_unit_price", "order_date": "_order_date"}

STAGED_COLUMNS = (
    "raw",
    *REQUIRED_COLUMNS,
    "source_file",
    "source_row_id",
    "reject_reason",
    "reject_reasons",
    "ingested_at",
)


def with_trimmed_values(raw: DataFrame) -> DataFrame:
    """Keep the raw strings for quarantine; validate the trimmed ones."""
    return raw.select(
        F.struct(*REQUIRED_COLUMNS).alias("raw"),
        *[F.trim(F.col(c)).alias(c) for c in REQUIRED_COLUMNS],
        "source_file",
        "source_delimiter",
        "source_row_id",
        "read_error",
    )


def read_error_first(reasons: Column) -> Column:
    """The reader's reason for a malformed record (``read_error``) ahead of the rule reasons."""
    read_error = F.array(F.coalesce(F.col("read_error"), F.lit("")))
    return F.when(F.col("read_error").isNull(), reasons).otherwise(F.concat(read_error, reasons))


def with_rule_reasons(run_date: dt.date) -> Callable[[DataFrame], DataFrame]:
    """Adds ``reject_reasons`` and the parsed values (``PARSED_COLUMNS``) they were checked on."""

    def _apply(df: DataFrame) -> DataFrame:
        parsed = df.select(
            "*", *[e.alias(PARSED_COLUMNS[name]) for name, e in parsed_values().items()]
        )
        columns = {name: F.col(column) for name, column in PARSED_COLUMNS.items()}
        reasons = failed_reasons(row_rules(run_date, columns))
        return parsed.withColumn("reject_reasons", read_error_first(reasons))

    return _apply


def with_duplicate_key(df: DataFrame) -> DataFrame:
    """Reject otherwise-valid repeats of a key within one file; the first line wins.

    Rows are shuffled by the order key alone, which this window and the later
    latest-version-per-key window (``core.latest_line_per_key``) both accept: one shuffle.
    """
    is_clean = F.size("reject_reasons") == 0
    first_wins = Window.partitionBy("source_file", *ORDER_KEY, is_clean).orderBy("source_row_id")
    is_repeat = is_clean & (F.row_number().over(first_wins) > 1)
    return df.repartition(*ORDER_KEY).withColumn(
        "reject_reasons",
        F.when(is_repeat, F.array(F.lit(DUPLICATE_KEY))).otherwise(F.col("reject_reasons")),
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
        "source_row_id",
        F.when(~is_valid, F.col("reject_reasons")[0]).alias("reject_reason"),
        "reject_reasons",
    )


def stage_orders(run_date: dt.date, ingested_at: dt.datetime) -> Callable[[DataFrame], DataFrame]:
    """Raw rows (``RAW_ORDERS_SCHEMA``) -> every row validated, typed where valid."""

    def _stage(raw: DataFrame) -> DataFrame:
        return (
            raw.transform(with_trimmed_values)
            .transform(with_rule_reasons(run_date))
            .transform(with_duplicate_key)
            .transform(with_typed_values)
            .withColumn("ingested_at", F.lit(ingested_at).cast("timestamp"))
            .select(*STAGED_COLUMNS)
        )

    return _stage


def kept_for_run(staged: DataFrame) -> DataFrame:
    """What a run keeps (caches) of its staged rows: raw values only where a row is rejected
    (only quarantine reads them), no row ids. Halves the cached size of a valid row."""
    is_rejected = F.col("reject_reason").isNotNull()
    return staged.select(
        F.when(is_rejected, F.col("raw")).alias("raw"),
        *[c for c in STAGED_COLUMNS if c not in ("raw", "source_row_id")],
    )


def valid_lines(staged: DataFrame) -> DataFrame:
    """Valid order lines with their net amount, in the ``orders`` column order."""
    return staged.where(F.col("reject_reason").isNull()).select(
        "order_id",
        "client_id",
        "product_id",
        "quantity",
        "unit_price",
        (F.col("quantity") * F.col("unit_price")).cast("decimal(18,2)").alias("line_total"),
        "status",
        "source_file",
        "ingested_at",
        "order_date",
        "channel",
    )


def rejected_rows(ingest_date: dt.date) -> Callable[[DataFrame], DataFrame]:
    """Rejected rows with their raw values, in the ``rejected_orders`` column order."""

    def _rejected(staged: DataFrame) -> DataFrame:
        return staged.where(F.col("reject_reason").isNotNull()).select(
            *[F.col(f"raw.{c}").alias(c) for c in REQUIRED_COLUMNS],
            "reject_reason",
            "reject_reasons",
            "source_file",
            "ingested_at",
            F.lit(ingest_date).alias("ingest_date"),
        )

    return _rejected
