"""The endpoints added for the dashboard, against the local backend over the real job output,
and their requests to Athena against the moto server.

Expected numbers are computed here in plain Python from the sample's order lines, written out
by hand (tests/oracle.py), independently of the job, the named queries and the daily marts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from athena.catalog import load_query
from tests.api.helpers import pinned_app, queue_result
from tests.api.test_api_athena_moto import only_execution
from tests.oracle import NOT_NET_SALES, sample_orders
from tests.oracle import SAMPLE_WINDOW as WINDOW


@pytest.fixture(scope="module")
def lines() -> list[dict[str, Any]]:
    """The sample's order lines, written by hand (tests/oracle.py), dates as ISO strings."""
    return [{**line, "order_date": line["order_date"].isoformat()} for line in sample_orders()]


def net_by_day_and_channel(
    lines: list[dict[str, Any]], start: str, end: str, channel: str | None = None
) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal("0")])
    for line in lines:
        if not (start <= line["order_date"] <= end and channel in (None, line["channel"])):
            continue
        total = totals[line["order_date"], line["channel"]]  # a day with orders, sold or not
        if line["status"] not in NOT_NET_SALES:
            total[0] += line["quantity"]
            total[1] += line["line_total"]
    return [
        {"order_date": day, "channel": ch, "units": units, "revenue": float(revenue)}
        for (day, ch), (units, revenue) in sorted(totals.items())
    ]


def test_sales_by_channel_daily_is_net_revenue_per_day_and_channel(
    client: TestClient, lines: list[dict[str, Any]]
) -> None:
    body = client.get("/sales-by-channel-daily").json()
    assert body["channel"] is None and body["from"] == WINDOW[0].isoformat()
    assert body["items"] == net_by_day_and_channel(lines, "2000-01-01", "9999-12-31")
    assert len({item["order_date"] for item in body["items"]}) == 3  # the sample's three days
    # 2026-11-21 by phone had only a cancelled line: listed, with no net sales
    assert {"order_date": "2026-11-21", "channel": "phone", "units": 0, "revenue": 0.0} in (
        body["items"]
    )
    total = sum(Decimal(str(item["revenue"])) for item in body["items"])
    by_product = client.get("/sales-by-product").json()["items"]
    assert total == sum(Decimal(str(item["revenue"])) for item in by_product) > 0


@pytest.mark.parametrize(
    ("start", "end", "channel"),
    [("2026-11-21", "2026-11-22", None), ("2026-11-20", "2026-11-22", "store")],
)
def test_sales_by_channel_daily_keeps_the_window_and_channel(
    client: TestClient, lines: list[dict[str, Any]], start: str, end: str, channel: str | None
) -> None:
    params = {"from": start, "to": end, **({"channel": channel} if channel else {})}
    body = client.get("/sales-by-channel-daily", params=params).json()
    expected = net_by_day_and_channel(lines, start, end, channel)
    assert body["items"] == expected and expected
    assert (body["from"], body["to"], body["channel"]) == (start, end, channel)


def test_order_dates_are_the_first_and_last_dates_with_orders(
    client: TestClient, lines: list[dict[str, Any]]
) -> None:
    days = sorted({line["order_date"] for line in lines})
    body = client.get("/order-dates").json()
    assert (body["first_order_date"], body["last_order_date"]) == (days[0], days[-1])
    assert body["order_days"] == len(days)
    inside = client.get("/order-dates", params={"to": days[1]}).json()
    assert (inside["first_order_date"], inside["last_order_date"]) == (days[0], days[1])


def test_order_dates_of_an_empty_window_are_null(client: TestClient) -> None:
    body = client.get("/order-dates", params={"from": "2001-01-01", "to": "2001-12-31"}).json()
    assert body == {
        "from": "2001-01-01",
        "to": "2001-12-31",
        "first_order_date": None,
        "last_order_date": None,
        "order_days": 0,
    }


def test_client_orders_can_be_narrowed_to_one_channel(
    client: TestClient, lines: list[dict[str, Any]]
) -> None:
    mine = [line for line in lines if line["client_id"] == "C00105"]
    assert {line["channel"] for line in mine} == {"store", "phone"}
    body = client.get("/orders/C00105", params={"channel": "store"}).json()
    expected = sorted({line["order_id"] for line in mine if line["channel"] == "store"})
    assert sorted(order["order_id"] for order in body["orders"]) == expected
    assert {order["channel"] for order in body["orders"]} == {"store"}
    everything = client.get("/orders/C00105").json()["orders"]
    assert len(everything) > len(body["orders"])
    assert client.get("/orders/C00105", params={"channel": "distributor"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/sales-by-channel-daily", {"channel": "online' OR '1'='1"}, "invalid_channel"),
        ("/sales-by-channel-daily", {"from": "2026-02-30"}, "invalid_from"),
        (
            "/sales-by-channel-daily",
            {"from": "2026-12-01", "to": "2026-11-01"},
            "invalid_date_range",
        ),
        ("/order-dates", {"to": "2026-11-20; DROP TABLE orders"}, "invalid_to"),
        ("/orders/C00101", {"channel": "ONLINE"}, "invalid_channel"),
    ],
)
def test_bad_parameters_are_400_with_the_error_body(
    client: TestClient, path: str, params: dict[str, str], code: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_no_output_is_503_for_the_new_reports(tmp_path: Path) -> None:
    empty = TestClient(pinned_app(Settings(output_path=str(tmp_path))))
    for path in ("/sales-by-channel-daily", "/order-dates"):
        response = empty.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "output_missing"


@pytest.fixture
def athena_settings(moto_endpoint: str) -> Settings:
    workgroup = f"duffbeer-dash-{uuid.uuid4().hex[:8]}"
    boto3.client("athena", endpoint_url=moto_endpoint).create_work_group(Name=workgroup)
    return Settings(
        backend="athena",
        athena_workgroup=workgroup,
        athena_output_location="s3://duffbeer-athena-results/api/",
        aws_endpoint_url=moto_endpoint,
    )


def test_daily_sales_go_to_athena_as_the_named_query(
    moto_endpoint: str, athena_settings: Settings
) -> None:
    columns = [
        ("order_date", "date"),
        ("channel", "varchar"),
        ("units", "bigint"),
        ("revenue", "decimal"),
    ]
    queue_result(moto_endpoint, columns, [["2026-11-20", "store", "12", "30.50"]])
    params = {"from": "2026-11-01", "to": "2026-11-30", "channel": "store"}
    body = TestClient(pinned_app(athena_settings)).get("/sales-by-channel-daily", params=params)
    assert body.json()["items"] == [
        {"order_date": "2026-11-20", "channel": "store", "units": 12, "revenue": 30.5}
    ]
    athena = boto3.client("athena", endpoint_url=moto_endpoint)
    execution = only_execution(athena, athena_settings.athena_workgroup)
    assert execution["Query"] == load_query("sales_by_channel_daily").sql
    assert execution["ExecutionParameters"] == [
        "DATE '2026-11-01'",
        "DATE '2026-11-30'",
        "'store'",
    ]


def test_order_dates_go_to_athena_with_a_bounded_window(
    moto_endpoint: str, athena_settings: Settings
) -> None:
    columns = [
        ("first_order_date", "date"),
        ("last_order_date", "date"),
        ("order_days", "bigint"),
    ]
    queue_result(moto_endpoint, columns, [["2026-11-20", "2026-11-22", "3"]])
    body = TestClient(pinned_app(athena_settings)).get("/order-dates").json()
    assert (body["last_order_date"], body["order_days"]) == ("2026-11-22", 3)
    athena = boto3.client("athena", endpoint_url=moto_endpoint)
    execution = only_execution(athena, athena_settings.athena_workgroup)
    assert execution["Query"] == load_query("order_date_range").sql
    assert execution["ExecutionParameters"] == [f"DATE '{WINDOW[0]}'", f"DATE '{WINDOW[1]}'"]
