"""A reviewer and a different approver clear a case with the keyboard alone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from enforcement.models import ViolationStatus
from tests.enforcement.cases.conftest import REGISTRY_ROWS, make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wait(browser: Any, condition: Any) -> Any:
    return WebDriverWait(
        browser, 15, ignored_exceptions=(StaleElementReferenceException, WebDriverException)
    ).until(condition)


def _key(browser: Any, key: str) -> None:
    ActionChains(browser).send_keys(key).perform()


def _sign_in(browser: Any, live_server: Any, user: Any) -> None:
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/staff/login/")
    field = _wait(browser, ec.presence_of_element_located((By.ID, "id_username")))
    field.send_keys(user.username, Keys.TAB, "correct-horse-battery", Keys.ENTER)
    _wait(browser, ec.url_to_be(f"{live_server.url}/staff/"))


def test_a_reviewer_and_another_approver_clear_a_case_with_the_keyboard_only(
    browser: Any, live_server: Any, staff: Any, settings: Any, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text("\n".join(REGISTRY_ROWS) + "\n")
    settings.FAIRSPEED = {**settings.FAIRSPEED, "OWNER_REGISTRY": str(registry)}
    v = make_case(plate="A8C123")  # the OCR misread a B as an 8
    reviewer, approver = staff("reviewer"), staff("approver")

    _sign_in(browser, live_server, reviewer)
    browser.get(f"{live_server.url}/staff/cases/queue/review/")
    started = time.perf_counter()
    _key(browser, "n")  # open the oldest case
    plate = _wait(browser, ec.presence_of_element_located((By.ID, "plate")))
    assert browser.switch_to.active_element == plate  # the plate field has the focus
    plate.send_keys(Keys.CONTROL, "a")
    plate.send_keys("ABC123", Keys.ENTER)
    _wait(browser, ec.url_contains("/staff/cases/queue/review/"))
    review_s = time.perf_counter() - started

    _sign_in(browser, live_server, approver)
    browser.get(f"{live_server.url}/staff/cases/queue/approval/")
    started = time.perf_counter()
    _key(browser, "n")
    _wait(browser, ec.presence_of_element_located((By.ID, "approve")))
    _key(browser, "a")
    vehicle = _wait(browser, ec.presence_of_element_located((By.ID, "registry-vehicle")))
    assert "Toyota Corolla, Blue" in vehicle.text
    _key(browser, "c")
    _wait(browser, ec.url_contains("/staff/cases/queue/approval/"))
    approve_s = time.perf_counter() - started

    v.refresh_from_db()
    assert v.status == ViolationStatus.CITATION_ISSUED
    assert v.notice.plate == "ABC123"
    assert v.reviewed_by == reviewer and v.approved_by == approver
    per_case = review_s + approve_s
    print(
        f"\nkeyboard-only case: review {review_s:.2f} s + approval {approve_s:.2f} s "
        f"= {per_case:.2f} s per case"
    )
    assert per_case < 10.0
