"""Hostile input: each request gets a 4xx with the error body, and nothing changes.

"Nothing changes" is checked twice: the job output on disk (every file's bytes) and the
answers of the read endpoints are identical before and after the whole barrage.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import tokens


def forged(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# The window of the forged tokens below, so only the offset or the shape is wrong in them.
WINDOW = {"from": "2000-01-01", "to": "2000-12-31"}
ORDERS_FP = tokens.fingerprint(
    "orders_by_client",
    {"client_id": "C00101", "date_from": "2000-01-01", "date_to": "2000-12-31"},
)
INJECTIONS = ["' OR '1'='1", "C00101'; DROP TABLE orders; --", "C00101 UNION SELECT 1", "1=1--"]
BAD_CLIENT = (400, "invalid_client_id")
BAD_LIMIT = (400, "invalid_limit")
BAD_TOKEN = (400, "invalid_next_token")
NO_ROUTE = (404, "not_found")
# (path, query parameters, expected status, expected error code)
HOSTILE: list[tuple[str, dict[str, Any], int, str]] = [
    *[(f"/orders/{text}", {}, *BAD_CLIENT) for text in INJECTIONS],
    ("/orders/C00101", {"from": "2026-11-20'; DROP TABLE orders; --"}, 400, "invalid_from"),
    ("/orders/C00101", {"to": "2026-11-20 OR 1=1"}, 400, "invalid_to"),
    ("/sales-by-product", {"channel": "online' OR '1'='1"}, 400, "invalid_channel"),
    ("/sales-by-product", {"channel": "online;--"}, 400, "invalid_channel"),
    ("/order-status-report", {"channel": "ONLINE"}, 400, "invalid_channel"),
    ("/order-status-report", {"from": "0000-00-00"}, 400, "invalid_from"),
    ("/order-status-report", {"from": "2026-02-30"}, 400, "invalid_from"),
    ("/order-status-report", {"to": "2026-13-01"}, 400, "invalid_to"),
    ("/order-status-report", {"from": "2026-12-01", "to": "2026-11-01"}, 400, "invalid_date_range"),
    ("/orders/..%2F..%2Fetc%2Fpasswd", {}, *NO_ROUTE),
    ("/orders/%2e%2e%2f%2e%2e%2foutput", {}, *NO_ROUTE),
    ("/orders/..\\..\\windows", {}, *BAD_CLIENT),
    ("/runs/..%2F..%2Fetc%2Fpasswd", {}, *NO_ROUTE),
    ("/orders/" + "A" * 65, {}, *BAD_CLIENT),
    ("/orders/" + "A" * 10_000, {}, *BAD_CLIENT),
    ("/orders/Clíent", {}, *BAD_CLIENT),
    ("/orders/クライアント", {}, *BAD_CLIENT),
    ("/orders/C00101%00", {}, *BAD_CLIENT),
    ("/orders/C00101%0A", {}, *BAD_CLIENT),
    ("/orders/C00101", {"to": "2026-11-20\n"}, 400, "invalid_to"),
    ("/sales-by-product", {"channel": "ónline"}, 400, "invalid_channel"),
    (
        "/sales-by-product",
        {"from": "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff12\uff10"},
        400,
        "invalid_from",
    ),
    ("/orders/C00101", {"limit": "1000000000000000000000000"}, *BAD_LIMIT),
    ("/orders/C00101", {"limit": "501"}, *BAD_LIMIT),
    ("/orders/C00101", {"limit": "0"}, *BAD_LIMIT),
    ("/orders/C00101", {"limit": "-1"}, *BAD_LIMIT),
    ("/orders/C00101", {"limit": "1e3"}, *BAD_LIMIT),
    ("/orders/C00101", {"next_token": "not*a*token"}, *BAD_TOKEN),
    ("/orders/C00101", {"next_token": "A" * 2049}, *BAD_TOKEN),
    ("/orders/C00101", {"next_token": "A" * 5000}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged({"q": "x", "o": 1})}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged({"q": ORDERS_FP, "o": -1})}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged({"q": ORDERS_FP, "o": 2**63})}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged({"q": ORDERS_FP, "o": "1"})}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged({"q": ORDERS_FP, "o": True})}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged({"q": ORDERS_FP})}, *BAD_TOKEN),
    ("/orders/C00101", {**WINDOW, "next_token": forged(["q", 1])}, *BAD_TOKEN),
]
# The same forged offsets, within range, are accepted: the refusals above are about the offset.
ACCEPTED_TOKEN_OFFSETS = [0, 1]


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def answers(client: TestClient) -> list[Any]:
    paths = ["/orders/C00101", "/sales-by-product", "/order-status-report", "/runs/latest"]
    return [client.get(path).json() for path in paths]


@pytest.fixture(scope="module")
def before(client: TestClient, job_output: Path) -> tuple[dict[str, str], list[Any]]:
    return snapshot(job_output), answers(client)


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    HOSTILE,
    ids=[f"{p[:40]}{q}"[:60] for p, q, _, _ in HOSTILE],
)
def test_hostile_request_is_refused_with_its_status_and_code(
    client: TestClient, before: Any, path: str, params: dict[str, Any], status: int, code: str
) -> None:
    response = client.get(path, params=params)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert set(response.json()["error"]) == {"code", "message"}
    text = response.text.lower()
    assert "traceback" not in text and "select" not in text and "duckdb" not in text


def test_hostile_requests_change_nothing(
    client: TestClient, job_output: Path, before: tuple[dict[str, str], list[Any]]
) -> None:
    for path, params, _, _ in HOSTILE:
        client.get(path, params=params)
    assert snapshot(job_output) == before[0]
    assert answers(client) == before[1]
    assert answers(client)[0]["orders"]  # still serving real data


@pytest.mark.parametrize("offset", ACCEPTED_TOKEN_OFFSETS)
def test_a_token_of_this_query_within_range_is_accepted(client: TestClient, offset: int) -> None:
    """The control for the forged tokens: same window and fingerprint, a valid offset."""
    token = forged({"q": ORDERS_FP, "o": offset})
    response = client.get("/orders/C00101", params={**WINDOW, "next_token": token})
    assert response.status_code == 200, response.text
    assert response.json()["orders"] == []  # no C00101 orders in 2000


@pytest.mark.parametrize(("limit", "count"), [("1", 1), ("500", 2)])
def test_limit_bounds_are_inclusive(client: TestClient, limit: str, count: int) -> None:
    """C00101 has two orders in data/sample (ORD-1001, ORD-1006)."""
    response = client.get("/orders/C00101", params={"limit": limit})
    assert response.status_code == 200, response.text
    assert len(response.json()["orders"]) == count


def test_post_is_not_allowed(client: TestClient) -> None:
    response = client.post("/orders/C00101", json={"client_id": "x"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
