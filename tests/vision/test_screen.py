"""Screening a track's samples for frames where its box was not the vehicle's own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import siegelslopes

from cameras.vision.measure.screen import (
    clean_samples,
    merge_run,
    off_line,
    on_line,
    repeated_medians,
)

N = 30


def screen(area: np.ndarray, aspect: np.ndarray | None = None, **kw: object) -> np.ndarray:
    aspect = np.ones(N) if aspect is None else aspect
    comparable = kw.pop("comparable", np.ones(N, bool))
    overlap = kw.pop("overlap", np.zeros(N))
    return clean_samples(area, aspect, comparable, overlap)  # type: ignore[arg-type]


def test_a_steady_box_is_all_clean() -> None:
    assert screen(np.linspace(8.0, 9.0, N)).all()


def test_a_merge_in_mid_track_is_set_aside() -> None:
    area = np.full(N, 8.0)
    area[10:18] = 16.0  # two blobs joined into one box
    keep = screen(area)
    assert not keep[10:18].any() and keep[:10].all() and keep[18:].all()


def test_the_frames_around_a_long_merge_outvote_it() -> None:
    area = np.full(N, 8.0)
    area[8:22] = 16.0  # the merged run is the longest single run, not the majority
    keep = screen(area)
    assert not keep[8:22].any() and keep[:8].all() and keep[22:].all()


def test_a_change_of_shape_alone_is_a_merge_too() -> None:
    aspect = np.ones(N)
    aspect[5:9] = 2.2
    keep = screen(np.full(N, 8.0), aspect)
    assert not keep[5:9].any() and keep.sum() == N - 4


def test_frames_overlapping_another_track_are_set_aside() -> None:
    overlap = np.zeros(N)
    overlap[3] = 0.5
    keep = screen(np.full(N, 8.0), overlap=overlap)
    assert not keep[3] and keep.sum() == N - 1


def test_boxes_cut_by_the_view_are_neither_judged_nor_used_to_judge() -> None:
    area = np.full(N, 8.0)
    area[:4] = 2.0  # cut at the edge of the view: small, but not comparable
    comparable = np.ones(N, bool)
    comparable[:4] = False
    assert screen(area, comparable=comparable).all()


def test_a_merge_that_fades_out_loses_its_first_frames_too() -> None:
    # A passing truck's roof joins the box (a step in), then leaves it over several
    # frames: no single step out, so the run after the set-aside frames starts merged.
    area = np.full(N, 8.0)
    area[10:14] = 16.0
    area[14:17] = [13.0, 10.5, 9.0]
    keep = screen(area)
    assert not keep[10:15].any() and keep[:10].all() and keep[15:].all()


def test_a_step_between_kept_neighbours_drops_the_one_unlike_the_vehicle() -> None:
    area = np.full(N, 8.0)
    area[15:25] = 7.0  # the box shrinks a little as the view changes
    area[20] = 10.0  # a step from its neighbours, but within a step of the vehicle's size
    keep = screen(area)
    assert not keep[20] and keep.sum() == N - 1


def test_no_sample_is_no_sample() -> None:
    empty = np.zeros(0)
    assert len(clean_samples(empty, empty, np.zeros(0, bool), empty)) == 0


T = np.arange(40) / 30.0
RNG = np.random.default_rng(7)
LINE = 20.0 + 25.0 * T + RNG.normal(0.0, 0.05, len(T))  # 90 km/h, 5 cm noise


def test_frames_that_slid_off_the_line_are_off() -> None:
    y = LINE.copy()
    y[12:20] -= np.linspace(0.3, 4.0, 8)  # the bottom creeps onto a neighbour's
    off = off_line(T, y, floor_m=0.5, sigmas=6.0)
    assert off[13:20].all() and not off[:12].any() and not off[20:].any()


def test_a_track_is_not_thinned_by_its_own_noise() -> None:
    noisy = 20.0 + 25.0 * T + RNG.normal(0.0, 0.2, len(T))
    assert not off_line(T, noisy, floor_m=0.5, sigmas=6.0).any()


def test_almost_half_the_frames_off_the_line_cannot_pull_it() -> None:
    y = LINE.copy()
    y[:18] += 3.0  # 18 of 40 frames
    off = off_line(T, y, floor_m=0.5, sigmas=6.0)
    assert off[:18].all() and not off[18:].any()


def test_too_few_frames_have_no_majority() -> None:
    y = LINE[:5].copy()
    y[2] += 3.0
    assert not off_line(T[:5], y, floor_m=0.5, sigmas=6.0, min_samples=6).any()


def test_a_vehicle_standing_in_the_zone_for_minutes_is_screened_quickly() -> None:
    t = np.arange(9000) / 30.0  # five minutes of samples
    y = 30.0 + 0.01 * t + RNG.normal(0.0, 0.05, len(t))
    y[4000:4030] += 3.0
    off = off_line(t, y, floor_m=0.5, sigmas=6.0)
    assert off[4000:4030].all() and off.sum() == 30


def test_a_merge_run_the_track_comes_back_from_is_set_aside() -> None:
    y = LINE.copy()
    y[12:20] -= np.linspace(0.3, 4.0, 8)
    aside = merge_run(T, y, floor_m=0.5, sigmas=6.0)
    assert aside.tolist() == off_line(T, y, floor_m=0.5, sigmas=6.0).tolist()


def test_a_run_at_the_end_of_the_zone_is_left_to_be_judged() -> None:
    y = LINE.copy()
    y[32:] += np.linspace(1.0, 6.0, 8)  # another vehicle took the id near the exit
    assert off_line(T, y, floor_m=0.5, sigmas=6.0)[32:].all()
    assert not merge_run(T, y, floor_m=0.5, sigmas=6.0).any()


def test_a_run_at_the_end_cut_by_the_side_of_the_view_is_set_aside() -> None:
    # Leaving the view sideways, the box loses the vehicle's lowest corner first and its
    # bottom climbs the body: the run is explained, and set aside.
    y = LINE.copy()
    y[34:] += np.linspace(0.8, 3.0, 6)
    cut = np.zeros(len(T), bool)
    cut[34:] = True
    assert merge_run(T, y, floor_m=0.5, sigmas=6.0, cut=cut)[34:].all()
    cut[34] = False  # one box in the run still whole: the climb is not explained
    assert not merge_run(T, y, floor_m=0.5, sigmas=6.0, cut=cut).any()


def test_samples_outside_the_counted_ones_vote_but_are_not_set_aside() -> None:
    # A glitch in the zone's last two frames, back on the line in the frames past it:
    # those frames make it a run the track comes back from; only zone frames go.
    y = LINE.copy()
    y[30:32] += 2.0
    zone = np.zeros(len(T), bool)
    zone[:32] = True
    assert not merge_run(T[:32], y[:32], floor_m=0.5, sigmas=6.0).any()
    aside = merge_run(T, y, floor_m=0.5, sigmas=6.0, within=zone)
    assert np.flatnonzero(aside).tolist() == [30, 31]


def test_a_run_longer_than_the_allowed_share_is_left_to_be_judged() -> None:
    y = LINE.copy()
    y[5:23] += 3.0  # 18 of 40 frames, bracketed by the vehicle's own
    assert merge_run(T, y, floor_m=0.5, sigmas=6.0, max_share=0.5)[5:23].all()
    assert not merge_run(T, y, floor_m=0.5, sigmas=6.0, max_share=0.4).any()


def test_a_sample_is_on_the_line_within_the_floor_or_the_tracks_own_noise() -> None:
    t = np.arange(40) / 30.0
    y = 10.0 + 20.0 * t
    probe_t = np.full(3, 0.5)
    probe_y = 20.0 + np.array([0.0, 0.4, 0.8])  # on the line, 0.4 m and 0.8 m off it
    assert on_line(t, y, probe_t, probe_y, 0.5, 6.0).tolist() == [True, True, False]
    noisy = y + np.random.default_rng(3).normal(0.0, 0.2, len(t))  # 6 sigmas: about 1.2 m
    assert on_line(t, noisy, probe_t, probe_y, 0.5, 6.0).all()


@pytest.mark.parametrize("n", [3, 4, 11, 60, 61, 200])
def test_the_repeated_medians_line_is_scipys_siegelslopes_to_the_last_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    for trial in range(20):
        t = np.sort(rng.uniform(0.0, 3.0, n))
        if trial % 4 == 0:
            t = np.round(t, 1)  # repeated timestamps: pairs with equal t are left out
        y = 25.0 * t + rng.normal(0.0, 0.1, n)
        y[rng.random(n) < 0.3] += rng.normal(0.0, 5.0)  # a third of the samples anywhere
        if np.ptp(t) == 0:
            continue
        theirs = siegelslopes(y, t)
        assert repeated_medians(t, y) == (theirs.slope, theirs.intercept)


def test_the_repeated_medians_line_follows_the_majority_past_a_long_merged_run() -> None:
    t = np.linspace(0.0, 2.0, 40)
    y = 20.0 * t
    y[25:38] += 3.0  # a third of the track on a neighbour's box bottom
    slope, intercept = repeated_medians(t, y)
    assert slope == pytest.approx(20.0, abs=0.5) and intercept == pytest.approx(0.0, abs=0.5)
