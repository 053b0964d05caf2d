"""Marts: daily aggregates built from ``orders`` rows.

Net sales (``units``, ``revenue``) leave out cancelled and returned lines;
``order_count`` counts every distinct order of the group, and
``order_status_daily`` counts every line in every status.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.contract import NON_SALE_STATUSES
from transforms.schemas import AMOUNT


def is_net_sale(status: Column) -> Column:
    return ~status.isin(*NON_SALE_STATUSES)


def _net_units() -> Column:
    return F.sum(F.when(is_net_sale(F.col("status")), F.col("quantity")).otherwise(0)).cast(
        "bigint"
    )


def _net_revenue() -> Column:
    net_total = F.when(is_net_sale(F.col("status")), F.col("line_total")).otherwise(0)
    return F.coalesce(F.sum(net_total), F.lit(0)).cast(AMOUNT)


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
    """Grain: one row per ``order_date``, ``channel`` and ``product_id``."""
    return (
        orders.groupBy("order_date", "channel", "product_id")
        .agg(
            F.countDistinct("order_id").alias("order_count"),
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
            F.sum("line_total").cast(AMOUNT).alias("amount"),
        )
        .select("channel", "status", "order_count", "line_count", "units", "amount", "order_date")
    )
