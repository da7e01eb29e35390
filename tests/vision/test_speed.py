"""Speed estimation from tracker histories of cuboid vehicles seen by an exact camera."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cameras.vision.errors import CalibrationError
from cameras.vision.measure.geometry import LensModel, RoadPlane
from cameras.vision.measure.speed import Passage, SpeedConfig, SpeedEstimator
from cameras.vision.measure.track import Track, TrackSample
from tests.vision.scenes import Camera, Vehicle, road_plane, vehicle_track

CAM = Camera(width=1280, height=720, focal_px=1100.0)
ZONE = np.array([[-6.0, 15.0], [6.0, 15.0], [6.0, 35.0], [-6.0, 35.0]])
TIMES = np.arange(0.0, 1.8, 1 / 30)
AWAY = Vehicle(x=-1.75, y0=5.0, speed_ms=25.0)  # 90 km/h, crosses the zone 0.4 s - 1.2 s
TOWARD = Vehicle(x=1.75, y0=45.0, speed_ms=-20.0)  # 72 km/h


def estimator(
    plane: RoadPlane | None = None,
    sigma_m: float = 0.02,
    view: tuple[float, float, float, float] | None = None,
    readout_s: float = 0.0,
    **cfg: Any,
) -> SpeedEstimator:
    """The estimator under test; ``view`` is the detector's view (default: the frame),
    ``readout_s`` the camera's rolling-shutter readout (default: a global shutter)."""
    return SpeedEstimator(
        plane or road_plane(CAM),
        ZONE,
        sigma_m,
        bounds=view or (0.0, 0.0, CAM.width, CAM.height),
        config=replace(SpeedConfig(), **cfg),
        readout_s=readout_s,
        frame_height=CAM.height,
    )


def measure(track: Track, **kw: Any) -> Passage:
    passage = estimator(**kw).estimate(track)
    assert passage is not None
    return passage


@pytest.mark.parametrize("vehicle", [AWAY, TOWARD], ids=["away", "toward"])
def test_it_measures_a_clean_passage_within_a_tenth_of_a_kmh(vehicle: Vehicle) -> None:
    p = measure(vehicle_track(CAM, vehicle, TIMES))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(abs(vehicle.speed_ms) * 3.6, abs=0.1)
    assert p.world_x_m == pytest.approx(vehicle.x, abs=0.3)
    assert p.direction == ("away" if vehicle.speed_ms > 0 else "toward")
    assert 0 < p.uncertainty_kmh < 3.0


def test_it_reports_the_lower_half_and_keeps_samples_for_evidence() -> None:
    p = measure(vehicle_track(CAM, AWAY, TIMES, noise_px=0.3, seed=3))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == min(p.speed_first_half_kmh, p.speed_second_half_kmh)
    assert len(p.frame_indices) == len(p.boxes) == p.n_samples >= 20
    # the zone is 15-35 m: entry at 0.4 s, exit at 1.2 s
    assert p.t_enter_s == pytest.approx(0.4, abs=0.04)
    assert p.t_exit_s == pytest.approx(1.2, abs=0.04)
    doc = p.to_json()
    for key in (
        "track_id",
        "t_enter_s",
        "t_exit_s",
        "speed_kmh",
        "uncertainty_kmh",
        "world_x_m",
        "class",
        "valid",
        "reject_reason",
    ):
        assert key in doc


def test_it_uses_the_road_contact_point_not_the_box_centre() -> None:
    track = vehicle_track(CAM, AWAY, TIMES)
    est = estimator()
    boxes = track.boxes()
    contact = est.contact_points(boxes)
    assert np.allclose(contact[:, 1], boxes[:, 3])  # the bottom edge
    assert measure(track).speed_kmh == pytest.approx(90.0, abs=0.1)

    class CentreEstimator(SpeedEstimator):
        def contact_points(self, boxes: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.c_[(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2]

    centre = CentreEstimator(est.plane, ZONE, 0.02, est.bounds).estimate(track)
    # the centre is above the road, so its projection runs away faster than the car
    assert centre is None or not centre.valid or centre.speed_fit_kmh > 95.0


def through_a_barrel_lens(vehicle: Vehicle, lowest_column: bool) -> tuple[Track, RoadPlane]:
    """``vehicle`` seen by a wide lens with strong barrel distortion, and the road plane
    its calibration gives; with ``lowest_column`` each sample carries the column of the
    lowest corner, as the motion detector gives the column where a blob reaches its
    bottom row."""
    cam = Camera(width=1280, height=720, focal_px=700.0)
    lens = LensModel(cam.k, np.array([-0.35, 0.08, 0.0, 0.0, 0.0]))
    world = np.array([[x, y] for x in (-6.0, 0.0, 6.0) for y in (10.0, 30.0, 50.0)])
    distort = RoadPlane(cam.road_to_image(world), world, lens).distort  # the lens alone
    plane = RoadPlane(distort(cam.road_to_image(world)), world, lens)
    track = Track(1)
    for i, t in enumerate(TIMES):
        pts = distort(cam.project(vehicle.corners(float(t))))
        low = float(pts[np.argmax(pts[:, 1]), 0]) if lowest_column else None
        box = (*pts.min(axis=0), *pts.max(axis=0))
        track.samples.append(TrackSample(i, float(t), tuple(map(float, box)), 0.9, contact_x=low))  # type: ignore[arg-type]
    return track, plane


@pytest.mark.parametrize("vehicle", [AWAY, TOWARD], ids=["away", "toward"])
def test_it_reads_the_bottom_row_where_the_outline_reaches_it(vehicle: Vehicle) -> None:
    # Off the lens axis a distorted row is not square to the road, so the bottom row
    # read at the box's bottom-centre - below the outline of a vehicle seen obliquely -
    # lands on a road position that drifts against the corner's along the zone.
    truck = replace(vehicle, x=3.5 * np.sign(vehicle.x), length=10.0, width=2.5, height=3.5)
    speeds = {}
    for lowest in (False, True):
        track, plane = through_a_barrel_lens(truck, lowest)
        p = measure(track, plane=plane)
        assert p.valid, p.reject_reason
        speeds[lowest] = (p.speed_first_half_kmh, p.speed_second_half_kmh)
    true = abs(truck.speed_ms) * 3.6
    assert max(abs(s - true) for s in speeds[False]) > 0.15
    assert speeds[True] == pytest.approx((true, true), abs=0.01)


def test_it_ignores_a_track_that_never_enters_the_zone() -> None:
    parked_far = Vehicle(x=-1.75, y0=60.0, speed_ms=10.0)
    assert estimator().estimate(vehicle_track(CAM, parked_far, TIMES)) is None


def test_it_ignores_something_standing_still_in_the_zone() -> None:
    ghost = Vehicle(x=-1.75, y0=25.0, speed_ms=0.0)
    assert estimator().estimate(vehicle_track(CAM, ghost, TIMES)) is None


def test_it_rejects_too_few_samples() -> None:
    p = measure(vehicle_track(CAM, AWAY, np.arange(0.0, 1.8, 0.2)))
    assert (p.valid, p.reject_reason) == (False, "too_few_samples")


def test_it_rejects_a_track_that_starts_inside_the_zone() -> None:
    p = measure(vehicle_track(CAM, AWAY, TIMES[TIMES > 0.7]))
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")


def test_it_rejects_a_fragment_whose_bottom_edge_is_above_the_road() -> None:
    # A rear plate 0.5 m up, all background subtraction kept of a road-grey truck: its
    # track is smooth and both halves agree, but on a speed 5 % too high.
    plate = replace(AWAY, width=0.52, length=0.05, height=0.12, z0=0.5)
    track = vehicle_track(CAM, plate, TIMES)
    unchecked = measure(track, min_vehicle_width_m=0.0, min_vehicle_height_m=0.0)
    assert unchecked.valid and unchecked.speed_kmh > 1.04 * 90.0
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "fragment")


def with_second_guess(track: Track, bottoms: Track) -> Track:
    """``track``'s samples carrying ``bottoms``' box bottoms as the detector's second guess."""
    return Track(
        track.track_id,
        [
            replace(s, shade_y2=b.xyxy[3])
            for s, b in zip(track.samples, bottoms.samples, strict=True)
        ],
        dict(track.class_votes),
    )


def test_a_fragment_is_measured_again_from_the_shaded_face_below_it() -> None:
    # A road-grey van's window 1.2 m up, over a face the colour of a shadow that reaches
    # the road: the detector's second guess at each bottom is the face's bottom edge.
    window = replace(AWAY, width=1.6, length=0.05, height=0.5, z0=1.2)
    van = replace(AWAY, width=2.0, height=2.4)
    p = measure(
        with_second_guess(vehicle_track(CAM, window, TIMES), vehicle_track(CAM, van, TIMES))
    )
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)
    assert p.details["contact_from_shade"] == 1.0


def flickering(track: Track, widths: tuple[float, ...] = (1.0, 1.45, 2.1)) -> Track:
    """``track`` with its boxes widened in turn by ``widths``: lamps and mirrors beside a
    window kept in one frame and lost in the next, as background subtraction keeps and
    drops the pieces of a road-grey body. No width holds a majority of the frames."""

    def widened(s: TrackSample, k: float) -> TrackSample:
        x1, y1, x2, y2 = s.xyxy
        half = 0.5 * k * (x2 - x1)
        mid = 0.5 * (x1 + x2)
        return replace(s, xyxy=(mid - half, y1, mid + half, y2))

    return Track(
        track.track_id,
        [widened(s, widths[i % len(widths)]) for i, s in enumerate(track.samples)],
        dict(track.class_votes),
    )


def test_the_second_guess_is_judged_on_its_contact_not_on_the_pieces_above_it() -> None:
    # The fragment's width jumps as pieces come and go; the face's bottom edge below it
    # moves with the van. Box-size steps would call that a merge; the contact says not.
    window = replace(AWAY, width=1.6, length=0.05, height=0.5, z0=1.2)
    van = replace(AWAY, width=2.0, height=2.4)
    track = flickering(vehicle_track(CAM, window, TIMES))
    assert measure(track).reject_reason == "fragment"
    p = measure(with_second_guess(track, vehicle_track(CAM, van, TIMES)))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)
    assert p.details["contact_from_shade"] == 1.0


def test_a_fragment_whose_zone_contacts_stayed_on_the_piece_stays_a_fragment() -> None:
    # The second guess reached the road only in the frames before the zone; inside it
    # the window's own bottom, 1.2 m up, would place the van: ahead of it, and faster.
    window = replace(AWAY, width=1.6, length=0.05, height=0.5, z0=1.2)
    van = vehicle_track(CAM, replace(AWAY, width=2.0, height=2.4), TIMES)
    track = flickering(vehicle_track(CAM, window, TIMES))
    guessed = with_second_guess(track, van)
    early = Track(
        guessed.track_id,
        [s if i < 8 else replace(s, shade_y2=None) for i, s in enumerate(guessed.samples)],
        dict(guessed.class_votes),
    )
    believed = measure(early, fragment_shade_share=0.0)
    assert believed.valid and believed.speed_kmh > 95.0  # the over-read the rule stops
    assert believed.details["shade_share"] == 0.0
    assert measure(early).reject_reason == "fragment"


def test_a_second_guess_that_jumps_to_another_vehicle_is_not_believed() -> None:
    # Halfway through the zone the shadow run below the window reaches a car 4 m ahead.
    window = replace(AWAY, width=1.6, length=0.05, height=0.5, z0=1.2)
    van = vehicle_track(CAM, replace(AWAY, width=2.0, height=2.4), TIMES)
    ahead = vehicle_track(CAM, replace(AWAY, y0=AWAY.y0 + 4.0), TIMES)
    half = len(TIMES) // 2
    bottoms = Track(van.track_id, van.samples[:half] + ahead.samples[half:], {})
    p = measure(with_second_guess(vehicle_track(CAM, window, TIMES), bottoms))
    assert not p.valid
    assert p.reject_reason == "fragment"  # the first verdict stands
    assert "contact_from_shade" not in p.details


def test_a_second_guess_lower_than_any_vehicle_is_measured_from_where_it_meets_the_road() -> None:
    # Lamps, plate and bumper of a road-grey van seen from behind, 0.2-0.75 m up, over
    # its lower face: from the lamps' top to the face's bottom edge the box is 0.75 m,
    # lower than any vehicle, but its bottom is on the road.
    lamps = replace(AWAY, width=2.0, length=0.05, height=0.55, z0=0.2)
    van = replace(AWAY, width=2.0, height=2.4)
    track = vehicle_track(CAM, lamps, TIMES)
    assert measure(track).reject_reason == "fragment"
    p = measure(with_second_guess(track, vehicle_track(CAM, van, TIMES)))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)
    assert p.details["contact_from_shade"] == 1.0


@pytest.mark.xfail(strict=True, reason="a second guess is judged on width, steps and halves")
def test_a_second_guess_that_stops_above_the_road_is_not_believed() -> None:
    # A lamp bar over a shadow-coloured band that ends on a road-coloured one 0.4 m up:
    # the run never reached the road, so its bottom runs ahead of the van. The detector
    # only counts a run that ends on plain background, and it runs on through a band that
    # MOG2 calls background but that is over 12 grey levels per channel off the road
    # (``MotionDetector._unlike_background``); a band nearer the road's colour than that
    # still ends the run. The estimator itself has no defence. Until the height screen
    # was lifted for second guesses this 0.8 m box was rejected as a fragment; one over
    # 0.9 m never was.
    lamps = replace(AWAY, width=2.0, length=0.05, height=0.3, z0=0.9)
    band = replace(lamps, z0=0.4, height=0.8)
    p = measure(
        with_second_guess(vehicle_track(CAM, lamps, TIMES), vehicle_track(CAM, band, TIMES))
    )
    assert not p.valid


@pytest.mark.xfail(strict=True, reason="the fragment guard judges a box's size only")
def test_a_piece_as_tall_as_a_vehicle_but_above_the_road_is_not_measured() -> None:
    # Window and roof of a road-grey van kept together, the face below them lost: the box
    # is as tall as a car, its bottom 1.2 m up, and its projection runs ahead of the van
    # by H / (H - h). Accepted behaviour today: a valid reading about 20 % over. Comparing
    # with the second guess below the box was tried and not kept: on the China clip that
    # guess drifted towards the box bottom and rejected a plausible reading.
    p = measure(vehicle_track(CAM, replace(AWAY, width=1.8, length=0.6, height=1.2, z0=1.2), TIMES))
    assert not p.valid


def test_a_fragment_stays_rejected_when_the_second_guess_is_no_better() -> None:
    plate = replace(AWAY, width=0.52, length=0.05, height=0.12, z0=0.5)
    track = vehicle_track(CAM, plate, TIMES)
    lower = vehicle_track(CAM, replace(plate, z0=0.45, height=0.17), TIMES)  # a sliver more
    p = measure(with_second_guess(track, lower))
    assert (p.valid, p.reject_reason) == (False, "fragment")
    assert "contact_from_shade" not in p.details


def fading(vehicle: Vehicle, lost_m: float, coming_back: bool = False) -> Track:
    """``vehicle``'s boxes with its lower body fading into "shadow" over the second half
    of the zone: the box bottom there is the bottom of what is left, up to ``lost_m``
    above the road, as background subtraction gives a dark-grey truck driving away.
    ``coming_back``: lost at the zone's entry instead, and back by its middle."""
    track = Track(1)
    for i, t in enumerate(TIMES):
        share = (0.8 - t) / 0.4 if coming_back else (t - 0.8) / 0.4
        lost = lost_m * float(np.clip(share, 0.0, 1.0))
        body = replace(vehicle, z0=lost, height=vehicle.height - lost)
        pts = CAM.project(body.corners(float(t)))
        box = (*pts.min(axis=0), *pts.max(axis=0))
        track.samples.append(TrackSample(i, float(t), tuple(map(float, box)), 0.9))  # type: ignore[arg-type]
    return track


TRUCK = replace(AWAY, width=2.5, height=3.5, length=10.0)


@pytest.mark.parametrize(
    ("seen", "first_verdict"),
    [
        # The box bottom climbs the body over the zone's second half, so that half reads
        # fast; the shadow-coloured run below the box down to the road stays on the road.
        (fading(TRUCK, lost_m=0.3), "halves_disagree"),
        # The box widens and narrows as the sides are kept and lost: the box-size screens
        # call that a merge. The second guess below it is judged on the contact.
        (flickering(vehicle_track(CAM, TRUCK, TIMES)), "occlusion_or_merge"),
    ],
    ids=["lower-part-fades-into-shadow", "pieces-come-and-go"],
)
def test_a_dark_body_rejected_for_its_contact_is_measured_from_its_second_guess(
    seen: Track, first_verdict: str
) -> None:
    first = measure(seen, shade_retry=frozenset())
    assert (first.valid, first.reject_reason) == (False, first_verdict)
    p = measure(with_second_guess(seen, vehicle_track(CAM, TRUCK, TIMES)))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)
    assert p.details["contact_from_shade"] == 1.0


def test_a_reading_with_halves_apart_is_replaced_by_a_second_guess_whose_halves_agree() -> None:
    # Lower body lost at the entry, back by the middle: the first half reads slow, the
    # halves over 3 % apart at 90 km/h but within the 3 km/h a reading may be off by, so
    # the first reading is valid - and low. The second guess keeps the contact on the
    # road, and its halves agree.
    seen = fading(TRUCK, lost_m=0.1, coming_back=True)
    first = measure(seen, shade_retry=frozenset())
    assert first.valid
    assert first.speed_kmh < 87.5
    assert abs(first.speed_first_half_kmh - first.speed_second_half_kmh) > 0.03 * first.speed_kmh
    p = measure(with_second_guess(seen, vehicle_track(CAM, TRUCK, TIMES)))
    assert p.valid, p.reject_reason
    assert p.details["contact_from_shade"] == 1.0
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)
    assert "contact_from_shade" not in measure(seen).details  # no second guess: it stands


def test_a_second_guess_is_held_to_3_percent_without_the_3_kmh_allowance() -> None:
    # Its halves 3.3 % apart at 88 km/h (2.9 km/h): a first reading would stand, a
    # fallback hypothesis does not.
    guess = fading(TRUCK, lost_m=0.1, coming_back=True)
    alone = measure(guess, shade_retry=frozenset())
    assert alone.valid
    assert 0.03 * alone.speed_kmh < alone.speed_second_half_kmh - alone.speed_first_half_kmh
    p = measure(with_second_guess(fading(TRUCK, lost_m=0.3), guess))
    assert (p.valid, p.reject_reason) == (False, "halves_disagree")


def test_halves_that_disagree_on_both_guesses_stay_rejected() -> None:
    track = fading(TRUCK, lost_m=0.3)
    p = measure(with_second_guess(track, fading(TRUCK, lost_m=0.25)))
    assert (p.valid, p.reject_reason) == (False, "halves_disagree")
    assert "contact_from_shade" not in p.details


def test_a_track_that_switched_vehicles_is_not_measured_again_from_its_second_guess() -> None:
    # The second guess lies under the same box, on whichever vehicle the box followed:
    # it cannot say the track was one vehicle's.
    first = vehicle_track(CAM, AWAY, TIMES)
    first.samples[len(TIMES) // 2 :] = vehicle_track(
        CAM, replace(AWAY, y0=AWAY.y0 + 6.0), TIMES
    ).samples[len(TIMES) // 2 :]
    p = measure(with_second_guess(first, vehicle_track(CAM, AWAY, TIMES)))
    assert (p.valid, p.reject_reason) == (False, "identity_switch")
    assert "identity_switch" not in SpeedConfig().shade_retry


def test_a_motorcycle_is_not_taken_for_a_fragment() -> None:
    motorcycle = replace(AWAY, width=0.8, length=2.1, height=1.4)
    p = measure(vehicle_track(CAM, motorcycle, TIMES))
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_it_rejects_an_identity_switch() -> None:
    ahead = replace(AWAY, y0=AWAY.y0 + 6.0)
    first = vehicle_track(CAM, AWAY, TIMES)
    second = vehicle_track(CAM, ahead, TIMES)
    half = len(TIMES) // 2
    first.samples[half:] = second.samples[half:]
    p = measure(first)
    assert (p.valid, p.reject_reason) == (False, "identity_switch")


def merged(track: Track, frames: range, grow: float = 1.0, lower_px: float = 0.0) -> Track:
    """The box swallows the next lane's car (wider, and its bottom at that car's) there."""
    for i in frames:
        s = track.samples[i]
        x1, y1, x2, y2 = s.xyxy
        track.samples[i] = replace(s, xyxy=(x1, y1, x2 + grow * (x2 - x1), y2 + lower_px))
    return track


def test_it_measures_a_vehicle_from_the_frames_where_its_box_was_its_own() -> None:
    track = merged(vehicle_track(CAM, AWAY, TIMES), range(20, 24), lower_px=12.0)
    clean = measure(vehicle_track(CAM, AWAY, TIMES))
    p = measure(track)
    assert p.valid, p.reject_reason
    assert p.n_samples == clean.n_samples - 4
    assert not set(range(20, 24)) & set(p.frame_indices)
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_a_merge_that_creeps_in_frame_by_frame_is_set_aside() -> None:
    # each frame the bottom slides a little further onto the next lane's car: no step
    # of size is large enough for the size screen, but the positions leave the line
    track = vehicle_track(CAM, AWAY, TIMES)
    for i, lower in zip(range(18, 26), np.linspace(3.0, 24.0, 8), strict=True):
        x1, y1, x2, y2 = track.samples[i].xyxy
        track.samples[i] = replace(track.samples[i], xyxy=(x1, y1, x2, y2 + lower))
    p = measure(track)
    assert p.valid, p.reject_reason
    assert not set(range(19, 26)) & set(p.frame_indices)
    assert p.details["samples_set_aside"] >= 7
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_a_passing_roof_that_leaves_the_box_over_several_frames_is_set_aside() -> None:
    # A truck passing behind joins the box at once (its roof above the car's) and leaves
    # it a little each frame: no step out of the merge, so its last frames stay in the
    # run the car's own size is judged on, a step from the frame before the merge.
    track = vehicle_track(CAM, AWAY, TIMES)
    first = measure(track).frame_indices[0] + 4
    raised = (1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2)  # of the car's box height
    for i, up in zip(range(first, first + 7), raised, strict=True):
        x1, y1, x2, y2 = track.samples[i].xyxy
        track.samples[i] = replace(track.samples[i], xyxy=(x1, y1 - up * (y2 - y1), x2, y2))
    p = measure(track)
    assert p.valid, p.reject_reason
    assert first + 3 not in p.frame_indices and first + 6 in p.frame_indices
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_a_track_that_leaves_the_line_for_good_is_not_measured() -> None:
    # the same creeping merge, lasting to the end of the zone: nothing to come back to
    track = vehicle_track(CAM, AWAY, TIMES)
    for i in range(26, len(TIMES)):
        x1, y1, x2, y2 = track.samples[i].xyxy
        track.samples[i] = replace(track.samples[i], xyxy=(x1, y1, x2, y2 + 3.0 * (i - 25)))
    assert not measure(track).valid


def test_a_glitch_in_the_last_zone_frame_is_set_aside_when_the_track_returns_after() -> None:
    # One box bottom 20 px low in the zone's last frame (a shadow or a neighbour's blob
    # touching it), back on the line in the frames after the zone: those frames vote.
    track = vehicle_track(CAM, AWAY, TIMES)
    last = measure(track).frame_indices[-1]
    x1, y1, x2, y2 = track.samples[last].xyxy
    track.samples[last] = replace(track.samples[last], xyxy=(x1, y1, x2, y2 + 20.0))
    p = measure(track)
    assert p.valid, p.reject_reason
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)
    assert p.details["samples_set_aside"] == 1.0


def leaving_sideways(track: Track, right: float, cut: bool = True) -> Track:
    """``track`` once past the zone (1.5 s on) as a box leaving the view through its
    right edge ``right`` (with ``cut``): the lowest corner is gone first, so the box
    bottom climbs the body, 2 % of the picture's height more each frame, and maps back
    into the zone."""
    samples: list[TrackSample] = []
    for s in track.samples:
        x1, y1, x2, y2 = s.xyxy
        if s.t_s >= 1.5:
            y2 -= 0.02 * (len([o for o in samples if o.t_s >= 1.5]) + 1) * CAM.height
            x2 = right if cut else x2
        samples.append(replace(s, xyxy=(x1, y1, x2, y2)))
    return Track(track.track_id, samples, dict(track.class_votes))


def test_a_vehicle_leaving_the_view_sideways_is_measured_before_its_corner_left() -> None:
    right = 805.0  # the detector's view ends here; the vehicle is wholly inside before
    est = estimator(view=(0.0, 0.0, right, CAM.height))
    p = est.estimate(leaving_sideways(vehicle_track(CAM, TOWARD, TIMES), right))
    assert p is not None and p.valid, p and p.reject_reason
    assert p.speed_kmh == pytest.approx(72.0, abs=0.1)
    assert p.details["samples_set_aside"] > 0


def test_a_box_bottom_climbing_back_inside_the_view_is_still_judged() -> None:
    right = 805.0
    est = estimator(view=(0.0, 0.0, right, CAM.height))
    p = est.estimate(leaving_sideways(vehicle_track(CAM, TOWARD, TIMES), right, cut=False))
    assert p is not None and (p.valid, p.reject_reason) == (False, "non_monotonic")


def test_it_rejects_a_box_merged_with_a_neighbour_for_most_of_the_zone() -> None:
    track = merged(vehicle_track(CAM, AWAY, TIMES), range(14, 40))
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "occlusion_or_merge")


def test_it_rejects_a_merge_that_leaves_too_little_of_the_zone() -> None:
    # the whole first half of the zone (15-25 m: frames 12-24) seen merged only
    track = merged(vehicle_track(CAM, AWAY, TIMES), range(12, 25))
    p = measure(track)
    assert not p.valid
    assert p.reject_reason in ("occlusion_or_merge", "too_few_samples", "incomplete_zone")


def test_it_sets_aside_frames_overlapping_another_track() -> None:
    track = vehicle_track(CAM, AWAY, TIMES)
    track.samples[22] = replace(track.samples[22], overlap=0.4)
    p = measure(track)
    assert p.valid, p.reject_reason
    assert 22 not in p.frame_indices


def overlapped_to_the_exit() -> Track:
    """A track that ends just short of the zone's exit (35 m at 1.2 s), another track's
    box over its bottom band in its last six frames (30-34 m)."""
    track = vehicle_track(CAM, AWAY, TIMES[:36])
    for i in range(30, 36):
        track.samples[i] = replace(track.samples[i], overlap=0.4)
    return track


def test_frames_set_aside_for_their_box_still_show_the_vehicle_at_the_zones_exit() -> None:
    p = measure(overlapped_to_the_exit())
    assert p.valid, p.reject_reason
    assert not set(range(30, 36)) & set(p.frame_indices)
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_frames_set_aside_off_the_tracks_line_do_not_show_the_vehicle_there() -> None:
    # The other vehicle hides this one's lower body: the box bottoms of its last six
    # frames (26-31 m) sit 15 px up, 3.3 m ahead of it, the last one by the exit line.
    track = vehicle_track(CAM, AWAY, TIMES[:32])
    for i in range(26, 32):
        x1, y1, x2, y2 = track.samples[i].xyxy
        track.samples[i] = replace(track.samples[i], xyxy=(x1, y1, x2, y2 - 15.0), overlap=0.4)
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "incomplete_zone")


def test_it_rejects_a_passage_overlapping_another_track_throughout() -> None:
    track = vehicle_track(CAM, AWAY, TIMES)
    track.samples = [replace(s, overlap=0.4) for s in track.samples]
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "occlusion_or_merge")


def test_it_rejects_a_lane_change() -> None:
    p = measure(vehicle_track(CAM, replace(AWAY, lateral_ms=2.5), TIMES))
    assert (p.valid, p.reject_reason) == (False, "lane_change")


def test_it_rejects_a_reversing_vehicle() -> None:
    # forward 12 m/s, then back at 6 m/s for the last third of the time
    track = Track(1)
    for i, t in enumerate(np.arange(0.0, 3.6, 1 / 30)):
        y = 8.0 + 12.0 * min(t, 2.4) - 6.0 * max(0.0, t - 2.4)
        v = Vehicle(x=-1.75, y0=y, speed_ms=0.0)
        pts = CAM.project(v.corners(0.0))
        box = (*pts.min(axis=0), *pts.max(axis=0))
        track.samples.append(TrackSample(i, float(t), tuple(map(float, box)), 0.9))  # type: ignore[arg-type]
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "non_monotonic")


def two_speeds(v1_kmh: float, v2_kmh: float) -> Track:
    """A car away from the camera at ``v1_kmh`` up to the zone's middle (25 m), then at
    ``v2_kmh``: halves that disagree by exactly the given amount."""
    v1, v2 = v1_kmh / 3.6, v2_kmh / 3.6
    t_mid = (25.0 - 5.0) / v1
    track = Track(1)
    for i, t in enumerate(np.arange(0.0, t_mid + 20.0 / v2, 1 / 30)):
        y = 5.0 + v1 * t if t <= t_mid else 25.0 + v2 * (t - t_mid)
        pts = CAM.project(Vehicle(x=-1.75, y0=y, speed_ms=0.0).corners(0.0))
        box = (*pts.min(axis=0), *pts.max(axis=0))
        track.samples.append(TrackSample(i, float(t), tuple(map(float, box)), 0.9))  # type: ignore[arg-type]
    return track


@pytest.mark.parametrize(
    ("v1", "v2", "valid"),
    [
        (30.0, 32.5, True),  # 8 % apart, but within 3 km/h: what a reading may be off by
        (30.0, 33.5, False),  # 3.5 km/h apart
        (150.0, 154.0, True),  # 2.7 %
        (150.0, 156.0, False),  # 4 %: above 100 km/h the 3 % rules
    ],
)
def test_halves_agree_within_3_kmh_or_3_percent_whichever_is_larger(
    v1: float, v2: float, valid: bool
) -> None:
    p = measure(two_speeds(v1, v2))
    assert (p.valid, p.reject_reason) == (valid, None if valid else "halves_disagree")
    if valid:
        assert p.speed_kmh == pytest.approx(v1, abs=0.2)  # the lower half is reported


def test_a_reading_valid_only_by_the_3_kmh_allowance_is_not_firm() -> None:
    # Firm readings may be reported as the vehicle leaves the zone; the others wait for
    # the track's end (``MeasurementPipeline._measure_departed``).
    est = estimator()
    loose, close, apart = (est.estimate(two_speeds(30.0, v)) for v in (31.5, 30.5, 34.0))
    assert loose is not None and loose.valid and not est.firm(loose)
    assert close is not None and close.valid and est.firm(close)
    assert apart is not None and not apart.valid and not est.firm(apart)
    assert not est.firm(None)


def test_it_rejects_halves_that_disagree() -> None:
    # strong braking: 30 m/s at entry, ~20 m/s at exit
    track = Track(1)
    for i, t in enumerate(np.arange(0.0, 2.0, 1 / 30)):
        y = 4.0 + 32.0 * t - 6.0 * t * t
        pts = CAM.project(Vehicle(x=-1.75, y0=y, speed_ms=0.0).corners(0.0))
        box = (*pts.min(axis=0), *pts.max(axis=0))
        track.samples.append(TrackSample(i, float(t), tuple(map(float, box)), 0.9))  # type: ignore[arg-type]
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "halves_disagree")
    assert p.speed_first_half_kmh > p.speed_second_half_kmh * 1.03


def rolling_shutter(vehicle: Vehicle, readout_s: float) -> Track:
    """The boxes a rolling-shutter camera sees: the sensor reaches the box's bottom row
    (the contact) ``readout_s * row / height`` after the frame's stamp, and by then the
    vehicle has moved on."""
    track = Track(1)
    for i, stamp in enumerate(TIMES):
        when = float(stamp)
        for _ in range(20):  # the row read depends on where the vehicle is when it is read
            pts = CAM.project(vehicle.corners(when))
            when = float(stamp) + readout_s * float(pts[:, 1].max()) / CAM.height
        box = np.r_[pts.min(axis=0), pts.max(axis=0)]
        xyxy = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        track.samples.append(TrackSample(i, float(stamp), xyxy, 0.9))
    track.class_votes["car"] = len(TIMES)
    return track


@pytest.mark.parametrize("vehicle", [AWAY, TOWARD], ids=["away", "toward"])
def test_a_rolling_shutter_is_timed_row_by_row(vehicle: Vehicle) -> None:
    true_kmh = abs(vehicle.speed_ms) * 3.6
    track = rolling_shutter(vehicle, readout_s=0.03)
    untimed = measure(track)
    timed = estimator(readout_s=0.03).estimate(track)
    assert timed is not None and timed.valid, timed and timed.reject_reason
    # Left untimed, the readout reads an oncoming vehicle high - a ticket for nothing -
    # and a receding one low.
    error = untimed.speed_fit_kmh - true_kmh
    assert abs(error) > 0.3 and (error > 0) == (vehicle is TOWARD)
    assert timed.speed_fit_kmh == pytest.approx(true_kmh, abs=0.05)
    assert timed.speed_kmh == pytest.approx(true_kmh, abs=0.1)
    assert timed.details["u_shutter_kmh"] > 0.0 == untimed.details["u_shutter_kmh"]


def test_it_rejects_high_uncertainty_from_a_poor_survey() -> None:
    p = measure(vehicle_track(CAM, AWAY, TIMES), sigma_m=1.0)
    assert (p.valid, p.reject_reason) == (False, "high_uncertainty")
    assert p.uncertainty_kmh > 3.0


def test_calibration_uncertainty_follows_where_the_road_was_surveyed() -> None:
    # The same survey error matters far more when the marks span 2 m of road than 40 m:
    # the scale along the road is then barely pinned down.
    track = vehicle_track(CAM, AWAY, TIMES)
    bunched = road_plane(CAM, np.array([[x, y] for x in (-6.0, 6.0) for y in (24.0, 26.0)]))
    spread = estimator(sigma_m=0.05).estimate(track)
    short = estimator(plane=bunched, sigma_m=0.05).estimate(track)
    assert spread is not None and short is not None
    assert short.details["u_cal_kmh"] > 10 * spread.details["u_cal_kmh"]
    assert (spread.valid, short.reject_reason) == (True, "high_uncertainty")


def test_a_fast_vehicle_seen_in_every_frame_of_a_short_transit_is_measured() -> None:
    # 150 km/h through a 12 m zone is 8 frames at 30 fps: all the transit there is to see.
    fast = Vehicle(x=-1.75, y0=0.0, speed_ms=150 / 3.6)
    short_zone = np.array([[-6.0, 15.0], [6.0, 15.0], [6.0, 27.0], [-6.0, 27.0]])
    est = SpeedEstimator(road_plane(CAM), short_zone, 0.02, (0.0, 0.0, CAM.width, CAM.height))
    p = est.estimate(vehicle_track(CAM, fast, np.arange(0.0, 1.0, 1 / 30)))
    assert p is not None and p.n_samples <= 9
    assert p.valid and p.speed_kmh == pytest.approx(150.0, abs=0.3)


def test_it_rejects_a_transit_mostly_lost_to_detection_dropouts() -> None:
    track = vehicle_track(CAM, AWAY, TIMES)
    # keep the frames around the zone's ends, lose 70 % of those inside it
    track.samples = [s for s in track.samples if not 0.5 < s.t_s < 1.1]
    p = measure(track)
    assert (p.valid, p.reject_reason) == (False, "too_few_samples")


PANNED = Camera(
    width=1280, height=720, focal_px=1100.0, position=(9.0, -6.0, 6.0), target=(-3.0, 30.0, 0.0)
)


def test_a_box_growing_sideways_does_not_bend_the_track_of_an_oblique_view() -> None:
    # A panned camera sees the vehicle's side grow as it nears; the bottom-centre then
    # slides across the road and, on a tilted image row, along it. The row does not.
    plane = road_plane(PANNED)
    track = vehicle_track(PANNED, AWAY, TIMES)
    grown = Track(1, class_votes={"car": len(track.samples)})
    for i, s in enumerate(track.samples):
        x1, y1, x2, y2 = s.xyxy
        grown.samples.append(replace(s, xyxy=(x1 - 1.5 * i, y1, x2, y2)))
    row = estimator(plane).estimate(grown)
    centre = estimator(plane, row_contact=False).estimate(grown)
    assert row is not None and centre is not None
    assert row.speed_fit_kmh == pytest.approx(90.0, abs=0.2)
    assert abs(centre.speed_fit_kmh - 90.0) > 1.0


def test_uncertainty_includes_a_pixel_offset_of_the_box_bottom() -> None:
    p = measure(vehicle_track(CAM, AWAY, TIMES))
    none = measure(vehicle_track(CAM, AWAY, TIMES), contact_bias_px=0.0)
    assert p.details["u_contact_kmh"] > 0.1
    assert none.details["u_contact_kmh"] == 0.0
    assert p.uncertainty_kmh > none.uncertainty_kmh


def test_uncertainty_grows_with_pixel_noise() -> None:
    clean = measure(vehicle_track(CAM, AWAY, TIMES))
    noisy = measure(vehicle_track(CAM, AWAY, TIMES, noise_px=1.0, seed=1))
    assert noisy.details["u_fit_kmh"] > clean.details["u_fit_kmh"]


def stamped(track: Track, sigma_s: float, seed: int = 0) -> Track:
    """``track``'s frames, captured when they were, stamped by a clock that jitters."""
    errors = np.random.default_rng(seed).normal(0.0, sigma_s, len(track.samples))
    return Track(
        track.track_id,
        [replace(s, t_s=s.t_s + float(e)) for s, e in zip(track.samples, errors, strict=True)],
        dict(track.class_votes),
    )


def test_timing_uncertainty_is_measured_from_how_the_timestamps_scatter() -> None:
    steady = measure(vehicle_track(CAM, AWAY, TIMES))
    jittery = measure(stamped(vehicle_track(CAM, AWAY, TIMES), sigma_s=0.004, seed=2))
    assert steady.details["timestamp_sigma_s"] == SpeedConfig().timestamp_sigma_s
    assert jittery.details["timestamp_sigma_s"] == pytest.approx(0.004, rel=0.3)
    assert jittery.details["u_time_kmh"] > 20 * steady.details["u_time_kmh"]
    assert jittery.uncertainty_kmh > steady.uncertainty_kmh


def test_a_jittery_clock_is_still_covered_by_the_uncertainty() -> None:
    outside = 0
    for seed in range(20):
        p = measure(stamped(vehicle_track(CAM, AWAY, TIMES), sigma_s=0.004, seed=seed))
        if p.valid and abs(p.speed_kmh - 90.0) > p.uncertainty_kmh:
            outside += 1
    assert outside <= 1


def test_the_estimate_rarely_exceeds_truth_by_more_than_its_uncertainty() -> None:
    over = 0
    for seed in range(20):
        p = measure(vehicle_track(CAM, AWAY, TIMES, noise_px=0.7, seed=seed))
        if p.valid and p.speed_kmh - 90.0 > p.uncertainty_kmh:
            over += 1
    assert over <= 1  # k = 2 covers ~97.5 % one-sided


GRID = np.array([[x, y] for x in (-7.0, -3.5, 0.0, 3.5, 7.0) for y in (8.0, 18.0, 28.0, 38.0)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subset=st.lists(st.integers(0, len(GRID) - 1), min_size=4, max_size=len(GRID), unique=True),
    extra=st.lists(st.tuples(st.floats(-8.0, 8.0), st.floats(5.0, 45.0)), min_size=0, max_size=4),
)
def test_speed_does_not_depend_on_which_road_points_were_surveyed(
    subset: list[int], extra: list[tuple[float, float]]
) -> None:
    world = np.vstack([GRID[subset], np.array(extra).reshape(-1, 2)])
    try:
        plane = road_plane(CAM, world)
    except CalibrationError:
        assume(False)
        return
    track = vehicle_track(CAM, AWAY, TIMES, noise_px=0.5, seed=7)
    reference = estimator().estimate(track)
    other = estimator(plane).estimate(track)
    assert reference is not None and other is not None
    # the speed does not depend on the survey; its uncertainty may (a few bunched marks
    # pin the scale down less), so only then may the verdict differ
    assert other.reject_reason in (reference.reject_reason, "high_uncertainty")
    assert other.speed_kmh == pytest.approx(reference.speed_kmh, abs=1e-3)


def test_a_vehicle_cut_at_the_top_of_the_view_is_measured_from_its_bottom_row() -> None:
    # A tall truck near the camera reaches above the detector's view: its box top is cut
    # in every frame, but its bottom - the contact point - is whole.
    track = vehicle_track(CAM, AWAY, TIMES)
    tops = track.boxes()[:, 1]
    view = (0.0, float(tops.max()) + 1.0, float(CAM.width), float(CAM.height))
    est = estimator(view=view)
    cut = Track(1, class_votes={"truck": len(track.samples)})
    for s in track.samples:
        x1, _, x2, y2 = s.xyxy
        cut.samples.append(replace(s, xyxy=(x1, view[1], x2, y2)))
    p = est.estimate(cut)
    assert p is not None and p.valid
    assert p.speed_kmh == pytest.approx(90.0, abs=0.1)


def test_a_vehicle_cut_at_the_bottom_of_the_view_is_not_placed_by_the_cut() -> None:
    track = vehicle_track(CAM, TOWARD, TIMES)
    bottoms = track.boxes()[:, 3]
    view = (0.0, 0.0, float(CAM.width), float(np.median(bottoms)))
    cut = Track(1, class_votes={"car": len(track.samples)})
    for s in track.samples:
        x1, y1, x2, y2 = s.xyxy
        cut.samples.append(replace(s, xyxy=(x1, y1, x2, min(y2, view[3]))))
    p = estimator(view=view).estimate(cut)
    assert p is None or not p.valid


def test_uncertainty_covers_reporting_the_lower_half() -> None:
    p = measure(vehicle_track(CAM, AWAY, TIMES, noise_px=0.7, seed=3))
    offset = abs(p.speed_first_half_kmh - p.speed_second_half_kmh) / 2
    assert p.details["lower_half_offset_kmh"] == pytest.approx(offset)
    assert offset > 0
    assert p.uncertainty_kmh >= offset + 2 * p.details["u_fit_kmh"]


def outlined_by_another_detector(track: Track, sized: bool) -> Track:
    """``track`` with every other sample's box replaced by a tighter, wider outline with
    the same bottom (a motion blob standing in where YOLO missed: no shadow, no roof)."""

    def other(s: TrackSample) -> TrackSample:
        x1, y1, x2, y2 = s.xyxy
        mid, half = 0.5 * (x1 + x2), 0.65 * (x2 - x1)
        top = y2 - 0.55 * (y2 - y1)
        return replace(s, xyxy=(mid - half, top, mid + half, y2), sized=sized)

    samples = [other(s) if i % 2 else s for i, s in enumerate(track.samples)]
    return Track(track.track_id, samples, dict(track.class_votes))


def test_boxes_of_another_detectors_outline_place_the_vehicle_but_their_size_judges_nothing() -> (
    None
):
    track = vehicle_track(CAM, AWAY, TIMES)

    judged = measure(outlined_by_another_detector(track, sized=True))
    placed = measure(outlined_by_another_detector(track, sized=False))

    assert not judged.valid
    assert placed.valid, placed.reject_reason
    assert placed.speed_kmh == pytest.approx(90.0, abs=0.1)
