"""The app under a real uvicorn server on 127.0.0.1 (free port), called over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.servers import serve


@pytest.fixture(scope="module")
def base_url(local_app: FastAPI) -> Iterator[str]:
    yield from serve(local_app)


def get(url: str) -> tuple[int, str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["content-type"], err.read().decode()


def test_uvicorn_serves_orders_and_reports_over_http(base_url: str) -> None:
    status, kind, text = get(f"{base_url}/orders/C00101?limit=1")
    assert (status, kind) == (200, "application/json")
    assert json.loads(text)["orders"][0]["order_id"]
    status, _, text = get(f"{base_url}/sales-by-product?channel=store")
    assert status == 200 and json.loads(text)["items"]
    status, _, text = get(f"{base_url}/order-status-report")
    assert status == 200 and json.loads(text)["items"]


def test_uvicorn_answers_errors_as_json(base_url: str) -> None:
    status, kind, text = get(f"{base_url}/orders/bad%20id")
    assert (status, kind) == (400, "application/json")
    assert json.loads(text)["error"]["code"] == "invalid_client_id"


def test_interactive_docs_and_openapi_are_served(base_url: str) -> None:
    status, kind, text = get(f"{base_url}/docs")
    assert status == 200 and kind.startswith("text/html") and "swagger" in text.lower()
    status, _, text = get(f"{base_url}/openapi.json")
    assert status == 200 and "/orders/{client_id}" in json.loads(text)["paths"]
