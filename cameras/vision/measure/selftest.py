"""The daily self-test's checks (no Django): is the camera's clock right, its frame timing
sane, its picture alive and in focus over the zone, does its calibration still reproduce
the surveyed distances, and are plates wide enough in the picture to be read?"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import CalibrationError, VideoSourceError
from cameras.vision.measure.calibration import Calibration as EngineCalibration
from cameras.vision.measure.readability import (
    MIN_ZONE_SHARPNESS,
    PLATE_WIDTH_EU_M,
    plate_readability,
    zone_mask,
    zone_sharpness,
)
from cameras.vision.measure.source import FrameSource

MAX_FRAMES = 300  # about ten seconds: enough to see frame timing and a passing car
MIN_FRAMES = 10
FPS_TOLERANCE = 0.05
# One dropped frame (a 2-interval gap) happens; two in a row mean the pipe is struggling.
MAX_GAP_INTERVALS = 2.5
MAX_CLOCK_OFFSET_S = 2.0
DISTANCE_TOLERANCE_RATIO = 0.02
DISTANCE_TOLERANCE_M = 0.10
BRIGHTNESS_RANGE = (20.0, 235.0)
MIN_DETAIL = 5.0  # std of grey levels; a lens cap or a dead sensor is flat
MIN_CHANGE = 0.1  # mean |difference| of grey levels between frames; 0 means frozen
_THUMB_WIDTH = 160


class CalibrationRecord(Protocol):
    """A stored calibration version: its contract dict and its number."""

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def version(self) -> int: ...


FrameInput = Sequence[tuple[float, NDArray[Any]]] | FrameSource


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    limit: str
    passed: bool
    detail: str
    advisory: bool = False  # reported, but does not fail the self-test

    def as_dict(self) -> dict[str, Any]:
        verdict = "pass" if self.passed else ("warn" if self.advisory else "fail")
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "verdict": verdict,
            "detail": self.detail,
        }


@dataclass
class _FrameStats:
    times: list[float]
    brightness: list[float]
    detail: list[float]
    change: list[float]
    duplicates: int = 0
    zone_detail: list[float] = field(default_factory=list)


def _thumb(image: NDArray[Any]) -> NDArray[np.float32]:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape[:2]
    if w > _THUMB_WIDTH:  # statistics of a thumbnail are as good and 50x cheaper
        grey = cv2.resize(
            grey, (_THUMB_WIDTH, max(1, round(h * _THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA
        )
    return np.asarray(grey, dtype=np.float32)


def _collect(
    frames: Iterable[tuple[float, NDArray[Any]]],
    focus: Callable[[NDArray[Any]], float | None] | None = None,
) -> _FrameStats:
    """One pass, one thumbnail in memory: a self-test must not hold 300 HD frames.
    ``focus`` (zone sharpness, full resolution) runs on every tenth frame."""
    stats = _FrameStats([], [], [], [])
    prev: NDArray[np.float32] | None = None
    for n, (t_s, image) in enumerate(frames):
        value = focus(image) if focus is not None and n % 10 == 0 else None
        if value is not None:
            stats.zone_detail.append(value)
        thumb = _thumb(image)
        stats.times.append(float(t_s))
        stats.brightness.append(float(thumb.mean()))
        stats.detail.append(float(thumb.std()))
        if prev is not None and prev.shape == thumb.shape:
            stats.change.append(float(np.abs(thumb - prev).mean()))
        prev = thumb
    return stats


def _timing_checks(stats: _FrameStats, nominal_fps: float | None) -> list[Check]:
    t = np.asarray(stats.times)
    steps = np.diff(t)
    bad = int(np.sum(steps <= 0)) + stats.duplicates
    checks = [
        Check(
            "timestamps_increasing",
            float(bad),
            "0 repeated or backwards timestamps",
            bad == 0,
            f"{bad} of {len(t)} frame timestamps did not increase" if bad else "ok",
        )
    ]
    if not nominal_fps or nominal_fps <= 0:
        checks.append(
            Check(
                "frame_rate",
                None,
                "nominal rate known",
                False,
                "no nominal frame rate (container or calibration fps) to compare",
            )
        )
        return checks
    span = float(t[-1] - t[0])
    measured = (len(t) - 1) / span if span > 0 else 0.0
    off = abs(measured - nominal_fps) / nominal_fps
    checks.append(
        Check(
            "frame_rate",
            round(measured, 3),
            f"{nominal_fps:g} fps ± {FPS_TOLERANCE:.0%}",
            off <= FPS_TOLERANCE,
            f"measured {measured:.2f} fps, {off:.1%} from the nominal {nominal_fps:g} fps",
        )
    )
    limit_s = MAX_GAP_INTERVALS / nominal_fps
    gap = float(steps.max()) if len(steps) else 0.0
    checks.append(
        Check(
            "largest_gap",
            round(gap, 4),
            f"≤ {limit_s:.3f} s",
            gap <= limit_s,
            f"largest gap between frames {gap * 1000:.0f} ms (limit {limit_s * 1000:.0f} ms)",
        )
    )
    return checks


def _clock_check(offset_s: float | None) -> Check:
    limit = f"|offset| ≤ {MAX_CLOCK_OFFSET_S:g} s"
    if offset_s is None or not math.isfinite(offset_s):
        return Check("clock_offset", None, limit, False, "the worker did not report its clock")
    ok = abs(offset_s) <= MAX_CLOCK_OFFSET_S
    return Check(
        "clock_offset",
        round(offset_s, 3),
        limit,
        ok,
        f"worker clock is {offset_s:+.2f} s from the back office",
    )


def _reference_check(calibration: CalibrationRecord | None) -> Check:
    """Re-project the surveyed points and compare every pairwise distance with the survey."""
    limit = f"≤ max({DISTANCE_TOLERANCE_RATIO:.0%}, {DISTANCE_TOLERANCE_M} m) per pair"
    if calibration is None:
        return Check("reference_distances", None, limit, False, "the camera has no calibration")
    try:
        plane = EngineCalibration.from_dict(calibration.data).plane
    except CalibrationError as exc:
        return Check(
            "reference_distances",
            None,
            limit,
            False,
            f"calibration v{calibration.version} is unusable: {exc}",
        )
    projected = plane.image_to_world(plane.image_points)
    worst: tuple[float, float, float, int, int] | None = None  # ratio, err, allowed, i, j
    for i, j in itertools.combinations(range(len(projected)), 2):
        surveyed = float(np.linalg.norm(plane.world_points[i] - plane.world_points[j]))
        measured = float(np.linalg.norm(projected[i] - projected[j]))
        err = abs(measured - surveyed) if math.isfinite(measured) else math.inf
        allowed = max(DISTANCE_TOLERANCE_RATIO * surveyed, DISTANCE_TOLERANCE_M)
        if worst is None or err / allowed > worst[0]:
            worst = (err / allowed, err, allowed, i, j)
    assert worst is not None  # a valid calibration has at least 4 points
    ratio, err, allowed, i, j = worst
    return Check(
        "reference_distances",
        round(err, 4),
        limit,
        ratio <= 1.0,
        f"worst pair: points {i + 1}–{j + 1} off by {err:.3f} m (allowed {allowed:.3f} m) "
        f"with calibration v{calibration.version}",
    )


def _picture_checks(stats: _FrameStats) -> list[Check]:
    lo, hi = BRIGHTNESS_RANGE
    brightness = float(np.mean(stats.brightness))
    detail = float(np.mean(stats.detail))
    change = max(stats.change, default=0.0)
    return [
        Check(
            "picture_brightness",
            round(brightness, 1),
            f"{lo:g}–{hi:g}",
            lo <= brightness <= hi,
            f"mean grey level {brightness:.0f}",
        ),
        Check(
            "picture_not_blank",
            round(detail, 2),
            f"≥ {MIN_DETAIL:g}",
            detail >= MIN_DETAIL,
            "picture has detail"
            if detail >= MIN_DETAIL
            else "picture is flat (lens covered or sensor dead)",
        ),
        Check(
            "picture_not_frozen",
            round(change, 3),
            f"> {MIN_CHANGE:g}",
            change > MIN_CHANGE,
            "frames change"
            if change > MIN_CHANGE
            else "consecutive frames are identical: the picture is frozen",
        ),
    ]


def _engine(calibration: CalibrationRecord | None) -> EngineCalibration | None:
    try:
        return EngineCalibration.from_dict(calibration.data) if calibration else None
    except CalibrationError:
        return None  # reference_distances names the problem


def _focus(engine: EngineCalibration | None) -> Callable[[NDArray[Any]], float | None] | None:
    """Zone sharpness per frame, or None for frames smaller than the calibration's picture
    (the camera worker hands the self-test 160 px thumbnails, with one full-resolution
    frame a second: focus is judged on those; without any, the check is left out)."""
    if engine is None:
        return None
    masks: dict[tuple[int, int], NDArray[np.uint8]] = {}
    extent = float(np.max(engine.plane.image_points[:, 0]))

    def sharpness(image: NDArray[Any]) -> float | None:
        h, w = image.shape[:2]
        if w < 0.5 * extent:
            return None
        if (w, h) not in masks:
            masks[(w, h)] = zone_mask(engine.plane, engine.zone, w, h)
        return zone_sharpness(image, masks[(w, h)])

    return sharpness


def _focus_check(values: list[float]) -> Check:
    limit = f"≥ {MIN_ZONE_SHARPNESS:g}"
    value = float(np.median(values))
    ok = value >= MIN_ZONE_SHARPNESS
    detail = (
        "the zone is in focus" if ok else "the zone is blurred: lens out of focus, fogged or dirty"
    )
    return Check("zone_sharpness", round(value, 1), limit, ok, f"{detail} ({value:.1f})")


def _plate_check(
    engine: EngineCalibration | None, plate_width_m: float, min_plate_px: int, gates: bool
) -> Check:
    limit = f"≥ {min_plate_px} px"
    if engine is None:
        return Check("plate_width", None, limit, False, "no usable calibration", not gates)
    found = plate_readability(engine.plane, engine.zone, plate_width_m, min_plate_px)
    return Check(
        "plate_width", round(found.near_px, 1), limit, found.readable, found.message(), not gates
    )


def selftest_checks(
    frames: FrameInput,
    calibration: CalibrationRecord | None,
    clock_offset_s: float | None,
    nominal_fps: float | None,
    *,
    plate_width_m: float = PLATE_WIDTH_EU_M,
    min_plate_px: int = 0,
    plate_gates: bool = False,
) -> list[Check]:
    """Every check. ``min_plate_px`` > 0 adds the plate-width check, which fails the
    self-test only with ``plate_gates`` (otherwise it is reported as a warning)."""
    checks: list[Check] = []
    engine = _engine(calibration)
    focus = _focus(engine)
    try:
        if isinstance(frames, FrameSource):
            stats = _collect(
                ((f.t_s, f.image) for f in itertools.islice(frames, MAX_FRAMES)), focus
            )
            stats.duplicates = frames.stats.duplicate_frames
            nominal_fps = nominal_fps or frames.stats.nominal_fps or None
        else:
            stats = _collect(frames, focus)
    except VideoSourceError as exc:
        checks.append(Check("frames", 0.0, f"≥ {MIN_FRAMES}", False, f"source unreadable: {exc}"))
        stats = None
    if stats is not None:
        n = len(stats.times)
        checks.append(
            Check("frames", float(n), f"≥ {MIN_FRAMES}", n >= MIN_FRAMES, f"{n} frames read")
        )
        if n >= 2:
            if nominal_fps is None and calibration is not None:
                nominal_fps = float(calibration.data.get("fps") or 0) or None
            checks += _timing_checks(stats, nominal_fps)
            checks += _picture_checks(stats)
        if stats.zone_detail:
            checks.append(_focus_check(stats.zone_detail))
    checks.append(_clock_check(clock_offset_s))
    checks.append(_reference_check(calibration))
    if min_plate_px > 0:
        checks.append(_plate_check(engine, plate_width_m, min_plate_px, plate_gates))
    return checks
