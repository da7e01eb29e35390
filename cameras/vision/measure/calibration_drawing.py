"""Pictures that let an operator judge a calibration at a glance: the road-plane grid,
the measurement zone and each point's residual drawn on the still, and a rectified
bird's-eye view of the road (OpenCV, PNG bytes)."""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.calibration_check import CalibrationCheck
from cameras.vision.measure.geometry import RoadPlane

Image = NDArray[np.uint8]
FloatArray = NDArray[np.float64]

GRID_LATERAL_M = 1.0
GRID_ALONG_M = 5.0
MARGIN_M = 3.0
OVERLAY_MAX_SIDE_PX = 1280
BIRDSEYE_MAX_PX = (600, 900)  # width, height
# Sub-metre residuals would be invisible at picture scale; the legend states the factor.
RESIDUAL_MAGNIFY = 10.0
# BGR colours, readable on both asphalt and sky.
GRID = (200, 200, 200)
ZONE = (255, 0, 255)
POINT = (0, 220, 0)
SURVEY = (0, 0, 255)
RESIDUAL = (0, 165, 255)
_NUDGE = np.array([8.0, -8.0])  # labels sit up and right of their point


def _png(image: Image) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - encoding a valid uint8 array does not fail
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def _world_box(check: CalibrationCheck) -> tuple[float, float, float, float]:
    """Road area to draw: survey points and zone with a margin, snapped to the grid."""
    pts = np.vstack([check.engine.world_points, check.engine.zone])
    (x0, y0), (x1, y1) = pts.min(axis=0) - MARGIN_M, pts.max(axis=0) + MARGIN_M
    # A typo such as 4000 instead of 40 must not make a thousand grid lines.
    x1, y1 = min(x1, x0 + 60.0), min(y1, y0 + 300.0)
    return (
        math.floor(x0 / GRID_LATERAL_M) * GRID_LATERAL_M,
        math.floor(y0 / GRID_ALONG_M) * GRID_ALONG_M,
        math.ceil(x1 / GRID_LATERAL_M) * GRID_LATERAL_M,
        math.ceil(y1 / GRID_ALONG_M) * GRID_ALONG_M,
    )


def _grid_lines(box: tuple[float, float, float, float]) -> list[FloatArray]:
    x0, y0, x1, y1 = box
    t = np.linspace(0.0, 1.0, 64)[:, None]
    lines = []
    for x in np.arange(x0, x1 + 1e-9, GRID_LATERAL_M):
        lines.append(np.hstack([np.full_like(t, x), y0 + t * (y1 - y0)]))
    for y in np.arange(y0, y1 + 1e-9, GRID_ALONG_M):
        lines.append(np.hstack([x0 + t * (x1 - x0), np.full_like(t, y)]))
    return lines


def _draw_world_polyline(
    image: Image,
    plane: RoadPlane,
    world: FloatArray,
    scale: float,
    colour: tuple[int, int, int],
    thickness: int,
    closed: bool = False,
) -> None:
    """Draw a road-plane polyline in the picture, skipping parts beyond the horizon."""
    if closed:
        world = np.vstack([world, world[:1]])
    # Densify so lens distortion bends the line as the camera sees it.
    t = np.linspace(0.0, 1.0, 16)[:, None]
    dense = np.vstack([a + t * (b - a) for a, b in itertools.pairwise(world)])
    px = plane.world_to_image(dense) * scale
    h, w = image.shape[:2]
    limit = 4.0 * max(w, h)
    ok = np.all(np.isfinite(px), axis=1) & np.all(np.abs(px) < limit, axis=1)
    run: list[FloatArray] = []
    for point, good in zip(px, ok, strict=True):
        if good:
            run.append(point)
            continue
        _flush(image, run, colour, thickness)
        run = []
    _flush(image, run, colour, thickness)


def _flush(image: Image, run: list[FloatArray], colour: tuple[int, int, int], th: int) -> None:
    if len(run) >= 2:
        pts = np.round(np.array(run)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(image, [pts], False, colour, th, cv2.LINE_AA)


def _label(image: Image, text: str, org: tuple[int, int], colour: tuple[int, int, int]) -> None:
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)


def overlay_png(still: Image, check: CalibrationCheck) -> bytes:
    """The still with the road grid (1 m x 5 m), the zone and residual vectors."""
    h, w = still.shape[:2]
    scale = min(1.0, OVERLAY_MAX_SIDE_PX / max(w, h))
    image = cv2.resize(still, (round(w * scale), round(h * scale))) if scale < 1 else still.copy()
    image = np.asarray(image, dtype=np.uint8)
    plane = check.engine.plane
    for line in _grid_lines(_world_box(check)):
        _draw_world_polyline(image, plane, line, scale, GRID, 1)
    zone_px = plane.world_to_image(check.engine.zone) * scale
    if np.all(np.isfinite(zone_px)):
        shade = image.copy()
        cv2.fillPoly(shade, [np.round(zone_px).astype(np.int32)], ZONE)
        image = np.asarray(cv2.addWeighted(shade, 0.18, image, 0.82, 0), dtype=np.uint8)
    _draw_world_polyline(image, plane, check.engine.zone, scale, ZONE, 2, closed=True)
    surveyed_px = plane.world_to_image(plane.world_points) * scale
    for p, s in zip(check.points, surveyed_px, strict=True):
        clicked = np.array([p.u, p.v]) * scale
        if np.all(np.isfinite(s)):
            tip = clicked + (s - clicked) * RESIDUAL_MAGNIFY
            cv2.arrowedLine(image, _pt(clicked), _pt(tip), RESIDUAL, 2, cv2.LINE_AA, 0, 0.2)
            cv2.drawMarker(image, _pt(s), SURVEY, cv2.MARKER_TILTED_CROSS, 10, 1, cv2.LINE_AA)
        cv2.circle(image, _pt(clicked), 5, POINT, 2, cv2.LINE_AA)
        _label(image, f"{p.number}: {p.residual_m:.2f} m", _pt(clicked + _NUDGE), POINT)
    _label(
        image,
        f"RMS {check.rms_m:.3f} m | grid 1 m x 5 m | residuals x{RESIDUAL_MAGNIFY:g}",
        (8, image.shape[0] - 10),
        (255, 255, 255),
    )
    return _png(image)


def _pt(p: FloatArray | tuple[float, float]) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def birdseye_png(still: Image, check: CalibrationCheck) -> bytes:
    """The road rectified to a top view (far end up), with grid, zone and points."""
    plane = check.engine.plane
    x0, y0, x1, y1 = _world_box(check)
    max_w, max_h = BIRDSEYE_MAX_PX
    ppm = min(40.0, max_w / (x1 - x0), max_h / (y1 - y0))
    size = (max(1, round((x1 - x0) * ppm)), max(1, round((y1 - y0) * ppm)))
    # Road metres -> output pixels, y flipped so that the road recedes upwards.
    to_px = np.array([[ppm, 0.0, -x0 * ppm], [0.0, -ppm, y1 * ppm], [0.0, 0.0, 1.0]])
    source = still
    if plane.lens is not None:
        lens = plane.lens
        source = np.asarray(cv2.undistort(still, lens.camera_matrix, lens.dist_coeffs), np.uint8)
    top = np.asarray(cv2.warpPerspective(source, to_px @ plane.h, size), dtype=np.uint8)

    def px(world: FloatArray) -> NDArray[np.int32]:
        homog = np.c_[world, np.ones(len(world))] @ to_px.T
        return np.round(homog[:, :2]).astype(np.int32)

    for line in _grid_lines((x0, y0, x1, y1)):
        ends = px(line[[0, -1]])
        cv2.line(top, _pt(ends[0]), _pt(ends[1]), GRID, 1, cv2.LINE_AA)
    cv2.polylines(top, [px(check.engine.zone).reshape(-1, 1, 2)], True, ZONE, 2, cv2.LINE_AA)
    projected = plane.image_to_world(plane.image_points)
    for p, surveyed, proj in zip(check.points, px(plane.world_points), projected, strict=True):
        cv2.drawMarker(top, _pt(surveyed), SURVEY, cv2.MARKER_TILTED_CROSS, 12, 2, cv2.LINE_AA)
        if np.all(np.isfinite(proj)):
            cv2.circle(top, _pt(px(proj[None, :])[0]), 5, POINT, 2, cv2.LINE_AA)
        _label(top, str(p.number), _pt(surveyed + _NUDGE), POINT)
    for y in np.arange(y0, y1 + 1e-9, GRID_ALONG_M * 2):
        _label(top, f"{y:g} m", _pt(px(np.array([[x0, y]]))[0] + _NUDGE / 2), (255, 255, 255))
    return _png(top)
