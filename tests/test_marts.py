"""Daily aggregates: net sales leave out cancelled/returned lines; status report counts all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from tests.builders import order_row, orders_frame
from transforms.marts import order_status_daily, sales_by_client, sales_by_product_channel
from transforms.schemas import (
    ORDER_STATUS_DAILY_SCHEMA,
    SALES_BY_CLIENT_SCHEMA,
    SALES_BY_PRODUCT_CHANNEL_SCHEMA,
)

DAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def orders(spark: SparkSession) -> DataFrame:
    return orders_frame(
        spark,
        order_row(order_id="O1", product_id="P1", quantity=2, unit_price=Decimal("10.00")),
        order_row(order_id="O1", product_id="P2", quantity=1, unit_price=Decimal("5.50")),
        order_row(
            order_id="O2",
            product_id="P1",
            quantity=4,
            unit_price=Decimal("10.00"),
            status="cancelled",
        ),
        order_row(
            order_id="O3",
            client_id="C002",
            product_id="P1",
            quantity=1,
            unit_price=Decimal("10.00"),
            status="returned",
            channel="store",
        ),
    )


def test_sales_by_client_counts_orders_but_sums_only_net_sales(
    spark: SparkSession, orders: DataFrame
) -> None:
    expected = spark.createDataFrame(
        [("C001", 2, 3, Decimal("25.50"), DAY), ("C002", 1, 0, Decimal("0.00"), DAY)],
        SALES_BY_CLIENT_SCHEMA,
    )
    assert_df_equality(
        sales_by_client(orders), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_sales_by_product_channel_nets_out_cancelled_and_returned(
    spark: SparkSession, orders: DataFrame
) -> None:
    expected = spark.createDataFrame(
        [
            ("online", "P1", 2, 2, Decimal("20.00"), DAY),
            ("online", "P2", 1, 1, Decimal("5.50"), DAY),
            ("store", "P1", 1, 0, Decimal("0.00"), DAY),
        ],
        SALES_BY_PRODUCT_CHANNEL_SCHEMA,
    )
    assert_df_equality(
        sales_by_product_channel(orders), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_order_status_daily_counts_every_line(spark: SparkSession, orders: DataFrame) -> None:
    expected = spark.createDataFrame(
        [
            ("online", "delivered", 1, 2, 3, Decimal("25.50"), DAY),
            ("online", "cancelled", 1, 1, 4, Decimal("40.00"), DAY),
            ("store", "returned", 1, 1, 1, Decimal("10.00"), DAY),
        ],
        ORDER_STATUS_DAILY_SCHEMA,
    )
    assert_df_equality(
        order_status_daily(orders), expected, ignore_row_order=True, ignore_nullable=True
    )
