"""Checking a proposed calibration: good input gives residuals; each kind of bad input
gives a message that says what to fix."""

from __future__ import annotations

from typing import Any

import pytest

from cameras.services.calibration import calibration_check
from cameras.vision.errors import CalibrationError
from tests.cameras.calibration_samples import good_calibration


def bad(**changes: Any) -> dict[str, Any]:
    data = good_calibration()
    data.update(changes)
    return data


def test_a_consistent_survey_gives_near_zero_residuals_for_every_point() -> None:
    check = calibration_check(good_calibration(), (640, 480))
    assert len(check.points) == 7
    assert check.rms_m < 0.01 and check.max_residual_m < 0.01
    assert check.warnings == []
    assert check.data["zone"] == [[0, 5], [10, 5], [10, 35], [0, 35]]


def test_a_misplaced_click_shows_up_as_that_points_residual() -> None:
    data = good_calibration()
    data["image_points"][4] = [data["image_points"][4][0] + 6, data["image_points"][4][1]]
    check = calibration_check(data)
    worst = max(check.points, key=lambda p: p.residual_m)
    assert worst.number == 5
    assert check.max_residual_m > 0.1


def test_the_check_reports_the_homography_for_turning_clicks_into_metres() -> None:
    result = calibration_check(good_calibration()).as_json()
    h = result["homography"]
    u, v = 100.0, 400.0  # the first survey point, at road (0, 0)
    w = h[2][0] * u + h[2][1] * v + h[2][2]
    assert abs((h[0][0] * u + h[0][1] * v + h[0][2]) / w) < 1e-3
    assert abs((h[1][0] * u + h[1][1] * v + h[1][2]) / w) < 1e-3


def test_exactly_four_points_warn_that_residuals_prove_nothing() -> None:
    data = good_calibration()
    data["image_points"], data["world_points"] = data["image_points"][:4], data["world_points"][:4]
    check = calibration_check(data)
    assert any("Only 4 point pairs" in w for w in check.warnings)


def test_a_point_outside_the_picture_is_flagged() -> None:
    check = calibration_check(good_calibration(), (400, 300))
    assert any("Picture point 2" in w and "outside the picture" in w for w in check.warnings)


def test_fewer_than_four_points_are_refused() -> None:
    data = good_calibration()
    data["image_points"], data["world_points"] = data["image_points"][:3], data["world_points"][:3]
    with pytest.raises(CalibrationError, match="at least 4 point pairs, got 3"):
        calibration_check(data)


def test_no_points_at_all_are_refused() -> None:
    with pytest.raises(CalibrationError, match="no survey points yet"):
        calibration_check(bad(image_points=[], world_points=[]))


def test_mismatched_point_counts_are_refused() -> None:
    data = good_calibration()
    data["world_points"] = data["world_points"][:6]
    with pytest.raises(CalibrationError, match="7 points but world_points has 6"):
        calibration_check(data)


def test_collinear_survey_points_are_refused() -> None:
    world = [[0, 0], [0, 10], [0, 20], [0, 30], [0, 40]]
    image = [[100, 400], [150, 300], [200, 200], [250, 150], [300, 100]]
    with pytest.raises(CalibrationError, match="world_points lie on"):
        calibration_check(bad(world_points=world, image_points=image))


def test_collinear_picture_points_are_refused() -> None:
    image = [[100, 400], [200, 400], [300, 400], [400, 400], [500, 400], [550, 400], [600, 400]]
    with pytest.raises(CalibrationError, match="image_points lie on"):
        calibration_check(bad(image_points=image))


def test_three_of_four_points_on_one_line_are_refused() -> None:
    world = [[0, 0], [5, 0], [10, 0], [0, 40]]
    image = [[100, 400], [320, 400], [540, 400], [220, 100]]
    with pytest.raises(CalibrationError, match="do not determine a homography"):
        calibration_check(bad(world_points=world, image_points=image))


def test_a_folded_zone_whose_edges_cross_is_refused() -> None:
    with pytest.raises(CalibrationError, match="zone edges 1 and 3 cross"):
        calibration_check(bad(zone=[[0, 5], [10, 5], [0, 35], [10, 35]]))


def test_a_zone_without_area_is_refused() -> None:
    with pytest.raises(CalibrationError, match="no area"):
        calibration_check(bad(zone=[[0, 5], [5, 5], [10, 5]]))


def test_a_zone_with_two_corners_is_refused() -> None:
    with pytest.raises(CalibrationError, match="at least 3 corners"):
        calibration_check(bad(zone=[[0, 5], [10, 5]]))


def test_a_zone_beyond_the_horizon_is_refused() -> None:
    with pytest.raises(CalibrationError, match="behind the horizon"):
        calibration_check(bad(zone=[[0, -60], [10, -60], [10, 5], [0, 5]]))


def test_survey_points_that_disagree_with_a_flat_road_are_refused() -> None:
    data = good_calibration()
    data["world_points"][4] = [5.0, 16.0]  # surveyed 6 m off where it was clicked
    with pytest.raises(CalibrationError, match="disagree with a flat road"):
        calibration_check(data)


def test_a_swapped_pair_that_folds_the_plane_is_refused() -> None:
    data = good_calibration()
    data["world_points"][0], data["world_points"][2] = data["world_points"][2], [0, 0]
    with pytest.raises(CalibrationError):
        calibration_check(data)


def test_an_empty_coordinate_names_its_row_and_column() -> None:
    data = good_calibration()
    data["world_points"][2] = ["", 40]
    with pytest.raises(CalibrationError, match="survey point 3: x_m is empty"):
        calibration_check(data)


def test_a_word_instead_of_a_number_names_its_row_and_column() -> None:
    data = good_calibration()
    data["image_points"][1] = [540, "four hundred"]
    with pytest.raises(CalibrationError, match="picture point 2: v is not a number"):
        calibration_check(data)


def test_a_zone_corner_that_is_not_a_number_is_refused() -> None:
    data = good_calibration()
    data["zone"][3] = [0, None]
    with pytest.raises(CalibrationError, match="zone corner 4: y_m is empty"):
        calibration_check(data)


def test_true_and_false_are_not_coordinates() -> None:
    data = good_calibration()
    data["world_points"][0] = [True, 0]
    with pytest.raises(CalibrationError, match="survey point 1: x_m is not a number"):
        calibration_check(data)


def test_infinity_is_not_a_coordinate() -> None:
    data = good_calibration()
    data["image_points"][0] = [float("inf"), 400]
    with pytest.raises(CalibrationError, match="picture point 1: u is not a number"):
        calibration_check(data)


def test_a_point_with_three_numbers_is_refused() -> None:
    data = good_calibration()
    data["world_points"][1] = [10, 0, 0]
    with pytest.raises(CalibrationError, match="survey point 2 must have exactly two numbers"):
        calibration_check(data)


def test_points_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(CalibrationError, match="image_points must be a list"):
        calibration_check(bad(image_points="100,400"))


def test_a_missing_key_is_named() -> None:
    data = good_calibration()
    del data["zone"]
    with pytest.raises(CalibrationError, match="lacks: zone"):
        calibration_check(data)


def test_a_speed_limit_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(CalibrationError, match="speed limit must be a positive number"):
        calibration_check(bad(speed_limit_kmh="fifty"))


def test_a_zero_speed_limit_is_refused() -> None:
    with pytest.raises(CalibrationError, match="speed limit must be a positive number"):
        calibration_check(bad(speed_limit_kmh=0))


def test_a_negative_frame_rate_is_refused() -> None:
    with pytest.raises(CalibrationError, match="frame rate must be a positive number"):
        calibration_check(bad(fps=-30))


def test_something_other_than_an_object_is_refused() -> None:
    with pytest.raises(CalibrationError, match="must be a JSON object"):
        calibration_check([[100, 400]])
