"""The default date window: a request without ``from``/``to`` reads the configured number of
days up to tomorrow (UTC), never all of history; explicit ranges still work, up to a cap.

"Today" is the ``api.dependencies.today`` dependency, replaced per app (``pinned_app``), so
the sample's fixed dates (2026-11-20..22) give the same answers on any day. The expected
windows are counted by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.settings import MAX_WINDOW_DAYS, ConfigError, Settings
from tests import oracle
from tests.api.helpers import pinned_app

# 2027-02-19: tomorrow is 2027-02-20 and 90 days before it is 2026-11-22, the sample's last day.
LATE_TODAY = dt.date(2027, 2, 19)


def get(output: Path, path: str, on: dt.date, **settings: Any) -> Any:
    app = pinned_app(Settings(output_path=str(output), **settings), on=on)
    return TestClient(app).get(path)


def days_in(body: dict[str, Any]) -> set[str]:
    return {item["order_date"] for item in body["items"]}


def sample_days(start: str, end: str) -> set[str]:
    """The sample's order dates inside [start, end], from the hand-written lines."""
    values = {"date_from": start, "date_to": end}
    return {
        line["order_date"].isoformat() for line in oracle.in_range(oracle.sample_orders(), values)
    }


def test_without_dates_only_the_last_90_days_up_to_tomorrow_are_read(job_output: Path) -> None:
    body = get(job_output, "/sales-by-channel-daily", LATE_TODAY).json()
    assert (body["from"], body["to"]) == ("2026-11-22", "2027-02-20")
    assert days_in(body) == {"2026-11-22"} == sample_days("2026-11-22", "2027-02-20")
    dates = get(job_output, "/order-dates", LATE_TODAY).json()
    assert (dates["first_order_date"], dates["last_order_date"], dates["order_days"]) == (
        "2026-11-22",
        "2026-11-22",
        1,
    )


def test_a_client_whose_orders_are_all_older_than_the_window_is_not_found(
    job_output: Path,
) -> None:
    # C00101 ordered on 2026-11-20 and 2026-11-21 only (tests/oracle.py)
    assert get(job_output, "/orders/C00101", LATE_TODAY).status_code == 404
    explicit = "/orders/C00101?from=2026-11-20&to=2026-11-22"
    body = get(job_output, explicit, LATE_TODAY).json()
    assert [o["order_id"] for o in body["orders"]] == ["ORD-1006", "ORD-1001"]


def test_one_day_later_the_window_holds_no_sample_day(job_output: Path) -> None:
    body = get(job_output, "/order-status-report", LATE_TODAY + dt.timedelta(days=1)).json()
    assert (body["from"], body["items"]) == ("2026-11-23", [])


def test_an_explicit_range_is_used_whatever_today_is(job_output: Path) -> None:
    body = get(job_output, "/sales-by-channel-daily?from=2026-11-20&to=2026-11-21", LATE_TODAY)
    assert days_in(body.json()) == {"2026-11-20", "2026-11-21"}


@pytest.mark.parametrize(
    ("query", "window"),
    [
        ("?to=2026-11-21", ("2026-08-23", "2026-11-21")),  # from: to minus 90 days
        ("?from=2026-11-21", ("2026-11-21", "2026-11-23")),  # to: tomorrow
    ],
)
def test_a_missing_end_takes_its_default(
    job_output: Path, query: str, window: tuple[str, str]
) -> None:
    body = get(job_output, f"/sales-by-channel-daily{query}", oracle.SAMPLE_TODAY).json()
    assert (body["from"], body["to"]) == window
    assert days_in(body) == sample_days(*window)


def test_the_window_setting_is_honoured(job_output: Path) -> None:
    assert Settings.from_env({"DUFFBEER_API_DEFAULT_WINDOW_DAYS": " 2 "}).default_window_days == 2
    app = pinned_app(Settings(output_path=str(job_output), default_window_days=2))
    body = TestClient(app).get("/sales-by-channel-daily").json()  # today 2026-11-22
    assert (body["from"], body["to"]) == ("2026-11-21", "2026-11-23")
    assert days_in(body) == {"2026-11-21", "2026-11-22"}


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("?from=2026-01-01&to=2027-01-02", 200),  # 366 days apart: the cap
        ("?from=2026-01-01&to=2027-01-03", 400),
        ("?from=2000-01-01", 400),  # up to tomorrow: decades
    ],
)
def test_a_range_longer_than_the_cap_is_refused(job_output: Path, query: str, status: int) -> None:
    response = get(job_output, f"/sales-by-product{query}", oracle.SAMPLE_TODAY)
    assert response.status_code == status
    if status == 400:
        assert response.json()["error"] == {
            "code": "date_range_too_long",
            "message": f"to must be at most {MAX_WINDOW_DAYS} days after from",
        }


def test_the_cap_setting_is_honoured(job_output: Path) -> None:
    query = "/order-dates?from=2026-11-20&to=2026-11-22"
    allowed = get(job_output, query, oracle.SAMPLE_TODAY, max_window_days=2, default_window_days=2)
    assert allowed.status_code == 200
    refused = get(job_output, query, oracle.SAMPLE_TODAY, max_window_days=1, default_window_days=1)
    assert refused.json()["error"]["code"] == "date_range_too_long"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DUFFBEER_API_DEFAULT_WINDOW_DAYS": "ninety"}, "DEFAULT_WINDOW_DAYS must be a whole"),
        ({"DUFFBEER_API_DEFAULT_WINDOW_DAYS": "1.5"}, "DEFAULT_WINDOW_DAYS must be a whole"),
        ({"DUFFBEER_API_DEFAULT_WINDOW_DAYS": "-3"}, "DEFAULT_WINDOW_DAYS must be a whole"),
        ({"DUFFBEER_API_DEFAULT_WINDOW_DAYS": "0"}, "DEFAULT_WINDOW_DAYS must be between 1"),
        ({"DUFFBEER_API_DEFAULT_WINDOW_DAYS": "367"}, r"between 1 and .*MAX_WINDOW_DAYS \(366\)"),
        (
            {"DUFFBEER_API_DEFAULT_WINDOW_DAYS": "30", "DUFFBEER_API_MAX_WINDOW_DAYS": "20"},
            r"between 1 and DUFFBEER_API_MAX_WINDOW_DAYS \(20\)",
        ),
        ({"DUFFBEER_API_MAX_WINDOW_DAYS": "0"}, "MAX_WINDOW_DAYS must be at least 1"),
    ],
)
def test_unusable_window_settings_fail_at_start_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)
