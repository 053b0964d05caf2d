"""The dashboard against an API that demands a key, as the deployed API Gateway does.

Nothing local enforces API Gateway's usage-plan keys, so ``ApiGatewayKeyCheck`` below is a
test-only ASGI middleware that simulates it: the page routes the deployer leaves open
(``deploy.apigw.PAGE_ROUTES``) pass without a key, and every other route answers API Gateway's
``403 {"message": "Forbidden"}`` unless ``x-api-key`` carries the key. Behind it runs the real
app under uvicorn over the session's job output; the panels' figures are compared with the
unprotected app's JSON for the same filters.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from api.settings import Settings
from deploy.apigw import PAGE_ROUTES
from tests.api.helpers import pinned_app
from tests.dashboard.page import WAIT_SECONDS, console_errors, states, text, wait_ready
from tests.dashboard.test_dashboard_browser import FIRST, LAST, WINDOW, assert_panels_match_api
from tests.servers import serve

KEY = "duffbeerTestKey0123456789abcdef"
FORBIDDEN = b'{"message":"Forbidden"}'
STORE = "duffbeer.apiKey"


def is_page(path: str) -> bool:
    """Is ``path`` one of the routes the deployer creates without the API key?"""
    for route in PAGE_ROUTES:
        prefix = route.removesuffix("{proxy+}")
        if path == route or (prefix != route and path.startswith(prefix)):
            return True
    return False


class ApiGatewayKeyCheck:
    """Test-only stand-in for API Gateway's API-key check (see the module docstring); it also
    records every request target and the key each request carried."""

    def __init__(self, app: Any, key: str) -> None:
        self.app, self.key = app, key.encode()
        self.requests: list[tuple[str, bytes | None]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"x-api-key")
        self.requests.append((f"{scope['path']}?{scope['query_string'].decode()}", sent))
        if is_page(scope["path"]) or sent == self.key:
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(FORBIDDEN)).encode()),
        ]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": FORBIDDEN})


@pytest.fixture(scope="module")
def gateway(dashboard_output: Path) -> Iterator[tuple[str, ApiGatewayKeyCheck]]:
    checked = ApiGatewayKeyCheck(pinned_app(Settings(output_path=str(dashboard_output))), KEY)
    for url in serve(checked):  # type: ignore[arg-type]
        yield url, checked


def key_form_says(driver: WebDriver, words: str) -> None:
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: (
            d.find_element(By.ID, "key-form").is_displayed() and words in text(d, "#key-message")
        ),
        message=f"the API key form did not say {words!r}",
    )


def enter_key(driver: WebDriver, key: str) -> None:
    field = driver.find_element(By.ID, "k-key")
    field.clear()
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()


def test_page_asks_for_the_key_keeps_it_out_of_the_url_and_fills_every_panel(
    driver: WebDriver, gateway: tuple[str, ApiGatewayKeyCheck], base_url: str, artifacts: Path
) -> None:
    url, checked = gateway
    console_errors(driver)  # start clean
    driver.get(f"{url}/{WINDOW}&client=C00101")
    key_form_says(driver, "needs an API key")
    assert states(driver)["products"]["state"] == "loading"  # waiting for the key, no error
    driver.save_screenshot(str(artifacts / "dashboard-api-key.png"))
    enter_key(driver, "not-the-key")
    key_form_says(driver, "refused this API key")
    enter_key(driver, KEY)
    wait_ready(driver, query=WINDOW)
    assert not driver.find_element(By.ID, "key-form").is_displayed()
    assert {p: s["state"] for p, s in states(driver).items()} == dict.fromkeys(
        ("freshness", "status", "products", "channels", "client"), "ready"
    )
    assert_panels_match_api(driver, base_url, {"from": FIRST, "to": LAST})
    assert driver.find_elements(By.CSS_SELECTOR, "#client td[data-order]")

    assert driver.execute_script(f"return sessionStorage.getItem('{STORE}')") == KEY
    assert KEY not in driver.current_url
    assert not [target for target, _ in checked.requests if KEY in target]
    data = [sent for target, sent in checked.requests if not is_page(target.split("?")[0])]
    assert KEY.encode() in data and b"not-the-key" in data
    refused = [e["message"] for e in console_errors(driver)]
    assert refused and all("status of 403" in message for message in refused), refused

    driver.refresh()  # the key is remembered for the tab: no form, no refusal
    wait_ready(driver, query=WINDOW)
    assert not driver.find_element(By.ID, "key-form").is_displayed()
    assert console_errors(driver) == []
    driver.execute_script("sessionStorage.clear()")


def test_without_a_key_requirement_the_key_form_never_shows(
    driver: WebDriver, base_url: str
) -> None:
    driver.get(f"{base_url}/{WINDOW}")
    wait_ready(driver, query=WINDOW)
    assert not driver.find_element(By.ID, "key-form").is_displayed()
    assert driver.execute_script(f"return sessionStorage.getItem('{STORE}')") is None
