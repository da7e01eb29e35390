"""Scene description and layout for the synthetic renderer: what is in the scene, where
the measurement zone goes, when each vehicle starts (no Django; NumPy/OpenCV only).

Split from ``synth`` (which renders and writes the files) to keep each module readable.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from cameras.vision.synth.camera import CameraRig, FloatArray, project_polygon
from cameras.vision.synth.world import COLOURS, RoadSpec, Vehicle, VehicleSpec


@dataclass(frozen=True)
class SceneSpec:
    rig: CameraRig
    vehicles: Sequence[VehicleSpec]
    duration_s: float
    zone: Sequence[tuple[float, float]] | None = None  # road-plane polygon; None = automatic
    speed_limit_kmh: float = 50.0
    noise_sigma: float = 0.0  # Gaussian sensor noise, grey levels
    shadows: bool = True
    sun_dir: tuple[float, float, float] = (0.5, -0.35, 0.8)  # towards the sun
    seed: int = 0
    jpeg_quality: int | None = None  # re-compress every frame as JPEG first
    codec: str = "mp4v"  # or "MJPG" (written as .avi)
    flicker: float = 0.0  # relative exposure jitter per frame (e.g. 0.03)
    # Exposure drifting linearly over the clip: gain 1 - ramp/2 at the start, 1 + ramp/2
    # at the end (auto-exposure following a cloud, say).
    exposure_ramp: float = 0.0
    road: RoadSpec = field(default_factory=RoadSpec)
    survey_noise_m: float = 0.0  # on calibration world points
    pixel_noise_px: float = 0.0  # on calibration image points
    supersample: int = 2
    # A rolling shutter's readout, first row to last (s); 0 renders a global shutter.
    readout_s: float = 0.0


@dataclass(frozen=True)
class SceneFiles:
    video_path: Path
    calibration_path: Path
    truth_path: Path


def project(rig: CameraRig, pts: FloatArray) -> FloatArray:
    """World (N,3) or road-plane (N,2) metres → distorted pixels (N,2); NaN behind camera."""
    return rig.project(pts)[0]


def unproject(rig: CameraRig, uv: FloatArray, z_m: float = 0.0) -> FloatArray:
    """Distorted pixels (N,2) → (N,2) metres on the plane z=z_m (the road by default)."""
    return rig.unproject(uv, z_m)


# -- scene layout -----------------------------------------------------------------------------
def in_picture(rig: CameraRig, uv: FloatArray, margin: float, bottom: float) -> np.ndarray:
    u, v = uv[:, 0], uv[:, 1]
    ok = ~np.isnan(u)
    ok &= (u >= margin) & (u <= rig.width - margin)
    ok &= (v >= margin) & (v <= rig.height - bottom)
    return ok


def auto_zone(
    rig: CameraRig,
    road: RoadSpec,
    max_len_m: float = 30.0,
    max_m_per_px: float = 0.15,
    vehicle_m: tuple[float, float, float] = (10.0, 2.5, 3.5),
) -> list[tuple[float, float]]:
    """A rectangle over the lanes and the stretch of road every one of them is well seen.

    Well seen: lane centre inside the picture (with room below for the tracker to keep
    the vehicle after it leaves), at most ``max_m_per_px`` metres per image row, and a
    whole vehicle of ``vehicle_m`` (length, width, height; a truck by default) standing with
    its near end there is inside the picture - otherwise the zone would measure vehicles
    whose box is cut by the frame edge.
    """
    ys = np.arange(rig.y_m - 60.0, rig.y_m + 400.0, 0.25)
    intervals: dict[int, tuple[float, float]] = {}
    for i in range(road.n_lanes):
        pts = np.column_stack([np.full_like(ys, road.lane_centre(i)), ys])
        uv = project(rig, pts)
        ok = in_picture(rig, uv, 0.04 * rig.width, 0.12 * rig.height)
        length, width, height = vehicle_m
        # The vehicle body spans [y, y + length] whichever way it drives: the near contact
        # point is the end nearer the camera.
        for dx in (-width / 2, width / 2):
            for dy, z in ((0.0, 0.0), (0.0, height), (length, height)):
                corner = np.column_stack(
                    [np.full_like(ys, road.lane_centre(i) + dx), ys + dy, np.full_like(ys, z)]
                )
                ok &= in_picture(rig, project(rig, corner), 1.0, 1.0)
        dv = np.abs(np.gradient(uv[:, 1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            ok &= (0.25 / dv) <= max_m_per_px
        if not ok.any():
            continue
        # longest run of consecutive good samples
        best, start = (0, 0), None
        for k, good in enumerate(np.append(ok, False)):
            if good and start is None:
                start = k
            elif not good and start is not None:
                if k - start > best[1] - best[0]:
                    best = (start, k)
                start = None
        if best[1] - best[0] >= 32:  # >= 8 m
            intervals[i] = (float(ys[best[0]]), float(ys[best[1] - 1]))
    # Pick the contiguous run of lanes whose common well-seen stretch is best: long
    # stretches first (short zones give few samples), more lanes as the tie-breaker.
    best_zone: list[tuple[float, float]] | None = None
    best_score = 0.0
    idx = sorted(intervals)
    for a in range(len(idx)):
        for b in range(a, len(idx)):
            lanes = idx[a : b + 1]
            if lanes != list(range(lanes[0], lanes[-1] + 1)):
                break
            lo = max(intervals[i][0] for i in lanes)
            hi = min(min(intervals[i][1] for i in lanes), lo + max_len_m)
            if hi - lo < 8.0:
                continue
            score = (hi - lo) * (1.0 + 0.15 * len(lanes))
            if score > best_score:
                x0 = road.x0_m + lanes[0] * road.lane_width_m
                x1 = road.x0_m + (lanes[-1] + 1) * road.lane_width_m
                best_score, best_zone = score, [(x0, lo), (x1, lo), (x1, hi), (x0, hi)]
    if best_zone is not None:
        return best_zone
    raise ValueError("no stretch of road is visible well enough for a zone")


def _visible(rig: CameraRig, corners: FloatArray, planes: list[FloatArray]) -> bool:
    for idx in ((0, 1, 5, 4), (2, 3, 7, 6), (3, 0, 4, 7), (1, 2, 6, 5), (4, 5, 6, 7)):
        poly = project_polygon(rig, corners[list(idx)], planes)
        if len(poly) >= 3:
            u, v = poly[:, 0], poly[:, 1]
            if u.max() > 0 and u.min() < rig.width and v.max() > 0 and v.min() < rig.height:
                return True
    return False


def place_vehicles(spec: SceneSpec, zone: Sequence[tuple[float, float]]) -> list[Vehicle]:
    """Resolve every vehicle's start position (just out of view unless given)."""
    rig = spec.rig
    planes = rig.frustum_planes()
    zone_y = [p[1] for p in zone]
    out: list[Vehicle] = []
    for vid, vs in enumerate(spec.vehicles):
        y0 = vs.y_start_m
        length, _, height = vs.dims
        if y0 is None:
            probe = Vehicle(vid, replace(vs, t_start_s=0.0, accel_mps2=0.0), 0.0)
            if vs.direction > 0:
                # step forward from well behind the camera to the first visible position
                y = rig.y_m - 80.0
                while y < max(zone_y) and not _visible(
                    rig, replace(probe, y_start_m=y).corners(0.0), planes
                ):
                    y += 0.5
                y0 = y - 1.0
            else:
                # appear far away: where it is under ~8 px tall, but not absurdly far
                dist_small = rig.focal_px * height / 8.0
                y0 = min(rig.y_m + dist_small, max(zone_y) + 80.0) + length / 2
        colour = vs.colour_bgr or COLOURS.get(vs.colour, COLOURS["silver"])
        out.append(Vehicle(vid, vs, float(y0), colour))
    return out


# -- varied scenes ------------------------------------------------------------------------------
def schedule(
    spec: SceneSpec, zone: Sequence[tuple[float, float]], vs: VehicleSpec, t_zone_s: float
) -> VehicleSpec:
    """Return vs with start time/position set so its centre crosses the zone middle at t_zone_s."""
    probe = place_vehicles(replace(spec, vehicles=[replace(vs, t_start_s=0.0)]), zone)[0]
    ymid = sum(p[1] for p in zone) / len(zone)
    t_mid = probe.time_at_centre_y(ymid)
    if t_mid is None:
        raise ValueError("vehicle never reaches the zone")
    return replace(vs, t_start_s=t_zone_s - t_mid, y_start_m=probe.y_start_m)


def _conflict(a: Vehicle, b: Vehicle, t_end: float) -> bool:
    """True when two vehicles would overlap (or tailgate within 3 m) before t_end."""
    la, wa, _ = a.spec.dims
    lb, wb, _ = b.spec.dims
    if abs(a.spec.lane_x_m - b.spec.lane_x_m) >= (wa + wb) / 2 + 0.3:
        return False
    t0 = max(a.spec.t_start_s, b.spec.t_start_s)
    for t in np.arange(t0, t_end, 0.05):
        if abs(a.centre_y(float(t)) - b.centre_y(float(t))) < (la + lb) / 2 + 3.0:
            return True
    return False


def lane_direction(road: RoadSpec, lane_x_m: float) -> int:
    """Right-hand traffic seen along +y: the right half drives away, the left half towards."""
    return 1 if lane_x_m >= (road.x0_m + road.x1_m) / 2 else -1


def build_scene(
    base: SceneSpec, wanted: Sequence[tuple[VehicleSpec, float]], tail_s: float = 1.5
) -> SceneSpec:
    """Schedule (vehicle, time its centre is mid-zone) pairs into a scene; a vehicle that
    would run into one already placed is pushed later in 0.5 s steps."""
    zone = list(base.zone) if base.zone is not None else auto_zone(base.rig, base.road)
    base = replace(base, zone=zone)
    placed: list[VehicleSpec] = []
    last = 0.0
    for vs, t_mid in wanted:
        t = t_mid
        for _ in range(40):
            cand = schedule(base, zone, vs, t)
            probe = place_vehicles(replace(base, vehicles=[*placed, cand]), zone)
            horizon = t + 6.0
            if not any(_conflict(probe[-1], other, horizon) for other in probe[:-1]):
                break
            t += 0.5
        placed.append(cand)
        last = max(last, t)
    return replace(base, vehicles=placed, duration_s=last + tail_s + 1.0)


def occluding_pair(
    base: SceneSpec, lanes: tuple[float, float], speed_kmh: float, t_car: float
) -> list[tuple[VehicleSpec, float]]:
    """A truck in the lane nearer the camera and a faster car in the next lane, timed so
    the truck sits on the camera's line of sight to the car while the car is mid-zone."""
    rig, road = base.rig, base.road
    a, b = sorted(lanes, key=lambda x: abs(x - rig.x_m))
    d = lane_direction(road, a)
    zone = base.zone or []
    y_mid = sum(p[1] for p in zone) / max(len(zone), 1)
    frac = (a - rig.x_m) / (b - rig.x_m) if b != rig.x_m else 1.0
    # where the truck must be (along y) to stand between camera and car
    y_truck = rig.y_m + min(max(frac, 0.3), 1.0) * (y_mid - rig.y_m)
    t_truck = t_car + d * (y_mid - y_truck) / (speed_kmh / 3.6)
    return [
        (VehicleSpec(speed_kmh, a, d, kind="truck", colour="white"), t_truck),
        (VehicleSpec(speed_kmh + 15.0, b, d, kind="car", colour="red"), t_car),
    ]


def random_scene(
    seed: int,
    rig: CameraRig | None = None,
    n_vehicles: int = 4,
    speeds_kmh: tuple[float, float] = (20, 150),
    occlusion: bool = True,
    **overrides: Any,
) -> SceneSpec:
    """A varied scene: random kinds, colours, lanes (direction follows the lane) and speeds,
    spaced 2-3.5 s apart; ``occlusion`` adds a car overtaking a truck in the next lane."""
    rng = np.random.default_rng(seed)
    if rig is None:
        rig = CameraRig(
            height_m=float(rng.uniform(5, 9)),
            tilt_deg=float(rng.uniform(10, 22)),
            pan_deg=float(rng.uniform(-12, 12)),
            focal_px=float(rng.uniform(500, 800)),
            width=640,
            height=360,
            fps=30.0,
            x_m=float(rng.uniform(-9, 9)),
        )
    road = overrides.pop("road", RoadSpec())
    base = SceneSpec(rig=rig, vehicles=[], duration_s=1.0, road=road, seed=seed, **overrides)
    zone = list(base.zone) if base.zone is not None else auto_zone(rig, road)
    base = replace(base, zone=zone)
    zx = [p[0] for p in zone]
    lanes = [
        road.lane_centre(i) for i in range(road.n_lanes) if min(zx) < road.lane_centre(i) < max(zx)
    ]
    kinds = ["car", "car", "car", "suv", "van", "truck", "motorcycle"]
    wanted: list[tuple[VehicleSpec, float]] = []
    t = 1.0
    if occlusion:
        # placed first so that conflict pushes (which move one vehicle) cannot split it
        pairs = [
            (a, b)
            for a, b in itertools.pairwise(lanes)
            if lane_direction(road, a) == lane_direction(road, b)
        ]
        if pairs:
            wanted += occluding_pair(
                base, pairs[int(rng.integers(0, len(pairs)))], float(rng.uniform(60, 100)), t + 1.0
            )
            t += 3.5
    for _ in range(n_vehicles):
        lane = float(rng.choice(lanes))
        wanted.append(
            (
                VehicleSpec(
                    speed_kmh=float(rng.uniform(*speeds_kmh)),
                    lane_x_m=lane + float(rng.uniform(-0.3, 0.3)),
                    direction=lane_direction(road, lane),
                    kind=str(rng.choice(kinds)),
                    colour=str(rng.choice(list(COLOURS))),
                ),
                t,
            )
        )
        t += float(rng.uniform(2.0, 3.5))
    return build_scene(base, wanted)
