"""Every table the job writes, declared once: name, schema, partition columns, grain and
key. The pipeline, the writer, the DDL generator, the local DuckDB and Spark twins and the
deployer all read these; the marts' builds are in ``transforms.marts`` (``MARTS``).

Partition columns come last in each schema; the Parquet files hold only the data columns
(the partition values live in the path, ``table_format.layout``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pyspark.sql import types as T

from contract.orders import ORDER_KEY, REQUIRED_COLUMNS
from table_format.spec import TableSpec
from transforms.versions import VERSION_ORDER

PRICE: Final = T.DecimalType(12, 2)
AMOUNT: Final = T.DecimalType(18, 2)
# The day an order is for: the first partition column of orders, the partition of the marts.
ORDER_DATE: Final = "order_date"


@dataclass(frozen=True)
class Table(TableSpec):
    """A table as the business knows it: the table format's spec plus its grain and key."""

    grain: str
    # The columns that name one row (partition columns included): unique and never null
    # in the table's current version (tests/output.py, ``key_problems``).
    key: tuple[str, ...]
    public: bool = True  # in the Athena database (False: the job's own bookkeeping)


def _fields(*fields: tuple[str, T.DataType]) -> list[T.StructField]:
    return [T.StructField(name, data_type, True) for name, data_type in fields]


STRING, LONG, DATE, TIMESTAMP = T.StringType(), T.LongType(), T.DateType(), T.TimestampType()

ORDERS: Final = Table(
    "orders",
    T.StructType(
        _fields(
            ("order_id", STRING),
            ("client_id", STRING),
            ("product_id", STRING),
            ("quantity", T.IntegerType()),
            ("unit_price", PRICE),
            ("line_total", AMOUNT),
            ("status", STRING),
            ("source_file", STRING),
            # The source file's upload time (S3 LastModified, a local file's mtime): the
            # order of versions. The newest upload wins, however late it is processed.
            ("source_modified_at", TIMESTAMP),
            ("ingested_at", TIMESTAMP),
            (ORDER_DATE, DATE),
            ("channel", STRING),
        )
    ),
    (ORDER_DATE, "channel"),
    "one row per order line (order_id, product_id), the newest upload's version",
    key=ORDER_KEY,
)
SALES_BY_CLIENT: Final = Table(
    "sales_by_client",
    T.StructType(
        _fields(
            ("client_id", STRING),
            ("order_count", LONG),
            ("units", LONG),
            ("revenue", AMOUNT),
            (ORDER_DATE, DATE),
        )
    ),
    (ORDER_DATE,),
    "one row per order_date and client_id; net sales",
    key=(ORDER_DATE, "client_id"),
)
SALES_BY_PRODUCT_CHANNEL: Final = Table(
    "sales_by_product_channel",
    T.StructType(
        _fields(
            ("channel", STRING),
            ("product_id", STRING),
            ("order_count", LONG),
            ("units", LONG),
            ("revenue", AMOUNT),
            (ORDER_DATE, DATE),
        )
    ),
    (ORDER_DATE,),
    "one row per order_date, channel and product_id; net sales",
    key=(ORDER_DATE, "channel", "product_id"),
)
ORDER_STATUS_DAILY: Final = Table(
    "order_status_daily",
    T.StructType(
        _fields(
            ("channel", STRING),
            ("status", STRING),
            ("order_count", LONG),
            ("line_count", LONG),
            ("units", LONG),
            ("amount", AMOUNT),
            (ORDER_DATE, DATE),
        )
    ),
    (ORDER_DATE,),
    "one row per order_date, channel and status; every line counts",
    key=(ORDER_DATE, "channel", "status"),
)
REJECTED_ORDERS: Final = Table(
    "rejected_orders",
    T.StructType(
        _fields(*[(name, STRING) for name in REQUIRED_COLUMNS])
        + _fields(("reject_reason", STRING))
        + [T.StructField("reject_reasons", T.ArrayType(STRING, False), True)]
        + _fields(
            ("source_file", STRING),
            # The record's position in its file: 1 for the first record after the header
            # (a record may span lines; blank lines are not records).
            ("source_record", LONG),
            ("ingested_at", TIMESTAMP),
            ("ingest_date", DATE),
        )
    ),
    ("ingest_date",),
    "one row per rejected input record, raw values as read",
    key=("ingest_date", "source_file", "source_record"),
)
# Entries naming the orders partition that holds an order line key, with the version they
# point to (a key's newest entry is current; runs append, compaction keeps one per key).
# Bucketed by a hash of the key, so a run reads only its incoming keys' buckets.
ORDERS_KEY_INDEX: Final = Table(
    "orders_key_index",
    T.StructType(
        _fields(
            ("order_id", STRING),
            ("product_id", STRING),
            (ORDER_DATE, DATE),
            ("channel", STRING),
            ("source_modified_at", TIMESTAMP),
            ("source_file", STRING),
            ("key_bucket", T.IntegerType()),
        )
    ),
    ("key_bucket",),
    "one entry per order line key and version it pointed to; the newest names the orders "
    "partition that holds the key",
    key=(*ORDER_KEY, *VERSION_ORDER),
    public=False,
)

ALL_TABLES: Final = (
    ORDERS,
    SALES_BY_CLIENT,
    SALES_BY_PRODUCT_CHANNEL,
    ORDER_STATUS_DAILY,
    REJECTED_ORDERS,
    ORDERS_KEY_INDEX,
)
# Every table the job writes, by name.
TABLES: Final = {table.name: table for table in ALL_TABLES}
# The Athena database's tables (and the local twins'), by name.
PUBLIC_TABLES: Final = {table.name: table for table in ALL_TABLES if table.public}
