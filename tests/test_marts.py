"""Daily aggregates: net sales leave out cancelled/returned lines; status report counts all."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession

from tests.builders import order_row, orders_frame
from transforms.marts import (
    AMOUNT_OVERFLOW,
    MAX_AMOUNT,
    order_status_daily,
    sales_by_client,
    sales_by_product_channel,
)
from transforms.tables import ORDER_STATUS_DAILY, SALES_BY_CLIENT, SALES_BY_PRODUCT_CHANNEL

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
        SALES_BY_CLIENT.schema,
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
        SALES_BY_PRODUCT_CHANNEL.schema,
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
        ORDER_STATUS_DAILY.schema,
    )
    assert_df_equality(
        order_status_daily(orders), expected, ignore_row_order=True, ignore_nullable=True
    )


MARTS = [sales_by_client, sales_by_product_channel, order_status_daily]
AMOUNT_COLUMN = {order_status_daily: "amount"}


@pytest.mark.parametrize("mart", MARTS, ids=lambda m: m.__name__)
def test_a_daily_amount_at_the_limit_is_kept_and_past_it_fails_in_both_ansi_modes(
    spark: SparkSession, ansi_mode: bool, mart: Callable[[DataFrame], DataFrame]
) -> None:
    """Without the check, a sum past decimal(18,2) would be NULL under Glue 5.1's default and
    an error under Glue 6.0's (ANSI mode): both runtimes must fail the same way instead."""
    half = MAX_AMOUNT / 2  # 4999999999999999.995, rounded up to 5e15: two of them overflow
    at_limit = [Decimal("4999999999999999.99"), MAX_AMOUNT - Decimal("4999999999999999.99")]
    past_limit = [half.quantize(Decimal("0.01")), half.quantize(Decimal("0.01"))]

    def lines(totals: list[Decimal]) -> DataFrame:
        return orders_frame(
            spark, *[order_row(order_id=f"O{n}", line_total=t) for n, t in enumerate(totals)]
        )

    (row,) = mart(lines(at_limit)).collect()
    assert row[AMOUNT_COLUMN.get(mart, "revenue")] == MAX_AMOUNT
    with pytest.raises(Exception, match=re.escape(AMOUNT_OVERFLOW)):
        mart(lines(past_limit)).collect()
