"""The Athena backend's request side against a real moto server (HTTP on 127.0.0.1).

What moto can show is checked here: the SQL text, ExecutionParameters, workgroup, database
and result location Athena receives, polling until the state machine finishes (moto's
state manager set to advance slowly), stopping a query past the deadline, and the paging
parameters sent to GetQueryResults (recorded by a botocore event hook on the real client).
Moto does not execute SQL: result rows are queued through its ``/moto-api`` endpoint.
Result paging and failure states moto cannot produce are in test_api_athena_stubbed.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from api import tokens
from api.backends.athena import RESULT_ROW_CAP, AthenaBackend
from api.settings import Settings
from athena.catalog import load_query
from tests.api.helpers import ORDER_COLUMNS, SALES_COLUMNS, moto_api, pinned_app, queue_result
from tests.oracle import SAMPLE_WINDOW as WINDOW


@pytest.fixture
def athena(moto_endpoint: str) -> Any:
    return boto3.client("athena", endpoint_url=moto_endpoint)


@pytest.fixture
def settings(moto_endpoint: str, athena: Any) -> Settings:
    workgroup = f"duffbeer-api-{uuid.uuid4().hex[:8]}"
    athena.create_work_group(Name=workgroup, Configuration={})
    return Settings(
        backend="athena",
        athena_workgroup=workgroup,
        athena_database="duffbeer_test",
        athena_output_location="s3://duffbeer-athena-results/api/",
        aws_endpoint_url=moto_endpoint,
    )


@pytest.fixture
def slow_queries(moto_endpoint: str) -> Iterator[None]:
    """Moto's Athena executions advance one state per two GetQueryExecution calls."""
    transition = {"model_name": "athena::execution"}
    moto_api(
        moto_endpoint,
        "state-manager/set-transition",
        {**transition, "transition": {"progression": "manual", "times": 2}},
    )
    yield
    moto_api(moto_endpoint, "state-manager/unset-transition", transition)


def only_execution(athena: Any, workgroup: str | None) -> dict[str, Any]:
    ids = athena.list_query_executions(WorkGroup=workgroup)["QueryExecutionIds"]
    assert len(ids) == 1
    return athena.get_query_execution(QueryExecutionId=ids[0])["QueryExecution"]


def test_query_goes_to_athena_as_named_sql_with_execution_parameters(
    moto_endpoint: str, athena: Any, settings: Settings
) -> None:
    queue_result(moto_endpoint, SALES_COLUMNS, [["P1", "online", "12", "30.50", "3"]])
    params = {"from": "2026-11-20", "to": "2026-11-22", "channel": "online"}
    response = TestClient(pinned_app(settings)).get("/sales-by-product", params=params)
    assert response.status_code == 200
    assert response.json()["items"] == [
        {"product_id": "P1", "channel": "online", "units": 12, "revenue": 30.5, "order_count": 3}
    ]
    execution = only_execution(athena, settings.athena_workgroup)
    assert execution["Query"] == load_query("sales_by_product").sql
    assert execution["ExecutionParameters"] == [
        "DATE '2026-11-20'",
        "DATE '2026-11-22'",
        "'online'",
    ]
    assert execution["QueryExecutionContext"] == {"Database": "duffbeer_test"}
    assert execution["WorkGroup"] == settings.athena_workgroup
    assert execution["ResultConfiguration"]["OutputLocation"].startswith(
        "s3://duffbeer-athena-results/api/"
    )


def test_missing_channel_is_sent_as_null_and_dates_default(
    moto_endpoint: str, athena: Any, settings: Settings
) -> None:
    queue_result(
        moto_endpoint,
        [
            ("status", "varchar"),
            ("channel", "varchar"),
            ("order_count", "bigint"),
            ("line_count", "bigint"),
            ("units", "bigint"),
            ("amount", "decimal"),
        ],
        [],
    )
    response = TestClient(pinned_app(settings)).get("/order-status-report")
    assert response.status_code == 200 and response.json()["items"] == []
    execution = only_execution(athena, settings.athena_workgroup)
    assert execution["ExecutionParameters"] == [
        f"DATE '{WINDOW[0]}'",
        f"DATE '{WINDOW[1]}'",
        "NULL",
    ]


def test_backend_polls_with_backoff_until_the_query_succeeds(
    moto_endpoint: str, settings: Settings, slow_queries: None
) -> None:
    sleeps: list[float] = []
    backend = AthenaBackend(settings, sleep=sleeps.append)
    states: list[str] = []
    backend.client.meta.events.register(
        "after-call.athena.GetQueryExecution",
        lambda parsed, **_: states.append(parsed["QueryExecution"]["Status"]["State"]),
    )
    queue_result(moto_endpoint, SALES_COLUMNS, [["P2", "store", "1", "9.99", "1"]])
    response = TestClient(pinned_app(settings, backend=backend)).get("/sales-by-product")
    assert response.status_code == 200
    assert response.json()["items"][0]["revenue"] == 9.99
    assert states == ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"]
    assert sleeps == [0.1, 0.2, 0.4]


def test_query_past_the_deadline_is_stopped_and_answered_504(
    athena: Any, settings: Settings, moto_endpoint: str
) -> None:
    moto_api(
        moto_endpoint,
        "state-manager/set-transition",
        {
            "model_name": "athena::execution",
            "transition": {"progression": "manual", "times": 1000},
        },
    )
    try:
        now = [0.0]
        backend = AthenaBackend(
            settings, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
        )
        response = TestClient(pinned_app(settings, backend=backend)).get("/sales-by-product")
        assert response.status_code == 504
        error = response.json()["error"]
        assert error["code"] == "query_timeout"
        stopped = athena.get_query_execution(QueryExecutionId=error["query_id"])["QueryExecution"]
        assert stopped["Status"]["State"] == "CANCELLED"
    finally:
        moto_api(
            moto_endpoint, "state-manager/unset-transition", {"model_name": "athena::execution"}
        )


def test_first_page_asks_for_limit_plus_header_row(
    moto_endpoint: str, athena: Any, settings: Settings
) -> None:
    backend = AthenaBackend(settings)
    sent: list[dict[str, Any]] = []
    backend.client.meta.events.register(
        "provide-client-params.athena.GetQueryResults", lambda params, **_: sent.append(params)
    )
    rows = [
        ["O2", "2026-11-21", "store", "C1", "2", "5", "20.00", "confirmed,shipped"],
        ["O1", "2026-11-20", "online", "C1", "1", "1", "3.10", "delivered"],
    ]
    queue_result(moto_endpoint, ORDER_COLUMNS, rows)
    body = TestClient(pinned_app(settings, backend=backend)).get("/orders/C1?limit=2").json()
    assert [o["order_id"] for o in body["orders"]] == ["O2", "O1"]
    assert body["orders"][0]["statuses"] == ["confirmed", "shipped"]
    assert body["next_token"] is None
    assert [(p["MaxResults"], "NextToken" in p) for p in sent] == [(3, False)]
    execution = only_execution(athena, settings.athena_workgroup)
    assert execution["ExecutionParameters"] == [
        "'C1'",
        f"DATE '{WINDOW[0]}'",
        f"DATE '{WINDOW[1]}'",
        "NULL",  # no channel: every channel
        "0",
        str(RESULT_ROW_CAP),
    ]


def test_token_pointing_at_another_querys_results_is_refused(
    moto_endpoint: str, athena: Any, settings: Settings
) -> None:
    queue_result(moto_endpoint, SALES_COLUMNS, [])
    client = TestClient(pinned_app(settings))
    assert client.get("/sales-by-product").status_code == 200
    other_id = only_execution(athena, settings.athena_workgroup)["QueryExecutionId"]
    fingerprint = tokens.fingerprint(
        "orders_by_client",
        {
            "client_id": "C1",
            "date_from": WINDOW[0],
            "date_to": WINDOW[1],
        },
    )
    token = tokens.encode({"q": fingerprint, "id": other_id, "n": "page-2"})
    response = client.get("/orders/C1", params={"next_token": token})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_next_token"
