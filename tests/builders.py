"""Tiny inline DataFrames for transform tests (a valid raw row plus what a test changes), and
the one way tests read a job's output tables (``read_output_table``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from tests.output import table_frame
from transforms.staging import RAW_ORDERS_SCHEMA
from transforms.tables import ORDERS

RUN_DATE = dt.date(2026, 11, 28)
INGESTED_AT = dt.datetime(2026, 11, 28, 6, 0, 0)
UPLOADED_AT = dt.datetime(2026, 11, 28, 5, 0, 0)

VALID_RAW: dict[str, Any] = {
    "order_id": "ORD-1",
    "client_id": "C001",
    "product_id": "P01",
    "channel": "online",
    "quantity": "2",
    "unit_price": "3.50",
    "status": "delivered",
    "order_date": "2026-11-20",
    "source_file": "file:///in/a.csv",
    "source_modified_at": UPLOADED_AT,
    "source_delimiter": ",",
    "source_row_id": 0,
    "read_error": None,
}


def raw_frame(spark: SparkSession, *changes: dict[str, Any]) -> DataFrame:
    """One raw row per ``changes`` dict, each a valid row with those fields replaced."""
    rows = []
    for position, change in enumerate(changes):
        row = {**VALID_RAW, "source_row_id": position, **change}
        rows.append(tuple(row[f] for f in RAW_ORDERS_SCHEMA.fieldNames()))
    return spark.createDataFrame(rows, RAW_ORDERS_SCHEMA)


def order_row(**changes: Any) -> tuple[Any, ...]:
    """A typed ``orders`` row: a valid line with the given fields replaced."""
    row: dict[str, Any] = {
        "order_id": "ORD-1",
        "client_id": "C001",
        "product_id": "P01",
        "quantity": 2,
        "unit_price": Decimal("3.50"),
        "line_total": None,
        "status": "delivered",
        "source_file": "file:///in/a.csv",
        "source_modified_at": UPLOADED_AT,
        "ingested_at": INGESTED_AT,
        "order_date": dt.date(2026, 11, 20),
        "channel": "online",
        **changes,
    }
    if row["line_total"] is None:
        row["line_total"] = (row["unit_price"] * row["quantity"]).quantize(Decimal("0.01"))
    return tuple(row[f] for f in ORDERS.schema.fieldNames())


def orders_frame(spark: SparkSession, *rows: tuple[Any, ...]) -> DataFrame:
    return spark.createDataFrame(list(rows), ORDERS.schema)


def read_output_table(spark: SparkSession, output_dir: Path | str, table_name: str) -> DataFrame:
    """The current rows of one job output table (what its manifests list).

    Every test that reads a table the job wrote goes through here (or ``tests.output``), so
    the storage layout is known in one place. ``output_dir`` is the table's parent folder
    (``--output_path``, or the parent of ``--rejected_path`` with ``table_name`` its last part).
    """
    return table_frame(spark, Path(output_dir), table_name)
