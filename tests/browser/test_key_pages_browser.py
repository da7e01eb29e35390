"""Key pages in a real browser: staff sign-in, the resident portal, the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wait(browser: Any, condition: Any) -> Any:
    # While the browser swaps pages an element can vanish between lookup and read;
    # Chromium reports that as stale or as a generic inspector error: poll again.
    return WebDriverWait(
        browser, 15, ignored_exceptions=(StaleElementReferenceException, WebDriverException)
    ).until(condition)


def _alert_says(browser: Any, text: str) -> bool:
    return bool(
        _wait(browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=alert]"), text))
    )


def test_a_reviewer_signs_in_and_lands_on_their_work(
    browser: Any, live_server: Any, staff: Any
) -> None:
    user = staff("reviewer")
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/staff/")
    _wait(browser, ec.presence_of_element_located((By.ID, "id_username")))
    browser.find_element(By.ID, "id_username").send_keys(user.username)
    browser.find_element(By.ID, "id_password").send_keys("correct-horse-battery")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    _wait(browser, ec.url_to_be(f"{live_server.url}/staff/"))
    # Wait for the staff page itself: the login page's h1 would go stale mid-read.
    assert _wait(
        browser, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), f"Welcome, {user.username}")
    )
    assert "Violation reviewer" in browser.page_source


def test_a_wrong_password_says_so_and_keeps_the_user_out(
    browser: Any, live_server: Any, staff: Any
) -> None:
    user = staff("auditor")
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/staff/login/")
    browser.find_element(By.ID, "id_username").send_keys(user.username)
    browser.find_element(By.ID, "id_password").send_keys("wrong")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    assert _wait(
        browser,
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=alert]"), "did not match"),
    )


def test_a_resident_looks_up_a_notice_in_spanish(browser: Any, live_server: Any) -> None:
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/portal/")
    Select(browser.find_element(By.ID, "language")).select_by_value("es")
    # No change of page on selection alone (WCAG 3.2.2): the button submits.
    browser.find_element(By.CSS_SELECTOR, ".fs-lang button[type=submit]").click()
    heading = _wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Busque"))
    assert heading
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    browser.find_element(By.NAME, "citation_number").send_keys("1234-5678-902")
    browser.find_element(By.NAME, "plate").send_keys("7ABC123")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    assert _wait(
        browser,
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=alert]"), "No encontramos"),
    )
