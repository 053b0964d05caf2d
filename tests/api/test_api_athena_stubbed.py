"""The Athena backend's response side through botocore's Stubber (a mock: moto cannot page
results, fail or hang a query). Stubber still checks every request against the real Athena
service model and the exact parameters expected here. Time is a fake clock, so the 25 s
deadline is exercised without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from fastapi.testclient import TestClient

from api import tokens
from api.backends.athena import RESULT_ROW_CAP, AthenaBackend
from api.settings import Settings
from athena.catalog import load_query
from tests.api.helpers import pinned_app
from tests.conftest import REGION
from tests.oracle import SAMPLE_WINDOW as WINDOW

WORKGROUP, QID = "duffbeer-api", "11111111-2222-3333-4444-555555555555"
ORDER_SQL = load_query("orders_by_client").sql


def order_params() -> list[str]:
    """The parameters of a default /orders/C1 request on the pinned "today" (SAMPLE_TODAY)."""
    return ["'C1'", f"DATE '{WINDOW[0]}'", f"DATE '{WINDOW[1]}'", "NULL", "0", str(RESULT_ROW_CAP)]


ORDER_COLUMNS = [
    "order_id:varchar",
    "order_date:date",
    "channel:varchar",
    "client_id:varchar",
    "line_count:bigint",
    "units:bigint",
    "order_total:decimal",
    "statuses:varchar",
]
SALES_COLUMNS = [
    "product_id:varchar",
    "channel:varchar",
    "units:bigint",
    "revenue:decimal",
    "order_count:bigint",
]


@dataclass
class Harness:
    client: TestClient
    stub: Stubber
    now: list[float]


@pytest.fixture
def athena() -> Iterator[Harness]:
    aws = boto3.client(
        "athena",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    now = [0.0]
    settings = Settings(backend="athena", athena_workgroup=WORKGROUP)
    backend = AthenaBackend(
        settings, client=aws, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    with Stubber(aws) as stub:
        yield Harness(TestClient(pinned_app(settings, backend=backend)), stub, now)
        stub.assert_no_pending_responses()


def result_page(
    columns: list[str], rows: list[list[str | None]], header: bool, next_token: str | None = None
) -> dict[str, Any]:
    names = [c.split(":")[0] for c in columns]
    data = ([names] if header else []) + rows
    page: dict[str, Any] = {
        "ResultSet": {
            "Rows": [
                {"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in data
            ],
            "ResultSetMetadata": {
                "ColumnInfo": [{"Name": c.split(":")[0], "Type": c.split(":")[1]} for c in columns]
            },
        }
    }
    if next_token:
        page["NextToken"] = next_token
    return page


def execution(state: str, sql: str = ORDER_SQL, params: list[str] | None = None) -> dict[str, Any]:
    return {
        "QueryExecution": {
            "QueryExecutionId": QID,
            "Query": sql,
            "WorkGroup": WORKGROUP,
            "ExecutionParameters": order_params() if params is None else params,
            "Status": {"State": state, "StateChangeReason": "boom: SELECT x"},
        }
    }


def expect_start(h: Harness, sql: str = ORDER_SQL, params: list[str] | None = None) -> None:
    h.stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": QID},
        {
            "QueryString": sql,
            "ExecutionParameters": order_params() if params is None else params,
            "WorkGroup": WORKGROUP,
            "QueryExecutionContext": {"Database": "duffbeer"},
        },
    )


def expect_state(h: Harness, state: str, **kwargs: Any) -> None:
    h.stub.add_response(
        "get_query_execution", execution(state, **kwargs), {"QueryExecutionId": QID}
    )


def test_orders_are_paged_through_athenas_next_token(athena: Harness) -> None:
    expect_start(athena)
    expect_state(athena, "RUNNING")
    expect_state(athena, "SUCCEEDED")
    rows = [
        ["O3", "2026-11-22", "phone", "C1", "2", "7", "123.40", "shipped"],
        ["O2", "2026-11-21", "store", "C1", "1", "1", "0.05", "cancelled,delivered"],
    ]
    athena.stub.add_response(
        "get_query_results",
        result_page(ORDER_COLUMNS, rows, header=True, next_token="athena-2"),
        {"QueryExecutionId": QID, "MaxResults": 3},
    )
    first = athena.client.get("/orders/C1", params={"limit": 2}).json()
    assert first["orders"][0] == {
        "order_id": "O3",
        "order_date": "2026-11-22",
        "channel": "phone",
        "line_count": 2,
        "units": 7,
        "order_total": 123.4,
        "statuses": ["shipped"],
    }
    assert [o["order_id"] for o in first["orders"]] == ["O3", "O2"]
    assert first["orders"][1]["statuses"] == ["cancelled", "delivered"]
    assert first["orders"][1]["order_total"] == 0.05
    assert first["next_token"] and "athena-2" not in first["next_token"]

    expect_state(athena, "SUCCEEDED")  # the token's query is re-checked, not re-run
    last = [["O1", "2026-11-20", "online", "C1", "1", "4", "8.00", "delivered"]]
    athena.stub.add_response(
        "get_query_results",
        result_page(ORDER_COLUMNS, last, header=False),
        {"QueryExecutionId": QID, "MaxResults": 2, "NextToken": "athena-2"},
    )
    second = athena.client.get("/orders/C1", params={"limit": 2, "next_token": first["next_token"]})
    assert [o["order_id"] for o in second.json()["orders"]] == ["O1"]
    assert second.json()["next_token"] is None


def test_reports_read_every_result_page(athena: Harness) -> None:
    sql = load_query("sales_by_product").sql
    params = [f"DATE '{WINDOW[0]}'", f"DATE '{WINDOW[1]}'", "NULL"]
    expect_start(athena, sql, params)
    expect_state(athena, "SUCCEEDED", sql=sql, params=params)
    page_one = [["P1", "online", "10", "99.90", "4"]]
    page_two = [["P2", "store", "3", "7.5", "1"]]
    athena.stub.add_response(
        "get_query_results",
        result_page(SALES_COLUMNS, page_one, header=True, next_token="n2"),
        {"QueryExecutionId": QID, "MaxResults": 1000},
    )
    athena.stub.add_response(
        "get_query_results",
        result_page(SALES_COLUMNS, page_two, header=False),
        {"QueryExecutionId": QID, "MaxResults": 1000, "NextToken": "n2"},
    )
    items = athena.client.get("/sales-by-product").json()["items"]
    assert items == [
        {"product_id": "P1", "channel": "online", "units": 10, "revenue": 99.9, "order_count": 4},
        {"product_id": "P2", "channel": "store", "units": 3, "revenue": 7.5, "order_count": 1},
    ]


@pytest.mark.parametrize("state", ["FAILED", "CANCELLED"])
def test_failed_or_cancelled_query_is_a_clean_502(athena: Harness, state: str) -> None:
    expect_start(athena)
    expect_state(athena, "RUNNING")
    expect_state(athena, state)
    response = athena.client.get("/orders/C1")
    assert response.status_code == 502
    assert response.json() == {
        "error": {
            "code": "query_failed",
            "message": f"Athena query {state.lower()}",
            "query_id": QID,
        }
    }


def test_query_still_running_at_the_deadline_is_stopped_and_504(athena: Harness) -> None:
    expect_start(athena)
    # Backoff 0.1, 0.2, 0.4, 0.8, then 1 s: the 28th poll is the last within the 25 s deadline.
    for _ in range(28):
        expect_state(athena, "RUNNING")
    athena.stub.add_response("stop_query_execution", {}, {"QueryExecutionId": QID})
    response = athena.client.get("/orders/C1")
    assert response.status_code == 504
    error = response.json()["error"]
    assert (error["code"], error["query_id"]) == ("query_timeout", QID)
    assert athena.now[0] < 25


def test_athena_api_error_is_a_clean_502_without_sql(athena: Harness) -> None:
    athena.stub.add_client_error(
        "start_query_execution",
        "ThrottlingException",
        "Rate exceeded for SELECT * FROM orders",
        http_status_code=400,
        expected_params={
            "QueryString": ANY,
            "ExecutionParameters": ANY,
            "WorkGroup": ANY,
            "QueryExecutionContext": ANY,
        },
    )
    response = athena.client.get("/orders/C1")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "athena_error"
    assert "SELECT" not in response.text and "orders" not in response.text.lower()


def test_unreadable_result_is_a_502(athena: Harness) -> None:
    expect_start(athena)
    expect_state(athena, "SUCCEEDED")
    bad = [["O1", "2026-11-31", "online", "C1", "1", "1", "1.00", "delivered"]]
    athena.stub.add_response(
        "get_query_results",
        result_page(ORDER_COLUMNS, bad, header=True),
        {"QueryExecutionId": QID, "MaxResults": 51},
    )
    response = athena.client.get("/orders/C1")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "athena_error"


def test_expired_token_query_is_a_400(athena: Harness) -> None:
    fingerprint = tokens.fingerprint(
        "orders_by_client",
        {
            "client_id": "C1",
            "date_from": WINDOW[0],
            "date_to": WINDOW[1],
        },
    )
    token = tokens.encode({"q": fingerprint, "id": QID, "n": "x"})
    athena.stub.add_client_error(
        "get_query_execution",
        "InvalidRequestException",
        "QueryExecution was not found",
        http_status_code=400,
    )
    response = athena.client.get("/orders/C1", params={"next_token": token})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_next_token"


def test_token_for_another_client_never_reaches_athena(athena: Harness) -> None:
    fingerprint = tokens.fingerprint(
        "orders_by_client",
        {
            "client_id": "C1",
            "date_from": WINDOW[0],
            "date_to": WINDOW[1],
        },
    )
    token = tokens.encode({"q": fingerprint, "id": QID, "n": "x"})
    response = athena.client.get("/orders/C2", params={"next_token": token})
    assert response.status_code == 400  # no stubbed call: Stubber would fail on any request
