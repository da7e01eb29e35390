"""Headless Debian Chromium for browser tests (`make browsers` installs it).

The tests skip only when chromium or chromedriver is missing; CI installs both. The
driver path is given explicitly so Selenium never tries to download one (no network).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    chromium = _find(CHROMIUM_NAMES)
    chromedriver = _find(("chromedriver",))
    if chromium is None or chromedriver is None:
        pytest.skip("chromium and chromedriver are not installed (make browsers)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile: Path = tmp_path_factory.mktemp("chromium-profile")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--window-size=1280,2200",
        "--lang=en",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def _desktop_window_between_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests share one browser: a test that narrows it to a phone must not leave the
    next one looking at a collapsed menu."""
    yield
    if "browser" in request.fixturenames:
        request.getfixturevalue("browser").set_window_size(1280, 2200)
