"""Shared helpers of the API tests: moto's control API, run reports, API Gateway events."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from typing import Any

from fastapi import FastAPI

from api.app import create_app
from api.backends.base import Backend
from api.dependencies import today
from api.settings import Settings
from tests.conftest import REGION
from tests.oracle import SAMPLE_TODAY

SALES_COLUMNS = [
    ("product_id", "varchar"),
    ("channel", "varchar"),
    ("units", "bigint"),
    ("revenue", "decimal"),
    ("order_count", "bigint"),
]
ORDER_COLUMNS = [
    ("order_id", "varchar"),
    ("order_date", "date"),
    ("channel", "varchar"),
    ("client_id", "varchar"),
    ("line_count", "bigint"),
    ("units", "bigint"),
    ("order_total", "decimal"),
    ("statuses", "varchar"),
]


def pinned_app(
    settings: Settings, backend: Backend | None = None, on: dt.date = SAMPLE_TODAY
) -> FastAPI:
    """The app with "today" fixed at ``on``: the default window covers the sample's dates
    whatever the clock says (the dependency ``api.dependencies.today``, overridden)."""
    app = create_app(settings, backend=backend)
    app.dependency_overrides[today] = lambda: on
    return app


def moto_api(endpoint: str, path: str, payload: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def queue_result(endpoint: str, columns: list[tuple[str, str]], rows: list[list[str]]) -> None:
    """The rows the next started query will return (header row first, as Athena does)."""
    data = [[name for name, _ in columns], *rows]
    result = {
        "rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in data],
        "column_info": [{"Name": name, "Type": kind} for name, kind in columns],
    }
    # moto keeps queued results per region; it defaults to us-east-1 when none is given.
    moto_api(endpoint, "static/athena/query-results", {"region": REGION, "results": [result]})


def report(run_id: str, started_at: str, status: str = "succeeded") -> dict[str, Any]:
    totals = dict.fromkeys(
        (
            "files",
            "files_ok",
            "files_rejected",
            "files_skipped",
            "rows_read",
            "rows_valid",
            "rows_rejected",
        ),
        0,
    )
    return {
        "run_id": run_id,
        "status": status,
        "error": None,
        "started_at": started_at,
        "ended_at": started_at,
        "input_path": "in",
        "output_path": "out",
        "totals": totals,
        "rejected_by_reason": {},
        "partitions_written": {},
        "files": [],
    }


RUNS = [
    report("b-late-start", "2026-11-22T10:00:00+00:00", status="failed"),
    report("a-early-start", "2026-11-22T09:00:00+00:00"),
    report("c-naive", "2026-11-21T23:00:00"),
]


def api_gateway_event(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    """A REST API (v1) proxy-integration event, as API Gateway sends it to Lambda."""
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": "api.example.com", "Accept": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": "GET",
            "path": path,
            "stage": "prod",
            "requestId": "r-1",
            "identity": {"sourceIp": "1.2.3.4"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
