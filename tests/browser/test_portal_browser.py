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
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, max(900, int(height) + 120))
    browser.save_screenshot(str(folder / f"portal_{name}.png"))


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
