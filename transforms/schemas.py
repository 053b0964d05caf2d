"""Every table's schema, declared once.

Partition columns come last in each table schema and are listed in the matching
``*_PARTITIONS`` tuple; the Parquet files themselves hold only the data columns.
"""

from __future__ import annotations

from typing import Final

from pyspark.sql import types as T

from contract.orders import REQUIRED_COLUMNS

PRICE: Final = T.DecimalType(12, 2)
AMOUNT: Final = T.DecimalType(18, 2)

# What the reader hands to staging: one row per record (a record may span several lines,
# blank lines are not records), the required columns as raw strings, plus lineage:
# - source_row_id: increases with the record's position within its file (the first record
#   has the smallest), on both read paths; comparable only within one file, not
#   consecutive (Spark's monotonically_increasing_id, taken as the file is read).
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

# orders: one row per order line (order_id, product_id), the latest version ingested.
# The day an order is for: the first partition column of orders, the partition of the marts.
ORDER_DATE: Final = "order_date"
ORDERS_PARTITIONS: Final = (ORDER_DATE, "channel")
ORDERS_SCHEMA: Final = T.StructType(
    [
        T.StructField("order_id", T.StringType(), True),
        T.StructField("client_id", T.StringType(), True),
        T.StructField("product_id", T.StringType(), True),
        T.StructField("quantity", T.IntegerType(), True),
        T.StructField("unit_price", PRICE, True),
        T.StructField("line_total", AMOUNT, True),
        T.StructField("status", T.StringType(), True),
        T.StructField("source_file", T.StringType(), True),
        # The source file's upload time (S3 LastModified, a local file's mtime): the order
        # of versions. The newest upload wins, however late it is processed.
        T.StructField("source_modified_at", T.TimestampType(), True),
        T.StructField("ingested_at", T.TimestampType(), True),
        T.StructField("order_date", T.DateType(), True),
        T.StructField("channel", T.StringType(), True),
    ]
)

# orders_key_index: entries naming the orders partition that holds an order line key, with
# the version they point to (a key's newest entry is current; runs append, compaction keeps
# one per key). Bucketed by a hash of the key, so a run reads only its incoming keys' buckets.
KEY_INDEX_PARTITIONS: Final = ("key_bucket",)
KEY_INDEX_SCHEMA: Final = T.StructType(
    [
        T.StructField("order_id", T.StringType(), True),
        T.StructField("product_id", T.StringType(), True),
        T.StructField("order_date", T.DateType(), True),
        T.StructField("channel", T.StringType(), True),
        T.StructField("source_modified_at", T.TimestampType(), True),
        T.StructField("source_file", T.StringType(), True),
        T.StructField("key_bucket", T.IntegerType(), True),
    ]
)

# sales_by_client: one row per client and order_date.
SALES_BY_CLIENT_PARTITIONS: Final = (ORDER_DATE,)
SALES_BY_CLIENT_SCHEMA: Final = T.StructType(
    [
        T.StructField("client_id", T.StringType(), True),
        T.StructField("order_count", T.LongType(), True),
        T.StructField("units", T.LongType(), True),
        T.StructField("revenue", AMOUNT, True),
        T.StructField("order_date", T.DateType(), True),
    ]
)

# sales_by_product_channel: one row per channel, product and order_date.
SALES_BY_PRODUCT_CHANNEL_PARTITIONS: Final = (ORDER_DATE,)
SALES_BY_PRODUCT_CHANNEL_SCHEMA: Final = T.StructType(
    [
        T.StructField("channel", T.StringType(), True),
        T.StructField("product_id", T.StringType(), True),
        T.StructField("order_count", T.LongType(), True),
        T.StructField("units", T.LongType(), True),
        T.StructField("revenue", AMOUNT, True),
        T.StructField("order_date", T.DateType(), True),
    ]
)

# order_status_daily: one row per channel, status and order_date (every status).
ORDER_STATUS_DAILY_PARTITIONS: Final = (ORDER_DATE,)
ORDER_STATUS_DAILY_SCHEMA: Final = T.StructType(
    [
        T.StructField("channel", T.StringType(), True),
        T.StructField("status", T.StringType(), True),
        T.StructField("order_count", T.LongType(), True),
        T.StructField("line_count", T.LongType(), True),
        T.StructField("units", T.LongType(), True),
        T.StructField("amount", AMOUNT, True),
        T.StructField("order_date", T.DateType(), True),
    ]
)

# rejected_orders: one row per rejected input row, raw values kept as read.
REJECTED_ORDERS_PARTITIONS: Final = ("ingest_date",)
REJECTED_ORDERS_SCHEMA: Final = T.StructType(
    [T.StructField(name, T.StringType(), True) for name in REQUIRED_COLUMNS]
    + [
        T.StructField("reject_reason", T.StringType(), True),
        T.StructField("reject_reasons", T.ArrayType(T.StringType(), False), True),
        T.StructField("source_file", T.StringType(), True),
        T.StructField("ingested_at", T.TimestampType(), True),
        T.StructField("ingest_date", T.DateType(), True),
    ]
)
