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


ORDERS_FP = tokens.fingerprint(
    "orders_by_client",
    {"client_id": "C00101", "date_from": "2000-01-01", "date_to": "2000-12-31"},
)
INJECTIONS = ["' OR '1'='1", "C00101'; DROP TABLE orders; --", "C00101 UNION SELECT 1", "1=1--"]
HOSTILE: list[tuple[str, dict[str, Any]]] = [
    *[(f"/orders/{text}", {}) for text in INJECTIONS],
    ("/orders/C00101", {"from": "2026-11-20'; DROP TABLE orders; --"}),
    ("/orders/C00101", {"to": "2026-11-20 OR 1=1"}),
    ("/sales-by-product", {"channel": "online' OR '1'='1"}),
    ("/sales-by-product", {"channel": "online;--"}),
    ("/order-status-report", {"channel": "ONLINE"}),
    ("/order-status-report", {"from": "0000-00-00"}),
    ("/order-status-report", {"from": "2026-02-30"}),
    ("/order-status-report", {"from": "2026-12-01", "to": "2026-11-01"}),
    ("/orders/..%2F..%2Fetc%2Fpasswd", {}),
    ("/orders/%2e%2e%2f%2e%2e%2foutput", {}),
    ("/orders/..\\..\\windows", {}),
    ("/runs/..%2F..%2Fetc%2Fpasswd", {}),
    ("/orders/" + "A" * 65, {}),
    ("/orders/" + "A" * 10_000, {}),
    ("/orders/Clíent", {}),
    ("/orders/クライアント", {}),
    ("/orders/C00101%00", {}),
    ("/orders/C00101%0A", {}),
    ("/orders/C00101", {"to": "2026-11-20\n"}),
    ("/sales-by-product", {"channel": "ónline"}),
    ("/sales-by-product", {"from": "\uff12\uff10\uff12\uff16-\uff11\uff11-\uff12\uff10"}),
    ("/orders/C00101", {"limit": "1000000000000000000000000"}),
    ("/orders/C00101", {"limit": "501"}),
    ("/orders/C00101", {"limit": "0"}),
    ("/orders/C00101", {"limit": "-1"}),
    ("/orders/C00101", {"limit": "1e3"}),
    ("/orders/C00101", {"next_token": "not*a*token"}),
    ("/orders/C00101", {"next_token": "A" * 5000}),
    ("/orders/C00101", {"next_token": forged({"q": "x", "o": 1})}),
    ("/orders/C00101", {"next_token": forged({"q": ORDERS_FP, "o": -5})}),
    ("/orders/C00101", {"next_token": forged({"q": ORDERS_FP, "o": 2**63})}),
    ("/orders/C00101", {"next_token": forged({"q": ORDERS_FP, "o": "1; DROP"})}),
    ("/orders/C00101", {"next_token": forged(["q", 1])}),
]


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


@pytest.mark.parametrize(("path", "params"), HOSTILE, ids=[f"{p[:40]}{q}"[:60] for p, q in HOSTILE])
def test_hostile_request_is_refused_with_a_clean_4xx(
    client: TestClient, before: Any, path: str, params: dict[str, Any]
) -> None:
    response = client.get(path, params=params)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert set(error) >= {"code", "message"}
    text = response.text.lower()
    assert "traceback" not in text and "select" not in text and "duckdb" not in text


def test_hostile_requests_change_nothing(
    client: TestClient, job_output: Path, before: tuple[dict[str, str], list[Any]]
) -> None:
    for path, params in HOSTILE:
        client.get(path, params=params)
    assert snapshot(job_output) == before[0]
    assert answers(client) == before[1]
    assert answers(client)[0]["orders"]  # still serving real data


def test_post_is_not_allowed(client: TestClient) -> None:
    response = client.post("/orders/C00101", json={"client_id": "x"})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
