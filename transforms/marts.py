"""Marts: daily aggregates built from ``orders`` rows.

Net sales (``units``, ``revenue``) leave out cancelled and returned lines;
``order_count`` counts every distinct order of the group, and
``order_status_daily`` counts every line in every status.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from contract.orders import NON_SALE_STATUSES
from transforms.tables import (
    AMOUNT,
    ORDER_STATUS_DAILY,
    SALES_BY_CLIENT,
    SALES_BY_PRODUCT_CHANNEL,
    Table,
)

# The largest magnitude AMOUNT (decimal(18,2)) holds.
MAX_AMOUNT = Decimal(10) ** (AMOUNT.precision - AMOUNT.scale) - Decimal(10) ** -AMOUNT.scale
AMOUNT_OVERFLOW = f"a daily amount is beyond decimal({AMOUNT.precision},{AMOUNT.scale})"


def _amount(total: Column) -> Column:
    """A sum of line totals (decimal(28,2)) as AMOUNT. Past AMOUNT's range the run fails on
    both Glue runtimes alike: the cast alone would give NULL with ANSI mode off (Glue 5.1)
    and fail with it on (Glue 6.0); one line is at most 10^13, so it takes ~1,000 lines of
    the largest quantity at the highest price in one group."""
    fits = total.isNull() | (F.abs(total) <= F.lit(MAX_AMOUNT))
    return F.when(fits, total.cast(AMOUNT)).otherwise(F.raise_error(F.lit(AMOUNT_OVERFLOW)))


def is_net_sale(status: Column) -> Column:
    return ~status.isin(*NON_SALE_STATUSES)


def _net_units() -> Column:
    return F.sum(F.when(is_net_sale(F.col("status")), F.col("quantity")).otherwise(0)).cast(
        "bigint"
    )


def _net_revenue() -> Column:
    net_total = F.when(is_net_sale(F.col("status")), F.col("line_total")).otherwise(0)
    return _amount(F.coalesce(F.sum(net_total), F.lit(0)))


def sales_by_client(orders: DataFrame) -> DataFrame:
    """Grain: one row per ``order_date`` and ``client_id``."""
    return (
        orders.groupBy("order_date", "client_id")
        .agg(
            F.countDistinct("order_id").alias("order_count"),
            _net_units().alias("units"),
            _net_revenue().alias("revenue"),
        )
        .select("client_id", "order_count", "units", "revenue", "order_date")
    )


def sales_by_product_channel(orders: DataFrame) -> DataFrame:
    """Grain: one row per ``order_date``, ``channel`` and ``product_id``.

    An order has one line per product (``orders``' key), so a product's lines in a group
    are its orders: a plain count, not a distinct one, which would shuffle twice."""
    return (
        orders.groupBy("order_date", "channel", "product_id")
        .agg(
            F.count(F.lit(1)).alias("order_count"),
            _net_units().alias("units"),
            _net_revenue().alias("revenue"),
        )
        .select("channel", "product_id", "order_count", "units", "revenue", "order_date")
    )


def order_status_daily(orders: DataFrame) -> DataFrame:
    """Grain: one row per ``order_date``, ``channel`` and ``status``; every line counts."""
    return (
        orders.groupBy("order_date", "channel", "status")
        .agg(
            F.countDistinct("order_id").alias("order_count"),
            F.count(F.lit(1)).alias("line_count"),
            F.sum("quantity").cast("bigint").alias("units"),
            _amount(F.sum("line_total")).alias("amount"),
        )
        .select("channel", "status", "order_count", "line_count", "units", "amount", "order_date")
    )


# The daily marts and their builds (orders rows -> mart rows), rebuilt for every order_date
# a run touches. Adding one: its Table in transforms/tables.py, its build here.
MARTS: Final[tuple[tuple[Table, Callable[[DataFrame], DataFrame]], ...]] = (
    (SALES_BY_CLIENT, sales_by_client),
    (SALES_BY_PRODUCT_CHANNEL, sales_by_product_channel),
    (ORDER_STATUS_DAILY, order_status_daily),
)
