"""The dashboard in headless Chromium against the app under uvicorn over a real job output.

Every figure the page shows is compared with the API's JSON for the same filters, fetched
over HTTP from the same server; the expected grouping (top N + "Other") and formatting
(en-US, USD, 2 decimals) are computed here independently of the page's JS.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.dashboard.page import (
    api,
    console_errors,
    open_page,
    read,
    text,
    url_params,
    wait_ready,
)

FIRST, LAST = "2026-11-20", "2026-11-22"  # the sample's order dates
WINDOW = f"?from={FIRST}&to={LAST}"


def usd(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}"


def expected_products(items: list[dict[str, Any]], top: int) -> list[tuple[str, str, str]]:
    """(product, revenue, units) per product over channels, highest revenue first, top N + Other."""
    totals: dict[str, list[Any]] = defaultdict(lambda: [Decimal("0"), 0])
    for item in items:
        totals[item["product_id"]][0] += Decimal(str(item["revenue"]))
        totals[item["product_id"]][1] += item["units"]
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    rows = [(product, f"{revenue:.2f}", str(units)) for product, (revenue, units) in ranked[:top]]
    rest = ranked[top:]
    if rest:
        revenue = sum((r for _, (r, _u) in rest), Decimal("0"))
        rows.append(("Other", f"{revenue:.2f}", str(sum(u for _, (_r, u) in rest))))
    return rows


def shown_products(driver: WebDriver) -> list[tuple[str, str, str]]:
    rows = read(driver, "#products g.bar-row", "product", "revenue", "units")
    for row in rows:  # the labels people read are the same figures, formatted
        assert f"{usd(row['revenue'])}" in row["text"], row
        units = int(row["units"])
        assert f"{units:,} {'unit' if units == 1 else 'units'}" in row["text"], row
    return [(r["product"], r["revenue"], r["units"]) for r in rows]


def assert_panels_match_api(driver: WebDriver, base_url: str, params: dict[str, str]) -> None:
    """Products, revenue per day and channel, and the status report equal the API's JSON."""
    top = int(params.pop("top", "8"))
    products = api(base_url, "/sales-by-product", **params)["items"]
    assert shown_products(driver) == expected_products(products, top)
    total = sum((Decimal(str(i["revenue"])) for i in products), Decimal("0"))
    assert text(driver, '#products [data-kpi="revenue"]') == usd(total)

    daily = api(base_url, "/sales-by-channel-daily", **params)["items"]
    segments = read(driver, "#channels rect.segment", "day", "channel", "revenue")
    shown = {(s["day"], s["channel"]): Decimal(s["revenue"]) for s in segments}
    expected = {
        (i["order_date"], i["channel"]): Decimal(str(i["revenue"]))
        for i in daily
        if i["revenue"] > 0
    }
    assert shown == expected
    legend = {r["channel"]: r["text"] for r in read(driver, "#channels li", "channel")}
    per_channel: dict[str, Decimal] = defaultdict(Decimal)
    for item in daily:
        per_channel[item["channel"]] += Decimal(str(item["revenue"]))
    assert legend == {c: f"{c} {usd(v)}" for c, v in per_channel.items()}

    statuses = api(base_url, "/order-status-report", **params)["items"]
    cells = read(driver, "#status td[data-status]", "status", "channel", "orders", "amount")
    assert sorted(
        (c["status"], c["channel"], c["orders"], c["amount"], c["text"]) for c in cells
    ) == sorted(
        (
            i["status"],
            i["channel"],
            str(i["order_count"]),
            f"{Decimal(str(i['amount'])):.2f}",
            f"{i['order_count']:,} · {usd(i['amount'])}",
        )
        for i in statuses
    )


def test_page_opens_on_the_last_30_days_of_data_without_console_errors(
    driver: WebDriver, base_url: str, artifacts: Path
) -> None:
    console_errors(driver)  # start clean
    open_page(driver, f"{base_url}/?client=C00101")
    assert url_params(driver) == {"from": "2026-10-24", "to": LAST, "client": "C00101"}
    assert driver.find_element(By.ID, "f-from").get_attribute("value") == "2026-10-24"
    assert console_errors(driver) == []
    assert_panels_match_api(driver, base_url, {"from": "2026-10-24", "to": LAST})
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(1000, int(height) + 40))
    driver.save_screenshot(str(artifacts / "dashboard.png"))
    driver.set_window_size(1280, 1000)


def test_panels_show_the_api_figures_with_top_products_and_other(
    driver: WebDriver, base_url: str
) -> None:
    open_page(driver, f"{base_url}/dashboard{WINDOW}&top=3", query=WINDOW)
    assert [row[0] for row in shown_products(driver)][-1] == "Other"
    assert_panels_match_api(driver, base_url, {"from": FIRST, "to": LAST, "top": "3"})
    assert console_errors(driver) == []


def test_freshness_shows_the_latest_run_and_warns_about_its_rejects(
    driver: WebDriver, base_url: str
) -> None:
    open_page(driver, f"{base_url}/{WINDOW}", query=WINDOW)
    run = api(base_url, "/runs/latest")
    totals = run["totals"]
    assert totals["rows_rejected"] > 0  # the sample has a bad row per reason
    warning = driver.find_element(By.CSS_SELECTOR, '#freshness [data-warning="run"]')
    assert warning.is_displayed()
    assert f"{totals['rows_rejected']} rows were rejected" in warning.text
    assert text(driver, '#freshness [data-fact="rows-loaded"]') == f"{totals['rows_valid']:,}"
    assert text(driver, '#freshness [data-fact="rows-rejected"]') == f"{totals['rows_rejected']:,}"
    files = (
        f"{totals['files_ok']} ok, {totals['files_rejected']} rejected, "
        f"{totals['files_skipped']} skipped (of {totals['files']})"
    )
    assert text(driver, '#freshness [data-fact="files"]') == files
    assert text(driver, '#freshness [data-fact="status"]') == run["status"]
    assert run["ended_at"][:4] in text(driver, '#freshness [data-fact="ended"]')
    reasons = read(driver, "#freshness td[data-reason]", "reason", "rows")
    assert {r["reason"]: int(r["rows"]) for r in reasons} == run["rejected_by_reason"]


def test_changing_filters_updates_every_panel_and_the_url(driver: WebDriver, base_url: str) -> None:
    open_page(driver, f"{base_url}/{WINDOW}&client=C00105", query=WINDOW)
    before = read(driver, "#client td[data-order]", "order")
    Select(driver.find_element(By.ID, "f-channel")).select_by_value("store")
    store = f"{WINDOW}&channel=store"
    wait_ready(driver, query=store)
    assert url_params(driver) == {"from": FIRST, "to": LAST, "channel": "store", "client": "C00105"}
    assert_panels_match_api(driver, base_url, {"from": FIRST, "to": LAST, "channel": "store"})
    assert {s["channel"] for s in read(driver, "#channels rect.segment", "channel")} == {"store"}
    orders = api(base_url, "/orders/C00105", **{"from": FIRST, "to": LAST, "channel": "store"})
    shown = read(driver, "#client td[data-order]", "order")
    assert [o["order"] for o in shown] == [o["order_id"] for o in orders["orders"]]
    assert len(shown) < len(before)

    driver.execute_script(
        "const e = document.getElementById('f-from'); e.value = arguments[0];"
        "e.dispatchEvent(new Event('change'));",
        "2026-11-22",
    )
    one_day = f"?from={LAST}&to={LAST}&channel=store"
    wait_ready(driver, query=one_day)
    assert url_params(driver)["from"] == LAST
    assert_panels_match_api(driver, base_url, {"from": LAST, "to": LAST, "channel": "store"})
    assert {s["day"] for s in read(driver, "#channels rect.segment", "day")} == {LAST}
    driver.back()  # the previous view comes back from the URL
    wait_ready(driver, query=store)
    assert console_errors(driver) == []


def test_client_lookup_pages_through_the_clients_orders(driver: WebDriver, base_url: str) -> None:
    open_page(driver, f"{base_url}/{WINDOW}&limit=1", query=WINDOW)
    driver.find_element(By.ID, "c-id").send_keys("C00101")
    driver.find_element(By.CSS_SELECTOR, "#client-form button[type=submit]").click()
    expected = api(base_url, "/orders/C00101", **{"from": FIRST, "to": LAST})["orders"]
    assert len(expected) >= 2
    seen = []
    for page in range(1, len(expected) + 1):
        wait_ready(driver)
        assert driver.execute_script(
            "return document.getElementById('client').dataset.page"
        ) == str(page)
        rows = read(driver, "#client td[data-order]", "order", "total")
        assert len(rows) == 1
        seen.extend((r["order"], r["total"]) for r in rows)
        next_button = driver.find_element(By.CSS_SELECTOR, "#client button.next")
        if page < len(expected):
            next_button.click()
        else:
            assert not next_button.is_enabled()
    assert seen == [(o["order_id"], f"{o['order_total']:.2f}") for o in expected]
    assert usd(expected[-1]["order_total"]) in text(driver, "#client tbody")
    assert url_params(driver)["client"] == "C00101" and url_params(driver)["limit"] == "1"
    driver.find_element(By.CSS_SELECTOR, "#client button.prev").click()
    wait_ready(driver)
    assert read(driver, "#client td[data-order]", "order")[0]["order"] == expected[-2]["order_id"]
    assert console_errors(driver) == []


def test_unknown_client_and_bad_ranges_are_readable_messages(
    driver: WebDriver, base_url: str
) -> None:
    open_page(driver, f"{base_url}/{WINDOW}&client=C99999", query=WINDOW)
    assert "No orders for client C99999 in this window." in text(driver, "#client .body")
    driver.get(f"{base_url}/?from=2001-01-01&to=2001-01-31")
    wait_ready(driver, query="?from=2001-01-01&to=2001-01-31")
    for panel in ("products", "channels"):
        assert text(driver, f"#{panel} .body") == "No sales in this window."
    assert text(driver, "#status .body") == "No orders in this window."
    driver.get(f"{base_url}/?from={LAST}&to={FIRST}")
    message = driver.find_element(By.ID, "filter-message")
    assert message.is_displayed() and "must not be after" in message.text
    console_errors(driver)  # the unknown client's 404 is logged by the browser, as expected


def test_api_errors_are_shown_in_each_panel(driver: WebDriver, empty_base_url: str) -> None:
    open_page(driver, f"{empty_base_url}/{WINDOW}", query=WINDOW)
    for panel in ("products", "channels", "status"):
        body = text(driver, f"#{panel} .body")
        assert body == "Could not load this panel: no job output to query yet; run the job first"
    assert text(driver, "#freshness .body") == "The job has not run yet: no run report."
    console_errors(driver)


def test_phone_width_fits_without_sideways_scrolling(
    driver: WebDriver, base_url: str, artifacts: Path
) -> None:
    driver.set_window_size(390, 844)
    try:
        open_page(driver, f"{base_url}/{WINDOW}&client=C00101", query=WINDOW)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        widths = driver.execute_script(
            "return [...document.querySelectorAll('svg.chart')]"
            ".map(s => s.getBoundingClientRect().right)"
        )
        assert widths and max(widths) <= 390
        driver.save_screenshot(str(artifacts / "dashboard-phone.png"))
    finally:
        driver.set_window_size(1280, 1000)
