"""The site on a phone (390 px), at 200 % zoom and with the keyboard only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC = ["/", "/portal/", "/transparency/", "/about/use-policy/", "/staff/login/"]


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    browser.set_window_size(390, 844)
    browser.delete_all_cookies()
    yield browser
    browser.set_window_size(1280, 2200)


def _clickable(browser: Any, locator: tuple[str, str]) -> Any:
    return WebDriverWait(browser, 10).until(ec.element_to_be_clickable(locator))


def _sideways_overflow(browser: Any) -> int:
    return int(
        browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def test_on_a_phone_the_menu_opens_and_reaches_every_destination(
    phone: Any, live_server: Any
) -> None:
    phone.get(f"{live_server.url}/")
    nav = phone.find_element(By.CSS_SELECTOR, "nav.usa-nav")
    assert not nav.is_displayed()
    phone.find_element(By.CSS_SELECTOR, ".usa-menu-btn").click()
    WebDriverWait(phone, 10).until(ec.visibility_of(nav))
    for text in ("Transparency report", "Staff sign in", "Look up a notice", "Help"):
        link = (By.PARTIAL_LINK_TEXT, text)
        assert WebDriverWait(phone, 10).until(ec.visibility_of_element_located(link))
    Select(_clickable(phone, (By.ID, "language"))).select_by_value("es")
    _clickable(phone, (By.CSS_SELECTOR, ".fs-lang button[type=submit]")).click()
    WebDriverWait(phone, 10).until(
        lambda b: b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    )
    _clickable(phone, (By.CSS_SELECTOR, ".usa-menu-btn")).click()
    nav = phone.find_element(By.CSS_SELECTOR, "nav.usa-nav")
    _clickable(phone, (By.CSS_SELECTOR, ".usa-nav__close")).click()
    WebDriverWait(phone, 10).until(ec.invisibility_of_element(nav))


@pytest.mark.parametrize("path", PUBLIC)
def test_on_a_phone_no_public_page_scrolls_sideways(
    phone: Any, live_server: Any, path: str
) -> None:
    phone.get(f"{live_server.url}{path}")
    assert _sideways_overflow(phone) <= 0


def test_at_200_percent_zoom_the_home_page_still_fits(browser: Any, live_server: Any) -> None:
    # 200 % zoom of a 1280 px window lays the page out in 640 CSS pixels.
    browser.set_window_size(640, 900)
    try:
        browser.get(f"{live_server.url}/")
        assert _sideways_overflow(browser) <= 0
        assert browser.find_element(By.CSS_SELECTOR, ".usa-menu-btn").is_displayed()
    finally:
        browser.set_window_size(1280, 2200)


def test_the_keyboard_alone_skips_to_the_content_and_signs_in(
    browser: Any, live_server: Any, staff: Any
) -> None:
    user = staff("operator")
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = browser.switch_to.active_element
    assert skip.get_attribute("class") == "usa-skipnav"
    skip.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#main-content")
    # The sign-in page puts the cursor in the first field; Tab and Enter do the rest.
    browser.get(f"{live_server.url}/staff/login/")
    field = browser.switch_to.active_element
    assert field.get_attribute("id") == "id_username"
    field.send_keys(user.username, Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "id_password"
    active.send_keys("correct-horse-battery", Keys.ENTER)
    WebDriverWait(browser, 10).until(ec.url_to_be(f"{live_server.url}/staff/"))
