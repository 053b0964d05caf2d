"""Reading the dashboard page from the tests: waits, panel figures, the API's JSON to compare."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

PANELS = ("freshness", "products", "channels", "status", "client")
FILTERED = ("products", "channels", "status")
WAIT_SECONDS = 30

_STATES = """
return Object.fromEntries([...document.querySelectorAll('section.panel')]
  .map(p => [p.id, {state: p.dataset.state || null, query: p.dataset.query ?? null,
                    page: p.dataset.page || null}]));
"""


def states(driver: WebDriver) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = driver.execute_script(_STATES)
    return result


def wait_ready(driver: WebDriver, query: str | None = None) -> dict[str, dict[str, Any]]:
    """Wait until no panel is loading (and the filtered ones show ``query``, if given)."""

    def ready(d: WebDriver) -> dict[str, dict[str, Any]] | None:
        now = states(d)
        settled = all(now.get(p, {}).get("state") not in (None, "loading") for p in PANELS)
        current = query is None or all(now[p]["query"] == query for p in FILTERED)
        return now if settled and current else None

    result: dict[str, dict[str, Any]] = WebDriverWait(driver, WAIT_SECONDS).until(
        ready, message=f"panels did not settle on {query!r}"
    )
    return result


def open_page(driver: WebDriver, url: str, query: str | None = None) -> None:
    driver.get(url)
    wait_ready(driver, query)


def console_errors(driver: WebDriver) -> list[dict[str, Any]]:
    """Browser console entries at SEVERE level since the last call (reading clears them)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def api(base_url: str, path: str, **params: str) -> Any:
    """The API's JSON for ``path`` with ``params``, fetched over HTTP like the page does."""
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    with urllib.request.urlopen(f"{base_url}{path}?{query}", timeout=30) as response:
        return json.load(response)


def url_params(driver: WebDriver) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(driver.current_url).query))


def read(driver: WebDriver, selector: str, *fields: str) -> list[dict[str, str]]:
    """``data-*`` fields and the text of every element matching ``selector``, in page order."""
    script = """
    const [selector, fields] = arguments;
    return [...document.querySelectorAll(selector)].map(e => Object.fromEntries(
      [...fields.map(f => [f, e.dataset[f]]), ['text', e.textContent.trim()]]));
    """
    rows: list[dict[str, str]] = driver.execute_script(script, selector, list(fields))
    return rows


def text(driver: WebDriver, selector: str) -> str:
    value: str = driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;",
        selector,
    )
    return value
