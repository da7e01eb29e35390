"""An operator calibrates a camera in a real browser: sign in, click four road marks on
the picture, type their survey coordinates, Check, read the residuals, Save."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cameras.models import Calibration, Camera
from cameras.services.stills import still_upload
from tests.cameras.calibration_samples import jpeg_bytes, project
from tests.factories import SQUARE_CALIBRATION, CameraFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # UserFactory's
ZONE: list[list[float]] = [[0, 5], [10, 5], [10, 35], [0, 35]]
SCREENSHOT = "/tmp/calibration.png"


@pytest.fixture
def camera() -> Camera:
    camera = CameraFactory(code="maple-av", name="Maple Avenue")
    upload = SimpleUploadedFile("road.jpg", jpeg_bytes(), content_type="image/jpeg")
    still_upload(camera=camera, upload=upload, actor=None)
    return camera


def sign_in_to_calibrate(browser: Any, live_server: Any, camera: Camera) -> None:
    from selenium.webdriver.common.by import By

    UserFactory(username="olga", roles=["operator"])
    target = reverse("cameras:calibrate", args=[camera.code])
    browser.get(f"{live_server.url}{reverse('login')}?next={target}")
    browser.find_element(By.ID, "id_username").send_keys("olga")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.usa-form button[type=submit]").click()
    wait(browser).until(
        lambda d: d.execute_script(
            "var i = document.getElementById('fs-still'); return i && i.complete && i.naturalWidth;"
        )
    )


def wait(browser: Any, seconds: float = 10) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds)


def click_picture_at(browser: Any, u: float, v: float) -> None:
    """Click the still where its pixel (u, v) is shown, whatever its displayed size."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    img = browser.find_element(By.ID, "fs-still")
    natural_w, natural_h = browser.execute_script(
        "return [arguments[0].naturalWidth, arguments[0].naturalHeight];", img
    )
    width, height = img.rect["width"], img.rect["height"]
    dx = u * width / natural_w - width / 2  # Selenium offsets are from the centre
    dy = v * height / natural_h - height / 2
    ActionChains(browser).move_to_element_with_offset(img, round(dx), round(dy)).click().perform()


def message(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.ID, "fs-message").text)


def test_an_operator_clicks_four_points_checks_and_saves_a_new_version(
    browser: Any, live_server: Any, camera: Camera
) -> None:
    from selenium.webdriver.common.by import By

    sign_in_to_calibrate(browser, live_server, camera)
    image_points: list[list[float]] = SQUARE_CALIBRATION["image_points"]  # type: ignore[assignment]
    world_points: list[list[float]] = SQUARE_CALIBRATION["world_points"]  # type: ignore[assignment]
    for (u, v), (x, y) in zip(image_points, world_points, strict=True):
        click_picture_at(browser, u, v)
        focused = browser.switch_to.active_element
        assert focused.get_attribute("data-k") == "x"  # the click leaves the cursor on x
        focused.send_keys(str(x))
        row = browser.find_elements(By.CSS_SELECTOR, "#fs-points tbody tr")[-1]
        row.find_element(By.CSS_SELECTOR, "[data-k=y]").send_keys(str(y))
    rows = browser.find_elements(By.CSS_SELECTOR, "#fs-points tbody tr")
    clicked = [
        [
            float(r.find_element(By.CSS_SELECTOR, f"[data-k={k}]").get_attribute("value"))
            for k in ("u", "v")
        ]
        for r in rows
    ]
    for got, want in zip(clicked, image_points, strict=True):
        assert abs(got[0] - want[0]) <= 1.5 and abs(got[1] - want[1]) <= 1.5
    corners = browser.find_elements(By.CSS_SELECTOR, "#fs-zone tbody tr")
    for corner, (x, y) in zip(corners, ZONE, strict=True):
        corner.find_element(By.CSS_SELECTOR, "[data-k=x]").send_keys(str(x))
        corner.find_element(By.CSS_SELECTOR, "[data-k=y]").send_keys(str(y))

    browser.find_element(By.ID, "fs-check").click()
    wait(browser).until(lambda d: d.find_element(By.ID, "fs-result").is_displayed())

    # With a homography known, the zone can be clicked instead of typed.
    browser.find_element(By.ID, "fs-clear-zone").click()
    browser.find_element(By.CSS_SELECTOR, "label[for=fs-mode-zone]").click()
    for u, v in project(ZONE):
        click_picture_at(browser, u, v)
    typed = [
        [
            float(c.find_element(By.CSS_SELECTOR, f"[data-k={k}]").get_attribute("value"))
            for k in ("x", "y")
        ]
        for c in browser.find_elements(By.CSS_SELECTOR, "#fs-zone tbody tr")
    ]
    for got, want in zip(typed, ZONE, strict=True):
        assert abs(got[0] - want[0]) < 0.2 and abs(got[1] - want[1]) < 0.5
    assert len(browser.find_elements(By.CSS_SELECTOR, "#fs-points tbody tr")) == 4
    browser.find_element(By.ID, "fs-check").click()
    wait(browser).until(lambda d: "usable" in message(d))
    residuals = browser.find_elements(By.CSS_SELECTOR, "#fs-residuals tbody tr")
    assert len(residuals) == 4
    assert float(browser.find_element(By.ID, "fs-rms").text) < 0.05
    assert "Only 4 point pairs" in browser.find_element(By.ID, "fs-warnings").text
    wait(browser).until(
        lambda d: d.execute_script(
            "return document.getElementById('fs-birdseye').naturalWidth > 0;"
        )
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "#fs-marks circle")) == 4
    full_height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(1280, full_height + 120)  # a whole-page screenshot
    browser.save_screenshot(SCREENSHOT)
    browser.set_window_size(1280, 2200)

    browser.find_element(By.ID, "fs-save").click()
    wait(browser).until(lambda d: "Saved as version 1" in message(d))
    saved = Calibration.objects.get(camera=camera)
    assert saved.version == 1 and saved.source_still is not None
    assert len(saved.data["zone"]) == 4 and len(saved.data["image_points"]) == 4


def test_a_check_with_too_few_points_says_what_to_fix(
    browser: Any, live_server: Any, camera: Camera
) -> None:
    from selenium.webdriver.common.by import By

    sign_in_to_calibrate(browser, live_server, camera)
    # Keyboard path: add a row with the button and type the pixel position too.
    browser.find_element(By.ID, "fs-add-point").click()
    row = browser.find_elements(By.CSS_SELECTOR, "#fs-points tbody tr")[-1]
    for key, value in zip("uvxy", (100, 400, 0, 0), strict=True):
        row.find_element(By.CSS_SELECTOR, f"[data-k={key}]").send_keys(str(value))
    browser.find_element(By.ID, "fs-check").click()
    wait(browser).until(lambda d: "at least 4 point pairs, got 1" in message(d))
    assert browser.find_element(By.CSS_SELECTOR, "#fs-message [role], #fs-message .usa-alert")
    assert not Calibration.objects.exists()
