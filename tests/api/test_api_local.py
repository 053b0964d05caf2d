"""Every endpoint against the local backend over a real job output (data/sample, run once).

The expected numbers are computed in plain Python over the sample's order lines, written out
by hand (tests/oracle.py), so neither a wrong named query nor a wrong mart can be copied
into the expectation.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from tests import oracle
from tests.api.helpers import pinned_app


def window(**given: dt.date) -> dict[str, dt.date]:
    """The API's default window on the pinned "today" (tests/oracle.py), ``given`` applied."""
    start, end = oracle.SAMPLE_WINDOW
    return {"date_from": start, "date_to": end, **given}


def all_orders(client_id: str, **given: dt.date) -> list[dict[str, Any]]:
    """The client's orders as the API shapes them, newest first."""
    rows = oracle.orders_by_client(
        oracle.sample_orders(), {"client_id": client_id, **window(**given)}
    )
    return [
        {
            "order_id": order_id,
            "order_date": day.isoformat(),
            "channel": channel,
            "line_count": lines,
            "units": units,
            "order_total": float(total),
            "statuses": statuses.split(","),
        }
        for order_id, day, channel, _client, lines, units, total, statuses in rows
    ]


def report(name: str, money: str, **given: Any) -> list[dict[str, Any]]:
    """A report query's expected items, money as the JSON number the API sends."""
    columns = {
        "sales_by_product": ["product_id", "channel", "units", "revenue", "order_count"],
        "order_status_report": [
            "status",
            "channel",
            "order_count",
            "line_count",
            "units",
            "amount",
        ],
    }[name]
    values = {**window(), "channel": None, **given}
    rows = oracle.QUERIES[name](oracle.sample_orders(), values)
    items = [dict(zip(columns, row, strict=True)) for row in rows]
    return [{**item, money: float(item[money])} for item in items]


def test_health_names_the_local_backend(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "backend": "local"}


def test_orders_are_the_clients_orders_newest_first(client: TestClient) -> None:
    body = client.get("/orders/C00101").json()
    assert body["client_id"] == "C00101"
    assert (body["from"], body["to"]) == ("2026-08-25", "2026-11-23")
    assert body["orders"] == all_orders("C00101")
    assert [o["order_id"] for o in body["orders"]] == ["ORD-1006", "ORD-1001"]
    assert [o["order_total"] for o in body["orders"]] == [56.7, 88.2]
    assert body["next_token"] is None
    dates = [order["order_date"] for order in body["orders"]]
    assert dates == sorted(dates, reverse=True)


def test_orders_window_keeps_only_orders_dated_inside_it(client: TestClient) -> None:
    first = dt.date(2026, 11, 21)
    body = client.get("/orders/C00101", params={"from": first.isoformat()}).json()
    assert body["orders"] == all_orders("C00101", date_from=first)
    assert [o["order_id"] for o in body["orders"]] == ["ORD-1006"]


def test_orders_pages_walk_every_order_once(client: TestClient) -> None:
    expected = all_orders("C00101")
    seen, params, pages = [], {"limit": 1}, 0
    while True:
        body = client.get("/orders/C00101", params=params).json()
        seen.extend(body["orders"])
        pages += 1
        if body["next_token"] is None:
            break
        params = {"limit": 1, "next_token": body["next_token"]}
    assert seen == expected
    assert pages == len(expected)


def test_page_token_of_one_client_is_refused_for_another(client: TestClient) -> None:
    token = client.get("/orders/C00101", params={"limit": 1}).json()["next_token"]
    assert token
    response = client.get("/orders/C00103", params={"limit": 1, "next_token": token})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_next_token"


def test_unknown_client_is_404_with_error_body(client: TestClient) -> None:
    response = client.get("/orders/C99999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "client_not_found"


def test_known_client_outside_the_window_is_404(client: TestClient) -> None:
    response = client.get("/orders/C00101", params={"from": "2001-01-01", "to": "2001-12-31"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "client_not_found"


def test_sales_by_product_is_net_sales_per_product_and_channel(client: TestClient) -> None:
    body = client.get("/sales-by-product").json()
    assert body["channel"] is None
    assert body["items"] == report("sales_by_product", "revenue")
    total = sum(Decimal(str(item["revenue"])) for item in body["items"])
    # every line of the sample but ORD-1003, ORD-1005 (cancelled) and ORD-1007 (returned)
    assert total == Decimal("4491.30")


@pytest.mark.parametrize("channel", ["online", "store", "distributor", "phone"])
def test_channel_filter_keeps_only_that_channel(client: TestClient, channel: str) -> None:
    body = client.get("/sales-by-product", params={"channel": channel}).json()
    assert body["channel"] == channel
    assert body["items"] == report("sales_by_product", "revenue", channel=channel)
    assert {item["channel"] for item in body["items"]} == {channel}


def test_order_status_report_counts_every_status(client: TestClient) -> None:
    body = client.get("/order-status-report").json()
    assert body["items"] == report("order_status_report", "amount")
    statuses = {item["status"] for item in body["items"]}
    assert statuses == {"cancelled", "confirmed", "delivered", "returned", "shipped"}


def test_status_report_for_one_day_and_channel(client: TestClient) -> None:
    params = {"from": "2026-11-20", "to": "2026-11-20", "channel": "online"}
    body = client.get("/order-status-report", params=params).json()
    assert (body["from"], body["to"], body["channel"]) == ("2026-11-20", "2026-11-20", "online")
    # 2026-11-20 online: ORD-1001 (2 lines) and ORD-1002 delivered, ORD-1003 cancelled
    assert body["items"] == [
        {"status": "cancelled", "channel": "online", "order_count": 1, "line_count": 1,
         "units": 1, "amount": 31.5},
        {"status": "delivered", "channel": "online", "order_count": 2, "line_count": 3,
         "units": 38, "amount": 117.6},
    ]  # fmt: skip


def test_money_is_a_json_number_with_at_most_two_decimals(client: TestClient) -> None:
    text = client.get("/sales-by-product").text
    for item in json.loads(text, parse_float=Decimal)["items"]:
        assert isinstance(item["revenue"], Decimal)
        assert -item["revenue"].as_tuple().exponent <= 2


def test_latest_run_is_the_report_the_job_wrote(client: TestClient, job_run: dict) -> None:
    response = client.get("/runs/latest")
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(job_run, default=str))
    assert response.json()["run_id"] == "sample-1"
    assert response.json()["totals"]["rows_rejected"] > 0


def test_no_output_is_a_clear_503(tmp_path: Path) -> None:
    client = TestClient(pinned_app(Settings(output_path=str(tmp_path))))
    response = client.get("/sales-by-product")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "output_missing"
    assert client.get("/runs/latest").status_code == 404
