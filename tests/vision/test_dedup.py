"""One vehicle, one reading (``dedup``): a second valid reading of it is a duplicate."""

from __future__ import annotations

from dataclasses import replace

from cameras.vision.measure.dedup import DuplicateScreen
from cameras.vision.measure.passage import Passage

# 72 km/h (20 m/s) away from the camera through a 20 m zone: 1 s in it
READING = Passage(
    track_id=1,
    t_enter_s=10.0,
    t_exit_s=11.0,
    speed_kmh=72.0,
    uncertainty_kmh=1.0,
    world_x_m=-1.75,
    cls="car",
    valid=True,
    reject_reason=None,
    direction="away",
    n_samples=30,
    speed_first_half_kmh=72.0,
    speed_second_half_kmh=72.5,
    speed_fit_kmh=72.2,
    distance_m=20.0,
)


def piece(**changes: object) -> Passage:
    return replace(READING, details={}, **changes)  # type: ignore[arg-type]


def test_a_second_reading_of_the_same_vehicle_is_a_duplicate_of_the_first() -> None:
    # the van's grille, 0.05 s (1 m) behind its windscreen's contact, read a little higher
    screen = DuplicateScreen()
    first = screen.screen([piece()])
    second = screen.screen([piece(track_id=7, t_enter_s=10.05, t_exit_s=11.05, speed_kmh=72.4)])
    assert first[0].valid
    assert (second[0].valid, second[0].reject_reason) == (False, "duplicate")
    assert second[0].details["duplicate_of_track"] == 1.0


def test_of_two_readings_given_together_the_lower_stands() -> None:
    high = piece(track_id=7, speed_kmh=73.0)
    low = piece(track_id=8, t_enter_s=10.02, speed_kmh=72.1)
    DuplicateScreen().screen([high, low])
    assert low.valid
    assert (high.valid, high.reject_reason) == (False, "duplicate")


def test_the_next_vehicle_in_the_same_lane_is_not_a_duplicate() -> None:
    # a car length and a short gap behind: 7 m, 0.35 s at 20 m/s
    screen = DuplicateScreen()
    screen.screen([piece()])
    follower = screen.screen([piece(track_id=2, t_enter_s=10.35, t_exit_s=11.35)])
    assert follower[0].valid


def test_a_vehicle_in_the_next_lane_or_the_other_direction_is_not_a_duplicate() -> None:
    screen = DuplicateScreen()
    screen.screen([piece()])
    beside = piece(track_id=2, world_x_m=1.75)
    oncoming = piece(track_id=3, direction="toward")
    assert all(p.valid for p in screen.screen([beside, oncoming]))


def test_rejected_passages_pass_through_untouched() -> None:
    screen = DuplicateScreen()
    screen.screen([piece()])
    rejected = piece(track_id=4, valid=False, reject_reason="fragment")
    assert screen.screen([rejected])[0].reject_reason == "fragment"
