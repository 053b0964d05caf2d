"""Parameter validation at its edges, over an app with no job output (no Spark needed).

Validation runs before any query: a refused value answers 400 with its code, and a value
just inside a limit gets through to the backend, which then answers 503 ``output_missing``
(there is nothing to query). So each limit is pinned from both sides.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

PASSED = (503, "output_missing")  # got past validation to the (empty) backend


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    empty: Path = tmp_path_factory.mktemp("no_output")
    with TestClient(create_app(Settings(output_path=str(empty)))) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/orders/C1", {"limit": "1"}, PASSED),
        ("/orders/C1", {"limit": "500"}, PASSED),
        ("/orders/C1", {"limit": "0"}, (400, "invalid_limit")),
        ("/orders/C1", {"limit": "501"}, (400, "invalid_limit")),
        ("/orders/" + "A" * 64, {}, PASSED),
        ("/orders/" + "A" * 65, {}, (400, "invalid_client_id")),
        ("/orders/a_B-9", {}, PASSED),
        ("/orders/a.b", {}, (400, "invalid_client_id")),
        ("/sales-by-product", {"from": "2026-11-20", "to": "2026-11-20"}, PASSED),
        (
            "/sales-by-product",
            {"from": "2026-11-21", "to": "2026-11-20"},
            (400, "invalid_date_range"),
        ),
        ("/sales-by-product", {"from": "2024-02-29", "to": "2024-03-01"}, PASSED),
        # The span cap (DUFFBEER_API_MAX_WINDOW_DAYS, 366 by default): to - from in days.
        ("/sales-by-product", {"from": "2025-01-01", "to": "2026-01-02"}, PASSED),
        (
            "/sales-by-product",
            {"from": "2025-01-01", "to": "2026-01-03"},
            (400, "date_range_too_long"),
        ),
        ("/sales-by-product", {"from": "2025-02-29"}, (400, "invalid_from")),
        ("/sales-by-product", {"to": "2025-02-29"}, (400, "invalid_to")),
        ("/sales-by-product", {"from": "2026-1-01"}, (400, "invalid_from")),
        ("/sales-by-product", {"to": "20261101"}, (400, "invalid_to")),
        ("/order-status-report", {"channel": "phone"}, PASSED),
        ("/order-status-report", {"channel": "Phone"}, (400, "invalid_channel")),
        ("/order-status-report", {"channel": ""}, (400, "invalid_channel")),
        ("/orders/C1", {"channel": "distributor"}, PASSED),
        ("/orders/C1", {"next_token": "abc*"}, (400, "invalid_next_token")),
        ("/orders/C1", {"next_token": "A" * 2049}, (400, "invalid_next_token")),
    ],
)
def test_parameter_at_its_limit(
    bare: TestClient, path: str, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    response = bare.get(path, params=params)
    assert (response.status_code, response.json()["error"]["code"]) == expected


def test_a_too_long_range_says_the_cap(bare: TestClient) -> None:
    response = bare.get("/order-status-report", params={"from": "2024-01-01", "to": "2026-01-01"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "date_range_too_long",
        "message": "to must be at most 366 days after from",
    }


def test_refusal_names_the_parameter_and_the_rule_without_echoing_the_value(
    bare: TestClient,
) -> None:
    response = bare.get("/orders/C1", params={"limit": "999999"})
    assert response.json()["error"]["message"] == "limit: Input should be less than or equal to 500"
    response = bare.get("/orders/C1", params={"limit": "0"})
    assert (
        response.json()["error"]["message"] == "limit: Input should be greater than or equal to 1"
    )


def test_date_range_message(bare: TestClient) -> None:
    response = bare.get("/sales-by-product", params={"from": "2026-11-21", "to": "2026-11-20"})
    assert response.json()["error"] == {
        "code": "invalid_date_range",
        "message": "from must not be after to",
    }


def test_unreal_date_message(bare: TestClient) -> None:
    response = bare.get("/sales-by-product", params={"to": "2026-02-30"})
    assert response.json()["error"] == {
        "code": "invalid_to",
        "message": "to must be a real date (YYYY-MM-DD)",
    }


def test_unknown_route_and_method(bare: TestClient) -> None:
    missing = bare.get("/nowhere")
    assert (missing.status_code, missing.json()["error"]) == (
        404,
        {"code": "not_found", "message": "no such resource; see /docs"},
    )
    post = bare.post("/health")
    assert (post.status_code, post.json()["error"]) == (
        405,
        {"code": "method_not_allowed", "message": "Method Not Allowed"},
    )
    assert post.headers["allow"] == "GET"


def token(payload: object) -> str:
    """A page token as the API issues them: url-safe base64 of JSON, padding stripped."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def fingerprint(client_id: str) -> str:
    """The token's query fingerprint for /orders/{client_id} over 2000-01-01 .. 2000-12-31:
    the first 16 hex digits of the sha256 of the query name and its sorted values."""
    values = {"client_id": client_id, "date_from": "2000-01-01", "date_to": "2000-12-31"}
    canonical = json.dumps(["orders_by_client", sorted(values.items())])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


YEAR_2000 = {"from": "2000-01-01", "to": "2000-12-31"}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"q": "C1", "o": 0}, PASSED),
        ({"q": "C1", "o": 2**31}, PASSED),
        ({"q": "C1", "o": 2**31 + 1}, (400, "invalid_next_token")),
        ({"q": "C1", "o": -1}, (400, "invalid_next_token")),
        ({"q": "C1", "o": "0"}, (400, "invalid_next_token")),
        ({"q": "C1", "o": True}, (400, "invalid_next_token")),
        ({"q": "C1", "o": 0.0}, (400, "invalid_next_token")),
        ({"q": "C1"}, (400, "invalid_next_token")),
        ({"q": "C1", "o": 0, "x": 1}, (400, "invalid_next_token")),
        ({"q": "C2", "o": 0}, (400, "invalid_next_token")),  # another client's token
        (["C1", 0], (400, "invalid_next_token")),
    ],
)
def test_page_token_checks(bare: TestClient, payload: Any, expected: tuple[int, str]) -> None:
    if isinstance(payload, dict) and "q" in payload:
        payload = {**payload, "q": fingerprint(payload["q"])}
    params = {**YEAR_2000, "next_token": token(payload)}
    response = bare.get("/orders/C1", params=params)
    assert (response.status_code, response.json()["error"]["code"]) == expected


def test_page_token_of_exactly_the_maximum_length_is_read(bare: TestClient) -> None:
    """2048 characters is allowed (the JSON padded with spaces to 1536 bytes); 2049 is not."""
    text = json.dumps({"q": fingerprint("C1"), "o": 0})
    padded = text[:-1] + " " * (1536 - len(text)) + "}"
    longest = base64.urlsafe_b64encode(padded.encode()).decode()
    assert len(longest) == 2048
    response = bare.get("/orders/C1", params={**YEAR_2000, "next_token": longest})
    assert (response.status_code, response.json()["error"]["code"]) == PASSED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e30", (400, "invalid_next_token")),  # {} : no fields
        ("bm90IGpzb24", (400, "invalid_next_token")),  # "not json"
        ("_w", (400, "invalid_next_token")),  # one byte that is not UTF-8
        ("A", (400, "invalid_next_token")),  # not base64 at all
    ],
)
def test_page_token_that_does_not_decode(
    bare: TestClient, text: str, expected: tuple[int, str]
) -> None:
    response = bare.get("/orders/C1", params={**YEAR_2000, "next_token": text})
    assert (response.status_code, response.json()["error"]["code"]) == expected
    assert response.json()["error"]["message"] == "next_token is not a token this API issued"


def test_page_token_for_another_query_says_so(bare: TestClient) -> None:
    payload = {"q": fingerprint("C2"), "o": 0}
    response = bare.get("/orders/C1", params={**YEAR_2000, "next_token": token(payload)})
    assert response.json()["error"]["message"] == "next_token belongs to another query"


class BrokenBackend:
    """Stands in for the query engine: every query fails with an unexpected error whose text
    must not reach the client."""

    name = "broken"

    def rows(self, query: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        raise RuntimeError("SELECT secret FROM orders failed at /srv/duckdb")

    def page(self, *args: Any) -> Any:
        raise RuntimeError("SELECT secret FROM orders failed at /srv/duckdb")


def test_unexpected_error_is_a_bare_500(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(output_path=str(tmp_path)), backend=BrokenBackend())  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/sales-by-product", "/orders/C1"):
            response = client.get(path)
            assert (response.status_code, response.json()) == (
                500,
                {
                    "error": {
                        "code": "internal_error",
                        "message": "internal error; the request was logged",
                    }
                },
            )
    logged = [(r.getMessage(), getattr(r, "path", None)) for r in caplog.records if r.exc_info]
    assert logged == [("unhandled error", "/sales-by-product"), ("unhandled error", "/orders/C1")]


class EmptyBackend:
    """Stands in for the query engine: answers every report with no rows."""

    name = "empty"

    def rows(self, query: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        return []


def test_default_window_ends_tomorrow_in_utc_whatever_the_local_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's local date differs from the UTC date now (a zone chosen for the hour)."""
    utc_now = dt.datetime.now(dt.UTC)
    zone = "Etc/GMT-14" if utc_now.hour >= 10 else "Etc/GMT+12"  # UTC+14 / UTC-12
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert dt.datetime.now().date() != utc_now.date()
        app = create_app(Settings(output_path=str(tmp_path)), backend=EmptyBackend())  # type: ignore[arg-type]
        body = TestClient(app).get("/sales-by-product").json()
    finally:
        monkeypatch.undo()
        time.tzset()
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert body["to"] == tomorrow.isoformat()
    assert body["from"] == (tomorrow - dt.timedelta(days=90)).isoformat()
