"""Timestamp scatter: how far a clip's frame stamps stray from a steady clock."""

from __future__ import annotations

import numpy as np
import pytest

from cameras.vision.measure.fit import timestamp_scatter

STEADY = np.arange(90) / 30.0


def test_a_steady_clock_has_no_scatter() -> None:
    assert timestamp_scatter(STEADY + 12.5) == pytest.approx(0.0, abs=1e-12)


def test_frames_missing_between_samples_are_not_scatter() -> None:
    # Detections lost for a frame or three, and a dropped frame: gaps, not jitter.
    kept = np.delete(STEADY, [5, 6, 7, 30, 61])
    assert timestamp_scatter(kept) == pytest.approx(0.0, abs=1e-12)


def test_a_clock_running_off_its_nominal_rate_is_not_scatter() -> None:
    assert timestamp_scatter(STEADY * 1.0004) == pytest.approx(0.0, abs=1e-12)


def test_jittery_stamps_give_their_own_scatter() -> None:
    rng = np.random.default_rng(7)
    jittery = STEADY + rng.normal(0.0, 0.003, len(STEADY))
    assert timestamp_scatter(jittery) == pytest.approx(0.003, rel=0.2)


def test_a_few_late_stamps_count_in_full() -> None:
    late = STEADY.copy()
    late[[20, 50]] += 0.012
    # RMS over 90 stamps of two 12 ms errors: about 1.8 ms, where a robust scale says 0.
    assert timestamp_scatter(late) > 0.0015


def test_too_few_stamps_measure_nothing() -> None:
    assert timestamp_scatter(STEADY[:3]) == 0.0
