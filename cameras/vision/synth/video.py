"""Rendering a synthetic scene to a video with its calibration and ground truth.

``render_scene(spec, out_dir)`` writes a video, a calibration file in the project's
contract format and a ground-truth JSON; the package's other modules hold the geometry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.synth.render import draw_shadows, draw_vehicles
from cameras.vision.synth.scene import (
    SceneFiles,
    SceneSpec,
    auto_zone,
    in_picture,
    place_vehicles,
    project,
)
from cameras.vision.synth.world import (
    Vehicle,
    render_background,
)

OCCLUSION_VISIBLE_MIN = 0.98
READOUT_BAND_ROWS = 20  # rows rendered at one instant when a rolling shutter is simulated


# -- ground truth -------------------------------------------------------------------------------
def _zone_span(zone: Sequence[tuple[float, float]], x: float) -> tuple[float, float] | None:
    """y interval where the line x=const crosses the (convex) zone polygon."""
    ys: list[float] = []
    n = len(zone)
    for i in range(n):
        (x0, y0), (x1, y1) = zone[i], zone[(i + 1) % n]
        if (x0 - x) * (x1 - x) <= 0 and x0 != x1:
            ys.append(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
        elif x0 == x1 == x:
            ys += [y0, y1]
    return (min(ys), max(ys)) if ys else None


def _zone_times(
    v: Vehicle, zone: Sequence[tuple[float, float]], duration: float
) -> dict[str, dict[str, float | None]] | None:
    span = _zone_span(zone, v.spec.lane_x_m)
    if span is None:
        return None
    out: dict[str, dict[str, float | None]] = {}
    for which, off in v.contact_offsets().items():
        y_in, y_out = span if v.spec.direction > 0 else span[::-1]
        t_in = v.time_at_centre_y(y_in - off)
        t_out = v.time_at_centre_y(y_out - off)
        out[which] = {
            "y_enter_m": y_in,
            "y_exit_m": y_out,
            "t_enter_s": t_in if t_in is not None and t_in <= duration else None,
            "t_exit_s": t_out if t_out is not None and t_out <= duration else None,
        }
    return out


def _calibration(
    spec: SceneSpec, zone: Sequence[tuple[float, float]], rng: np.random.Generator
) -> dict[str, Any]:
    rig, road = spec.rig, spec.road
    zy = [p[1] for p in zone]
    cand = road.dash_points(min(zy) - 15.0, max(zy) + 15.0)
    # Edge-line inner edges at the dash-end stations widen the survey across the road.
    hw = road.line_width_m / 2
    stations = sorted({y for _, y in cand})
    if not stations:  # one lane: no dashed line, the edge lines surveyed at 6 m stations
        stations = [float(y) for y in np.arange(math.floor(min(zy)) - 15.0, max(zy) + 15.0, 6.0)]
    for y in stations:
        cand += [(road.x0_m + 0.3 + hw, y), (road.x1_m - 0.3 - hw, y)]
    world = np.array(cand, dtype=np.float64)
    uv = project(rig, world)
    ok = in_picture(rig, uv, 6.0, 6.0)
    world, uv = world[ok], uv[ok]
    if len(world) < 4:
        raise ValueError("fewer than 4 surveyable road points are in view")
    if len(world) > 24:
        keep = np.linspace(0, len(world) - 1, 24).round().astype(int)
        world, uv = world[keep], uv[keep]
    world_obs = world + rng.normal(0.0, spec.survey_noise_m, world.shape)
    uv_obs = uv + rng.normal(0.0, spec.pixel_noise_px, uv.shape)
    calib: dict[str, Any] = {
        "image_points": np.round(uv_obs, 3).tolist(),
        "world_points": np.round(world_obs, 4).tolist(),
        "zone": [list(p) for p in zone],
        "speed_limit_kmh": spec.speed_limit_kmh,
        "fps": float(rig.fps),
    }
    if spec.readout_s > 0:
        calib["readout_s"] = spec.readout_s
    if rig.k1 != 0.0:
        calib["camera_matrix"] = rig.camera_matrix().tolist()
        calib["dist_coeffs"] = rig.dist_coeffs().tolist()
    return calib


# -- rendering ------------------------------------------------------------------------------
def render_scene(spec: SceneSpec, out_dir: str | Path, name: str = "scene") -> SceneFiles:
    """Render the scene; write ``<name>.mp4|.avi``, ``<name>.calib.json``, ``<name>.truth.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rig = spec.rig
    rng = np.random.default_rng(spec.seed)
    zone = list(spec.zone) if spec.zone is not None else auto_zone(rig, spec.road)
    vehicles = place_vehicles(spec, zone)
    sun = np.asarray(spec.sun_dir, dtype=np.float64)
    sun = sun / np.linalg.norm(sun)

    bg = render_background(rig, spec.road, spec.seed, spec.supersample)
    n_frames = round(spec.duration_s * rig.fps)
    times = [i / rig.fps for i in range(n_frames)]
    ext = ".avi" if spec.codec.upper() == "MJPG" else ".mp4"
    video_path = out / f"{name}{ext}"
    writer = cv2.VideoWriter(
        str(video_path), cv2.VideoWriter.fourcc(*spec.codec), rig.fps, (rig.width, rig.height)
    )
    if not writer.isOpened():
        raise RuntimeError(f"cannot open a {spec.codec} video writer for {video_path}")
    cv2.setRNGSeed(spec.seed)
    noise = np.empty((rig.height, rig.width, 3), dtype=np.int16)
    labels = np.zeros((rig.height, rig.width), dtype=np.uint8)
    per_frame: dict[int, list[list[float]]] = {v.vid: [] for v in vehicles}
    try:
        for i, t in enumerate(times):
            frame = bg.copy()
            labels[:] = 0
            present = [v for v in vehicles if v.exists(t)]
            if spec.shadows and present:
                draw_shadows(frame, rig, present, t, sun)
            drawn = draw_vehicles(frame, labels, rig, present, t, sun)
            if spec.readout_s > 0 and present:
                _read_out_row_by_row(frame, bg, spec, vehicles, t, sun)
            gain = 1.0
            if spec.exposure_ramp:
                gain += spec.exposure_ramp * (t / max(spec.duration_s, 1e-9) - 0.5)
            if spec.flicker > 0:
                gain *= 1.0 + float(rng.normal(0.0, spec.flicker))
            if gain != 1.0:
                frame = np.asarray(cv2.convertScaleAbs(frame, alpha=gain), np.uint8)
            if spec.noise_sigma > 0:
                cv2.randn(noise, np.zeros(3), np.full(3, spec.noise_sigma))
                frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            if spec.jpeg_quality is not None:
                ok, buf = cv2.imencode(
                    ".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(spec.jpeg_quality)]
                )
                if ok:
                    frame = np.asarray(cv2.imdecode(buf, cv2.IMREAD_COLOR), np.uint8)
            writer.write(frame)
            for d in drawn:
                v = vehicles[d.vid]
                near = "rear" if v.spec.direction > 0 else "front"
                yc = v.centre_y(t) + v.contact_offsets()[near]
                uv = project(rig, np.array([[v.spec.lane_x_m, yc]]))[0]
                per_frame[d.vid].append(
                    [
                        i,
                        round(t, 6),
                        round(float(uv[0]), 3),
                        round(float(uv[1]), 3),
                        *(round(b, 2) for b in d.bbox),
                        round(d.visible_px / d.own_px, 4),
                        round(min(1.0, d.own_px / max(d.projected_area_px, 1.0)), 4),
                    ]
                )
    finally:
        writer.release()

    truth = _truth(spec, zone, vehicles, per_frame, times)
    calib = _calibration(spec, zone, rng)
    calib_path = out / f"{name}.calib.json"
    truth_path = out / f"{name}.truth.json"
    calib_path.write_text(json.dumps(calib, indent=1))
    truth_path.write_text(json.dumps(truth))
    return SceneFiles(video_path, calib_path, truth_path)


def _read_out_row_by_row(
    frame: NDArray[np.uint8],
    bg: NDArray[np.uint8],
    spec: SceneSpec,
    vehicles: list[Vehicle],
    t: float,
    sun: NDArray[np.float64],
) -> None:
    """What a rolling shutter sees: row r is read ``readout_s * r / height`` after the
    frame's stamp ``t``. The picture is re-rendered in bands of ``READOUT_BAND_ROWS``
    rows, each at the time of its middle row (so a row's time is off by at most half a
    band: 0.56 ms for a 30 ms readout over 540 rows). The truth keeps the stamp's time."""
    rig = spec.rig
    scratch = np.empty_like(frame)
    labels = np.zeros(frame.shape[:2], dtype=np.uint8)
    for r0 in range(0, rig.height, READOUT_BAND_ROWS):
        r1 = min(rig.height, r0 + READOUT_BAND_ROWS)
        when = t + spec.readout_s * 0.5 * (r0 + r1 - 1) / rig.height
        present = [v for v in vehicles if v.exists(when)]
        np.copyto(scratch, bg)
        if spec.shadows and present:
            draw_shadows(scratch, rig, present, when, sun)
        draw_vehicles(scratch, labels, rig, present, when, sun)
        frame[r0:r1] = scratch[r0:r1]


def _truth(
    spec: SceneSpec,
    zone: Sequence[tuple[float, float]],
    vehicles: list[Vehicle],
    per_frame: dict[int, list[list[float]]],
    times: list[float],
) -> dict[str, Any]:
    duration = times[-1] + 1.0 / spec.rig.fps if times else 0.0
    out_v: list[dict[str, Any]] = []
    for v in vehicles:
        zt = _zone_times(v, zone, duration)
        rec: dict[str, Any] = {
            "id": v.vid,
            "kind": v.spec.kind,
            "colour": v.spec.colour,
            "photo": v.spec.photo_front or v.spec.photo_rear,
            "size_m": list(v.spec.dims),
            "speed_kmh": v.spec.speed_kmh,
            "accel_mps2": v.spec.accel_mps2,
            "lane_x_m": v.spec.lane_x_m,
            "direction": v.spec.direction,
            "t_start_s": v.spec.t_start_s,
            "y_start_m": v.y_start_m,
            "near_contact": "rear" if v.spec.direction > 0 else "front",
            "zone": zt,
            "frame_fields": [
                "frame",
                "t_s",
                "u_near",
                "v_near",
                "x1",
                "y1",
                "x2",
                "y2",
                "visible_fraction",
                "in_image_fraction",
            ],
            "frames": per_frame[v.vid],
        }
        t_lo = t_hi = None
        near = rec["near_contact"]
        if zt is not None and all(
            zt[k][e] is not None for k in zt for e in ("t_enter_s", "t_exit_s")
        ):
            # Visibility is judged while the contact point the engine measures (the one
            # nearest the camera, lowest in the picture) is inside the zone.
            t_lo, t_hi = zt[near]["t_enter_s"], zt[near]["t_exit_s"]
        rec["crosses_zone"] = t_lo is not None
        if zt is not None and t_lo is not None and t_hi is not None:
            dist = abs(zt[near]["y_exit_m"] - zt[near]["y_enter_m"])  # type: ignore[operator]
            rec["mean_zone_speed_kmh"] = dist / (t_hi - t_lo) * 3.6 if t_hi > t_lo else None
            rows = [r for r in per_frame[v.vid] if t_lo <= r[1] <= t_hi]
            vis = min((r[8] for r in rows), default=0.0)
            inimg = min((r[9] for r in rows), default=0.0)
            n_expected = sum(1 for t in times if t_lo <= t <= t_hi)
            rec["min_visible_fraction_in_zone"] = vis
            rec["min_in_image_fraction_in_zone"] = inimg
            rec["occluded_in_zone"] = vis < OCCLUSION_VISIBLE_MIN
            rec["truncated_in_zone"] = inimg < OCCLUSION_VISIBLE_MIN or len(rows) < n_expected
            rec["fully_visible_in_zone"] = not (rec["occluded_in_zone"] or rec["truncated_in_zone"])
        out_v.append(rec)
    rig = spec.rig
    return {
        "scene": {
            "rig": asdict(rig),
            "road": asdict(spec.road),
            "duration_s": spec.duration_s,
            "fps": rig.fps,
            "n_frames": len(times),
            "zone": [list(p) for p in zone],
            "speed_limit_kmh": spec.speed_limit_kmh,
            "seed": spec.seed,
            "noise_sigma": spec.noise_sigma,
            "shadows": spec.shadows,
            "jpeg_quality": spec.jpeg_quality,
            "codec": spec.codec,
        },
        "frame_times_s": [round(t, 6) for t in times],
        "vehicles": out_v,
    }


def scene_summary(files: SceneFiles) -> dict[str, Any]:
    """Small human-readable digest of a rendered scene's truth (for logs)."""
    truth = json.loads(Path(files.truth_path).read_text())
    return {
        "n_frames": truth["scene"]["n_frames"],
        "vehicles": [
            {k: v[k] for k in ("id", "kind", "speed_kmh", "direction", "lane_x_m", "crosses_zone")}
            for v in truth["vehicles"]
        ],
    }
