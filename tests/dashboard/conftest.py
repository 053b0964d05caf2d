"""Fixtures for the browser tests: the app under uvicorn on 127.0.0.1 over a real job output,
and one headless Chromium (Debian's ``chromium`` + ``chromium-driver``) driven through Selenium.

The browser tests skip only when Chromium or its driver is missing, with the command that
installs them; under CI (``CI`` set) a missing browser is a failure instead, so CI never skips.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from api.app import create_app
from api.settings import Settings
from tests.api.helpers import pinned_app
from tests.servers import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "artifacts"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_HINT = "apt-get install -y chromium chromium-driver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
    "--lang=en-US",
    "--window-size=1280,1000",
)


def find_browser() -> tuple[str, str]:
    """Paths of chromium and chromedriver; skip (or fail under CI) when either is missing."""
    browser = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    missing = "chromium" if not browser else "chromedriver"
    text = f"{missing} not found: the dashboard browser tests need it ({INSTALL_HINT})"
    if os.environ.get("CI"):
        pytest.fail(text + "; CI must install it (see .ci/run)")
    pytest.skip(text)


@pytest.fixture(scope="session")
def browser_paths() -> tuple[str, str]:
    return find_browser()


@pytest.fixture(scope="session")
def dashboard_output(browser_paths: tuple[str, str], sample_output: Path) -> Path:
    """The shared job output for data/sample (tests/conftest.py), once Chromium is found."""
    return sample_output


@pytest.fixture(scope="session")
def base_url(dashboard_output: Path) -> Iterator[str]:
    """The app, as ``make serve`` runs it, over the job output; "today" is pinned to
    tests.oracle.SAMPLE_TODAY so the default window holds the sample's dates."""
    yield from serve(pinned_app(Settings(output_path=str(dashboard_output))))


@pytest.fixture(scope="session")
def driver(
    browser_paths: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile; its console log is kept for the tests to read."""
    browser, chromedriver = browser_paths
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager (which could try the network) is never used.
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    chrome.set_page_load_timeout(30)
    chrome.set_script_timeout(30)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def empty_base_url(
    browser_paths: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app over a folder the job never wrote to: every report answers an error."""
    yield from serve(create_app(Settings(output_path=str(tmp_path_factory.mktemp("no-output")))))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """Once, at the very end (after the short summary, which leaves them out): which browser
    tests skipped for want of Chromium, and the one command that installs what they need.
    CI never gets here: there a missing browser fails."""
    stats = terminalreporter.stats
    skipped = stats.get("skipped", [])
    browser = [r for r in skipped if INSTALL_HINT in str(getattr(r, "longrepr", ""))]
    if browser:
        stats["skipped"] = [r for r in skipped if r not in browser]
    try:
        yield
    finally:
        if browser:
            stats["skipped"] = skipped
            terminalreporter.section("browser tests skipped", sep="-", yellow=True)
            terminalreporter.line(f"{len(browser)} dashboard browser tests did not run:")
            for report in browser:
                terminalreporter.line(f"  {report.nodeid}")
            terminalreporter.line(f"They need Chromium and its driver: sudo {INSTALL_HINT}")
