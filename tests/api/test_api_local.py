"""Every endpoint against the local backend over a real job output (data/sample, run once).

The expected numbers come from running the same named queries through ``LocalAthena``
directly, so the API must neither lose, add nor reshape rows.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from athena.local import LocalAthena

TOMORROW = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
WINDOW = {"date_from": dt.date(2000, 1, 1), "date_to": TOMORROW}


@pytest.fixture(scope="module")
def athena(job_output: Path) -> LocalAthena:
    return LocalAthena(job_output)


def all_orders(athena: LocalAthena, client_id: str, **window: dt.date) -> list[dict[str, Any]]:
    values = {"client_id": client_id, **WINDOW, **window, "page_offset": 0, "page_limit": 10_000}
    return athena.run("orders_by_client", values).records()


def as_api_order(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_id": row["order_id"],
        "order_date": row["order_date"].isoformat(),
        "channel": row["channel"],
        "line_count": row["line_count"],
        "units": row["units"],
        "order_total": float(row["order_total"]),
        "statuses": row["statuses"].split(","),
    }


def test_health_names_the_local_backend(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "backend": "local"}


def test_orders_are_the_clients_orders_newest_first(
    client: TestClient, athena: LocalAthena
) -> None:
    expected = all_orders(athena, "C00101")
    assert len(expected) >= 2  # the sample gives this client orders on two dates
    body = client.get("/orders/C00101").json()
    assert body["client_id"] == "C00101"
    assert body["from"] == "2000-01-01" and body["to"] == TOMORROW.isoformat()
    assert body["orders"] == [as_api_order(row) for row in expected]
    assert body["next_token"] is None
    dates = [order["order_date"] for order in body["orders"]]
    assert dates == sorted(dates, reverse=True)


def test_orders_window_keeps_only_orders_dated_inside_it(
    client: TestClient, athena: LocalAthena
) -> None:
    first = dt.date(2026, 11, 21)
    expected = all_orders(athena, "C00101", date_from=first)
    body = client.get("/orders/C00101", params={"from": first.isoformat()}).json()
    assert body["orders"] == [as_api_order(row) for row in expected]
    assert all(order["order_date"] >= "2026-11-21" for order in body["orders"])
    assert len(body["orders"]) < len(all_orders(athena, "C00101"))


def test_orders_pages_walk_every_order_once(client: TestClient, athena: LocalAthena) -> None:
    expected = [as_api_order(row) for row in all_orders(athena, "C00101")]
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


def test_sales_by_product_equals_the_named_query(client: TestClient, athena: LocalAthena) -> None:
    expected = athena.run("sales_by_product", {**WINDOW, "channel": None}).records()
    body = client.get("/sales-by-product").json()
    assert body["channel"] is None
    assert [item["revenue"] for item in body["items"]] == [float(r["revenue"]) for r in expected]
    assert body["items"] == [{**row, "revenue": float(row["revenue"])} for row in expected]
    total = sum(Decimal(str(item["revenue"])) for item in body["items"])
    assert total == sum(row["revenue"] for row in expected) > 0


@pytest.mark.parametrize("channel", ["online", "store", "distributor", "phone"])
def test_channel_filter_keeps_only_that_channel(
    client: TestClient, athena: LocalAthena, channel: str
) -> None:
    expected = athena.run("sales_by_product", {**WINDOW, "channel": channel}).records()
    body = client.get("/sales-by-product", params={"channel": channel}).json()
    assert body["channel"] == channel
    assert {item["channel"] for item in body["items"]} <= {channel}
    assert len(body["items"]) == len(expected)


def test_order_status_report_equals_the_named_query(
    client: TestClient, athena: LocalAthena
) -> None:
    expected = athena.run("order_status_report", {**WINDOW, "channel": None}).records()
    body = client.get("/order-status-report").json()
    assert body["items"] == [{**row, "amount": float(row["amount"])} for row in expected]
    statuses = {item["status"] for item in body["items"]}
    assert {"cancelled", "returned"} & statuses  # every status counts, not only net sales


def test_status_report_for_one_day_and_channel(client: TestClient, athena: LocalAthena) -> None:
    day = {"date_from": dt.date(2026, 11, 20), "date_to": dt.date(2026, 11, 20)}
    expected = athena.run("order_status_report", {**day, "channel": "online"}).records()
    params = {"from": "2026-11-20", "to": "2026-11-20", "channel": "online"}
    body = client.get("/order-status-report", params=params).json()
    assert (body["from"], body["to"], body["channel"]) == ("2026-11-20", "2026-11-20", "online")
    assert sum(i["order_count"] for i in body["items"]) == sum(r["order_count"] for r in expected)
    assert sum(i["line_count"] for i in body["items"]) == sum(r["line_count"] for r in expected) > 0


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
    client = TestClient(create_app(Settings(output_path=str(tmp_path))))
    response = client.get("/sales-by-product")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "output_missing"
    assert client.get("/runs/latest").status_code == 404
