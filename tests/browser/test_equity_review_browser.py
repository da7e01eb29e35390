"""An equity reviewer's walk in Chromium: a proposal made on the form, published, decided
by two other reviewers (the quorum) until it is approved, signage confirmed with a photo,
activated, then the equity dashboard; axe-core checks each page and finds no serious or
critical violation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from policy.models import PlacementProposal
from tests.policy.city import load_city, point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"  # make vendor
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _wait(browser: Any, condition: Any) -> Any:
    return WebDriverWait(
        browser, 15, ignored_exceptions=(StaleElementReferenceException, WebDriverException)
    ).until(condition)


def sign_in(browser: Any, base: str, username: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{base}/staff/")
    _wait(browser, ec.presence_of_element_located((By.ID, "id_username")))
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys("correct-horse-battery")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    _wait(browser, ec.url_to_be(f"{base}/staff/"))


def serious_axe_violations(browser: Any) -> list[dict[str, Any]]:
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    browser.set_script_timeout(30)
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then("
        "  r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
        "    nodes: v.nodes.map(n => n.target.join(' '))}))));"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def check_page(browser: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"equity-{name}.png"))
    assert serious_axe_violations(browser) == [], name


def decide(browser: Any, base: str, username: str, pk: int, reasons: str) -> None:
    sign_in(browser, base, username)
    browser.get(f"{base}/staff/policy/placements/{pk}/")
    _wait(browser, ec.presence_of_element_located((By.ID, "id_reasons")))
    browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=approve]").click()
    browser.find_element(By.ID, "id_reasons").send_keys(reasons)
    browser.find_element(By.XPATH, "//button[contains(., 'Record decision')]").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "reviews"), username))


def test_an_equity_reviewer_takes_a_proposal_to_approval_and_opens_the_dashboard(
    browser: Any, live_server: Any, staff: Any, settings: Any, tmp_path: Path
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    load_city()
    author, first, second = (staff("equity_reviewer") for _ in range(3))
    base = live_server.url
    sign_in(browser, base, author.username)
    browser.get(f"{base}/staff/policy/placements/new/")
    _wait(browser, ec.presence_of_element_located((By.ID, "id_title")))
    check_page(browser, "proposal-form")
    lat, lon = point(4, 2)
    for field, value in {
        "title": "Riverside Dr at the school", "address": "40 Riverside Dr",
        "latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}", "road": "Riverside Dr",
        "direction": "both", "posted_limit_kmh": "40", "speed_p85_kmh": "57",
        "share_over_limit": "0.4", "justification": "Three serious pedestrian crashes.",
    }.items():  # fmt: skip
        browser.find_element(By.ID, f"id_{field}").send_keys(value)
    Select(browser.find_element(By.ID, "id_zone")).select_by_value("school")
    browser.find_element(By.XPATH, "//button[contains(., 'Save draft')]").click()
    _wait(browser, ec.presence_of_element_located((By.ID, "placement-status")))
    browser.find_element(By.XPATH, "//button[contains(., 'Submit and publish')]").click()
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "placement-status"), "Submitted"))
    check_page(browser, "proposal-detail")
    placement = PlacementProposal.objects.get()
    assert placement.district is not None and placement.district.code == "riverside"
    # The 30-day comment period passes.
    PlacementProposal.objects.filter(pk=placement.pk).update(
        comments_close_on=timezone.localdate() - dt.timedelta(days=1)
    )
    decide(browser, base, first.username, placement.pk, "Crash data supports it.")
    assert PlacementProposal.objects.get().status == "submitted"  # one of two
    decide(browser, base, second.username, placement.pk, "Speed study supports it.")
    _wait(browser, ec.text_to_be_present_in_element((By.ID, "placement-status"), "Approved"))
    check_page(browser, "approved")
    # Signs go up (a photo and today's date, the form's default), then activation.
    photo = tmp_path / "signs.png"
    Image.new("RGB", (32, 24), (200, 30, 30)).save(photo)
    browser.find_element(By.ID, "id_photo").send_keys(str(photo))
    browser.find_element(By.XPATH, "//button[contains(., 'Confirm signage')]").click()
    _wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Signs confirmed"))
    browser.find_element(By.XPATH, "//button[contains(., 'Activate')]").click()
    _wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Active since"))
    assert PlacementProposal.objects.get().active_from == timezone.localdate()
    check_page(browser, "active")
    browser.get(f"{base}/staff/policy/equity/")
    _wait(browser, ec.presence_of_element_located((By.ID, "equity-map-title")))
    assert "Riverside" in browser.page_source
    check_page(browser, "dashboard")
