"""A resident in a real browser, in English and in Spanish: look-up, the case page,
the evidence, paying. Screenshots of each page go to var/test/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from enforcement.cases.numbers import notice_number_display
from enforcement.models import Payment
from tests.enforcement.portal.conftest import _portal_settings, mailed  # noqa: F401

# axe-core 4.14.1 (MPL-2.0), vendored so nothing is fetched at run time.
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TEXT = {
    "en": {"h1": "Look up your notice", "paid": "Payment received", "pay": "Pay now"},
    "es": {"h1": "Busque su aviso", "paid": "Pago recibido", "pay": "Pagar ahora"},
}


def _wait(browser: Any, condition: Any) -> Any:
    return WebDriverWait(
        browser, 15, ignored_exceptions=(StaleElementReferenceException, WebDriverException)
    ).until(condition)


def _shot(browser: Any, name: str) -> None:
    """Save a whole-page screenshot and check the page with axe-core (WCAG 2.1 AA):
    no serious or critical violation."""
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, max(900, int(height) + 120))
    browser.save_screenshot(str(folder / f"portal_{name}.png"))
    browser.set_script_timeout(120)  # axe-core is slow on a loaded 2-core machine
    browser.execute_script(AXE_JS.read_text())
    results = browser.execute_script(
        "return axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
    )
    bad = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"


def _h1_says(browser: Any, text: str) -> bool:
    return bool(_wait(browser, ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), text)))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_resident_looks_up_a_notice_sees_the_evidence_and_pays(
    browser: Any,
    live_server: Any,
    mailed: Any,  # noqa: F811
    lang: str,
) -> None:
    m = mailed(plate="ABC123" if lang == "en" else "XYZ789")
    words = TEXT[lang]
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/portal/")
    if lang == "es":
        Select(browser.find_element(By.ID, "language")).select_by_value("es")
        # No change of page on selection alone (WCAG 3.2.2): the button submits.
        browser.find_element(By.CSS_SELECTOR, ".fs-lang button[type=submit]").click()
    assert _h1_says(browser, words["h1"])
    _shot(browser, f"lookup_{lang}")
    browser.find_element(By.ID, "id_citation_number").send_keys(m.number)
    browser.find_element(By.ID, "id_plate").send_keys(m.notice.plate)
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    assert _h1_says(browser, notice_number_display(m.number))
    stills = browser.find_elements(By.CSS_SELECTOR, "img.fs-evidence")
    assert len(stills) == 3 and all(img.get_attribute("alt") for img in stills)
    assert browser.execute_script(
        "return Array.from(document.images).filter(i => i.classList.contains('fs-evidence'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    _shot(browser, f"case_{lang}")
    browser.find_element(By.LINK_TEXT, words["pay"]).click()
    _wait(browser, ec.presence_of_element_located((By.NAME, "key")))
    _shot(browser, f"pay_{lang}")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    assert _wait(
        browser, ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=status]"), words["paid"])
    )
    _shot(browser, f"paid_{lang}")
    assert Payment.objects.filter(notice=m.notice).count() == 1


def _open_case(browser: Any, live_server: Any, m: Any, lang: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/portal/")
    if lang == "es":
        Select(browser.find_element(By.ID, "language")).select_by_value("es")
        # No change of page on selection alone (WCAG 3.2.2): the button submits.
        browser.find_element(By.CSS_SELECTOR, ".fs-lang button[type=submit]").click()
        assert _h1_says(browser, TEXT["es"]["h1"])
    browser.find_element(By.ID, "id_citation_number").send_keys(m.number)
    browser.find_element(By.ID, "id_plate").send_keys(m.notice.plate)
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    assert _h1_says(browser, notice_number_display(m.number))


def _document(tmp_path: Path) -> str:
    from tests.enforcement.portal.test_contest import PDF

    path = tmp_path / "registration.pdf"
    path.write_bytes(PDF)
    return str(path)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_resident_contests_asks_for_a_hearing_and_the_officer_decides(
    browser: Any,
    live_server: Any,
    mailed: Any,  # noqa: F811
    staff: Any,
    tmp_path: Path,
    lang: str,
) -> None:
    from enforcement.models import Contest
    from enforcement.portal.contests import contest_review

    m = mailed(plate="ABC123" if lang == "en" else "XYZ789")
    _open_case(browser, live_server, m, lang)
    browser.get(f"{live_server.url}/portal/case/contest/")
    browser.find_element(By.CSS_SELECTOR, "label[for=id_ground_1]").click()
    browser.find_element(By.ID, "id_statement").send_keys("The plate reads ABC128.")
    browser.find_element(By.ID, "id_documents").send_keys(_document(tmp_path))
    _shot(browser, f"contest_{lang}")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    _wait(browser, ec.url_to_be(f"{live_server.url}/portal/case/"))
    contest = Contest.objects.get(notice=m.notice)
    contest_review(contest.pk, staff("reviewer"), dismiss=False, reasons="The plate is clear.")
    browser.refresh()
    browser.find_element(By.CSS_SELECTOR, "label[for=id_mode_1]").click()  # by phone
    browser.find_element(By.ID, "id_availability").send_keys("Weekdays after 6 pm")
    _shot(browser, f"case_hearing_{lang}")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/hearing/'] button").click()
    _wait(browser, ec.url_to_be(f"{live_server.url}/portal/case/"))
    officer = staff("hearing_officer")
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/staff/login/")
    browser.find_element(By.ID, "id_username").send_keys(officer.username)
    browser.find_element(By.ID, "id_password").send_keys("correct-horse-battery")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    _wait(browser, ec.url_to_be(f"{live_server.url}/staff/"))
    browser.get(f"{live_server.url}/staff/contests/?mode=phone")
    browser.find_element(By.LINK_TEXT, m.number).click()
    browser.find_element(By.CSS_SELECTOR, "label[for=id_outcome_0]").click()  # dismiss
    browser.find_element(By.ID, "id_reasons").send_keys("The photo shows a different last digit.")
    _shot(browser, f"hearing_file_{lang}")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    _wait(browser, ec.url_to_be(f"{live_server.url}/staff/contests/"))
    contest.refresh_from_db()
    assert contest.status == "dismissed" and contest.decided_by == officer


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_resident_asks_for_relief_with_an_upload_and_sees_the_other_choices(
    browser: Any,
    live_server: Any,
    mailed: Any,  # noqa: F811
    tmp_path: Path,
    lang: str,
) -> None:
    from enforcement.models import ReliefRequest

    m = mailed(plate="ABC123" if lang == "en" else "XYZ789")
    _open_case(browser, live_server, m, lang)
    for page in ("plan", "driver"):
        browser.get(f"{live_server.url}/portal/case/{page}/")
        _shot(browser, f"{page}_{lang}")
    browser.get(f"{live_server.url}/portal/case/relief/")
    browser.find_element(By.CSS_SELECTOR, "label[for=id_tier_0]").click()
    browser.find_element(By.ID, "id_household_size").send_keys("3")
    browser.find_element(By.ID, "id_monthly_income").send_keys("900")
    browser.find_element(By.ID, "id_documents").send_keys(_document(tmp_path))
    _shot(browser, f"relief_{lang}")
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    _wait(browser, ec.url_to_be(f"{live_server.url}/portal/case/"))
    relief = ReliefRequest.objects.get(notice=m.notice)
    assert relief.tier == "indigent" and relief.documents.count() == 1
    _shot(browser, f"case_relief_{lang}")
