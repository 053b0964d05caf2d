"""Every table the job writes, declared once: the pipeline, the writer, the DDL generator,
the local DuckDB and Spark twins and the deployer all read this registry.

Adding a daily mart is one :class:`Table` with its ``build`` function and its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from pyspark.sql import DataFrame

from contract.orders import ORDER_KEY
from table_format.spec import TableSpec
from transforms import marts
from transforms.schemas import (
    KEY_INDEX_PARTITIONS,
    KEY_INDEX_SCHEMA,
    ORDER_DATE,
    ORDER_STATUS_DAILY_PARTITIONS,
    ORDER_STATUS_DAILY_SCHEMA,
    ORDERS_PARTITIONS,
    ORDERS_SCHEMA,
    REJECTED_ORDERS_PARTITIONS,
    REJECTED_ORDERS_SCHEMA,
    SALES_BY_CLIENT_PARTITIONS,
    SALES_BY_CLIENT_SCHEMA,
    SALES_BY_PRODUCT_CHANNEL_PARTITIONS,
    SALES_BY_PRODUCT_CHANNEL_SCHEMA,
)
from transforms.versions import VERSION_ORDER


@dataclass(frozen=True)
class Table(TableSpec):
    """A table as the business knows it: the table format's spec plus its grain and key."""

    grain: str = ""
    # The columns that name one row (partition columns included): unique and never null
    # in the table's current version (tests/test_table_keys.py). Empty only for
    # rejected_orders, which keeps every rejected record, identical ones included.
    key: tuple[str, ...] = ()
    build: Callable[[DataFrame], DataFrame] | None = None  # daily marts: orders rows -> mart
    public: bool = True  # in the Athena database (False: the job's own bookkeeping)


ORDERS: Final = Table(
    "orders",
    ORDERS_SCHEMA,
    ORDERS_PARTITIONS,
    "one row per order line (order_id, product_id), the newest upload's version",
    key=ORDER_KEY,
)
SALES_BY_CLIENT: Final = Table(
    "sales_by_client",
    SALES_BY_CLIENT_SCHEMA,
    SALES_BY_CLIENT_PARTITIONS,
    "one row per order_date and client_id; net sales",
    key=(ORDER_DATE, "client_id"),
    build=marts.sales_by_client,
)
SALES_BY_PRODUCT_CHANNEL: Final = Table(
    "sales_by_product_channel",
    SALES_BY_PRODUCT_CHANNEL_SCHEMA,
    SALES_BY_PRODUCT_CHANNEL_PARTITIONS,
    "one row per order_date, channel and product_id; net sales",
    key=(ORDER_DATE, "channel", "product_id"),
    build=marts.sales_by_product_channel,
)
ORDER_STATUS_DAILY: Final = Table(
    "order_status_daily",
    ORDER_STATUS_DAILY_SCHEMA,
    ORDER_STATUS_DAILY_PARTITIONS,
    "one row per order_date, channel and status; every line counts",
    key=(ORDER_DATE, "channel", "status"),
    build=marts.order_status_daily,
)
REJECTED_ORDERS: Final = Table(
    "rejected_orders",
    REJECTED_ORDERS_SCHEMA,
    REJECTED_ORDERS_PARTITIONS,
    "one row per rejected input row, raw values as read",
)
ORDERS_KEY_INDEX: Final = Table(
    "orders_key_index",
    KEY_INDEX_SCHEMA,
    KEY_INDEX_PARTITIONS,
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
# The daily marts, rebuilt for every order_date a run touches.
MARTS: Final = tuple(table for table in ALL_TABLES if table.build is not None)
