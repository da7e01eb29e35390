"""Scene draws of the generalising suite: every camera, road, zone and vehicle drawn from a
seed, so the engine meets scenes nobody tuned it on.

Three independent random streams per seed (geometry, traffic, photo choice): whether the
shared clips are present changes which photo a vehicle wears, never the camera, the zone
or the traffic. Ranges are the module's constants; ``tests/vision/test_generalise.py``
checks that draws stay inside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from benchmarks.photo_vehicles import Photo
from cameras.vision.synth import (
    COLOURS,
    CameraRig,
    RoadSpec,
    SceneSpec,
    VehicleSpec,
    build_scene,
    place_vehicles,
    project,
)

# Tuning draws: measure, look at, tune the engine on these.
TUNING_SEEDS: tuple[int, ...] = tuple(range(1001, 1013))
# Sealed draws: never used for tuning, never looked at while a change is being made; run
# and reported once, at the end of a change, to show it holds on scenes it was not tuned on.
SEALED_SEEDS: tuple[int, ...] = (
    7411, 7523, 7639, 7757, 7867, 7993, 8111, 8233, 8353, 8467, 8581, 8699,
)  # fmt: skip

RESOLUTIONS = ((1280, 720), (1920, 1080))
FPS = (25.0, 30.0, 60.0)
HEIGHT_M = (3.0, 12.0)
FOV_DEG = (25.0, 75.0)  # horizontal field of view
ROLL_DEG = (-3.0, 3.0)
K1 = (-0.2, -0.03)  # barrel distortion, drawn for some cameras
LANES = (1, 4)
LANE_WEIGHTS = (0.15, 0.35, 0.2, 0.3)  # of 1, 2, 3, 4 lanes
ZONE_LEN_M = (15.0, 40.0)
SPEED_KMH = (20.0, 200.0)
SPEED_BAND_KMH = 20.0
MAX_M_PER_ROW = 0.2  # coarsest ground resolution (m per image row) at the zone's far end
PLACEMENTS = ("centre", "edge", "partly_out")
CUBOID_KINDS = ("car", "car", "suv", "van", "truck", "motorcycle")


@dataclass(frozen=True)
class Draw:
    """One drawn scene and what was drawn (for the report)."""

    seed: int
    spec: SceneSpec
    meta: dict[str, Any]


def _aim(rng: np.random.Generator, road: RoadSpec, w: int, h: int) -> CameraRig:
    """A camera on the verge or over the road, looking down the road at it."""
    mount = str(rng.choice(["left", "right", "over"]))
    height = float(rng.uniform(*HEIGHT_M))
    if mount == "over":
        height = max(height, 6.0)  # a gantry clears the trucks
        x = float(rng.uniform(road.x0_m, road.x1_m))
    elif mount == "left":
        x = road.x0_m - float(rng.uniform(1.0, 6.0))
    else:
        x = road.x1_m + float(rng.uniform(1.0, 6.0))
    fov = float(rng.uniform(*FOV_DEG))
    focal = (w / 2.0) / math.tan(math.radians(fov / 2.0))
    aim_m = float(rng.uniform(10.0, 28.0)) * 50.0 / fov + 2.0 * height
    tilt = math.degrees(math.atan2(height, aim_m)) + float(rng.uniform(-2.0, 2.0))
    centre_x = 0.5 * (road.x0_m + road.x1_m)
    pan = math.degrees(math.atan2(centre_x - x, aim_m)) + float(rng.uniform(-5.0, 5.0))
    k1 = float(rng.uniform(*K1)) if rng.random() < 0.3 else 0.0
    return CameraRig(
        height_m=round(height, 3),
        tilt_deg=round(tilt, 3),
        pan_deg=round(pan, 3),
        focal_px=round(focal, 2),
        width=w,
        height=h,
        fps=float(rng.choice(FPS)),
        roll_deg=round(float(rng.uniform(*ROLL_DEG)), 3),
        k1=round(k1, 4),
        x_m=round(x, 3),
    )


def _inside(rig: CameraRig, uv: np.ndarray, margin: float) -> np.ndarray:
    m = margin * rig.width
    u, v = uv[:, 0], uv[:, 1]
    with np.errstate(invalid="ignore"):
        return ~np.isnan(u) & (u >= m) & (u <= rig.width - m) & (v >= m) & (v <= rig.height - m)


def _zone_fits(rig: CameraRig, road: RoadSpec, y0: float, length: float, placement: str) -> bool:
    """Whether the zone [y0, y0 + length] over all lanes sits in the picture as asked."""
    x0, x1 = road.x0_m, road.x1_m
    corners = np.array([[x0, y0], [x1, y0], [x1, y0 + length], [x0, y0 + length]])
    uv = project(rig, corners)
    centre_line = np.column_stack([np.full(9, 0.5 * (x0 + x1)), np.linspace(y0, y0 + length, 9)])
    cl = project(rig, centre_line)
    if np.isnan(cl).any():
        return False
    far = project(
        rig, np.array([[0.5 * (x0 + x1), y0 + length], [0.5 * (x0 + x1), y0 + length + 0.25]])
    )
    if 0.25 / max(abs(float(far[1, 1] - far[0, 1])), 1e-9) > MAX_M_PER_ROW:
        return False
    # a tall vehicle standing at the far end is in the picture, but for the partly-out draws
    tall = project(rig, np.array([[0.5 * (x0 + x1), y0 + length + 4.0, 3.0]]))
    if placement == "centre":
        return bool(_inside(rig, uv, 0.08).all() and _inside(rig, tall, 0.02).all())
    if placement == "edge":
        return bool(_inside(rig, uv, 0.005).all() and not _inside(rig, uv, 0.06).all())
    seen = _inside(rig, cl, 0.0)
    return bool(not _inside(rig, uv, 0.0).all() and 0.4 <= seen.mean() < 1.0 and seen[4])


def _zone(
    rng: np.random.Generator, rig: CameraRig, road: RoadSpec
) -> tuple[list[tuple[float, float]], str] | None:
    length = float(rng.uniform(*ZONE_LEN_M))
    wanted = str(rng.choice(PLACEMENTS, p=[0.5, 0.3, 0.2]))
    ys = np.arange(rig.y_m + 2.0, rig.y_m + 250.0, 0.5)
    for placement in (wanted, *[p for p in PLACEMENTS if p != wanted]):
        ok = [float(y) for y in ys if _zone_fits(rig, road, float(y), length, placement)]
        if ok:
            y0 = ok[int(rng.integers(len(ok)))]
            zone = [
                (road.x0_m, y0),
                (road.x1_m, y0),
                (road.x1_m, y0 + length),
                (road.x0_m, y0 + length),
            ]
            return [(round(x, 3), round(y, 3)) for x, y in zone], placement
    return None


def _geometry(seed: int) -> tuple[CameraRig, RoadSpec, list[tuple[float, float]], dict[str, Any]]:
    rng = np.random.default_rng([seed, 0])
    for attempt in range(200):
        w, h = RESOLUTIONS[int(rng.integers(len(RESOLUTIONS)))]
        n = int(rng.choice(np.arange(LANES[0], LANES[1] + 1), p=LANE_WEIGHTS))
        lw = float(rng.uniform(3.0, 3.75))
        road = RoadSpec(n_lanes=n, lane_width_m=round(lw, 3), x0_m=round(-n * lw / 2, 3),
                        dash_phase_m=round(float(rng.uniform(0, 12)), 2))  # fmt: skip
        rig = _aim(rng, road, w, h)
        found = _zone(rng, rig, road)
        if found is not None:
            zone, placement = found
            return rig, road, zone, {"placement": placement, "attempts": attempt + 1}
    raise RuntimeError(f"seed {seed}: no camera drawn sees a zone")


def _directions(rng: np.random.Generator, road: RoadSpec) -> list[int]:
    """Per lane: right half recedes, left half approaches; one-way roads now and then."""
    if road.n_lanes == 1 or rng.random() < 0.25:
        d = int(rng.choice([-1, 1]))
        return [d] * road.n_lanes
    mid = 0.5 * (road.x0_m + road.x1_m)
    return [1 if road.lane_centre(i) >= mid else -1 for i in range(road.n_lanes)]


def _vehicle(
    rng: np.random.Generator,
    prng: np.random.Generator,
    speed: float,
    lane_x: float,
    direction: int,
    photos: Sequence[Photo],
) -> VehicleSpec:
    """A cuboid or (half of them, where photos of that end exist) a photo vehicle."""
    want_photo = rng.random() < 0.5
    kind = str(rng.choice(CUBOID_KINDS))
    colour = str(rng.choice(sorted(COLOURS)))
    offset = float(rng.uniform(-0.3, 0.3))
    pick = float(prng.random())
    base = VehicleSpec(speed, lane_x + offset, direction, kind=kind, colour=colour)
    view = "rear" if direction > 0 else "front"
    mine = [p for p in photos if p.view == view]
    if not (want_photo and mine):
        return base
    ph = mine[min(len(mine) - 1, int(pick * len(mine)))]
    return replace(
        base,
        kind=ph.kind,
        colour="photo",
        size_m=ph.size_m,
        colour_bgr=ph.colour_bgr,
        photo_front=ph.path if view == "front" else None,
        photo_rear=ph.path if view == "rear" else None,
    )


def _speeds(rng: np.random.Generator, n: int) -> list[float]:
    """Speeds spread over every 20 km/h band: a shuffled band per vehicle, uniform in it."""
    lo, hi = SPEED_KMH
    bands = round((hi - lo) / SPEED_BAND_KMH)
    order = rng.permutation(bands)
    return [
        round(lo + SPEED_BAND_KMH * (int(order[k % bands]) + float(rng.random())), 2)
        for k in range(n)
    ]


def draw_scene(
    seed: int, n_vehicles: int = 8, scale: float = 1.0, photos: Sequence[Photo] = ()
) -> Draw:
    """The scene of ``seed``: drawn at its full resolution, rendered at ``scale`` of it
    (the focal length scales with it, so the view is the same)."""
    rig, road, zone, meta = _geometry(seed)
    rng = np.random.default_rng([seed, 1])
    prng = np.random.default_rng([seed, 2])
    dirs = _directions(rng, road)
    shadows = bool(rng.random() < 0.85)
    az, el = float(rng.uniform(0, 2 * math.pi)), math.radians(float(rng.uniform(20, 70)))
    sun = (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))
    flicker = float(rng.uniform(0.005, 0.03)) if rng.random() < 0.4 else 0.0
    ramp = float(rng.uniform(-0.3, 0.3)) if rng.random() < 0.4 else 0.0
    jpeg = int(rng.integers(35, 91)) if rng.random() < 0.4 else None
    noise = float(rng.uniform(0.5, 4.0))
    if scale != 1.0:
        w = 2 * round(rig.width * scale / 2)
        rig = replace(rig, width=w, height=2 * round(rig.height * scale / 2),
                      focal_px=rig.focal_px * w / rig.width)  # fmt: skip
    base = SceneSpec(
        rig=rig,
        vehicles=[],
        duration_s=1.0,
        zone=zone,
        road=road,
        speed_limit_kmh=80.0,
        noise_sigma=round(noise, 2),
        shadows=shadows,
        sun_dir=sun,
        seed=seed,
        jpeg_quality=jpeg,
        flicker=round(flicker, 4),
        exposure_ramp=round(ramp, 3),
        survey_noise_m=0.01,
        pixel_noise_px=0.3,
        supersample=2 if rig.width * rig.height <= 1280 * 720 else 1,
    )
    zone_len = zone[2][1] - zone[0][1]
    wanted: list[tuple[VehicleSpec, float]] = []
    # Zone entries follow each other: in the same lane once the previous vehicle has left
    # the zone, in another lane once it is halfway through (a gap of 0.3-1.2 s more).
    # A vehicle goes where it will not catch up with the one ahead (a lane whose last
    # vehicle is faster), else behind the fastest: catching up in one lane pushes it
    # seconds later (``build_scene`` never lets two vehicles meet).
    lane_free = [1.5] * road.n_lanes
    lane_speed = [1e9] * road.n_lanes
    t_half = 1.5
    speeds = _speeds(rng, n_vehicles)
    if road.n_lanes == 1:
        speeds.sort(reverse=True)
    for speed in speeds:
        lane = int(rng.integers(road.n_lanes))
        free = [i for i in range(road.n_lanes) if lane_speed[i] >= speed]
        if free and lane not in free:
            lane = free[int(rng.integers(len(free)))]
        elif not free:
            lane = int(np.argmax(lane_speed))
        lane_speed[lane] = speed
        vs = _vehicle(rng, prng, speed, road.lane_centre(lane), dirs[lane], photos)
        dwell = (zone_len + vs.dims[0]) / (speed / 3.6)
        t_enter = max(t_half, lane_free[lane]) + float(rng.uniform(0.3, 1.2))
        wanted.append((vs, t_enter + 0.5 * dwell))
        lane_free[lane], t_half = t_enter + dwell, t_enter + 0.5 * dwell
    spec = build_scene(base, wanted)
    spec = replace(spec, duration_s=round(_end_time(spec, zone) + 1.5, 3))
    meta.update(
        lanes=road.n_lanes,
        directions=dirs,
        resolution=[rig.width, rig.height],
        fps=rig.fps,
        camera_height_m=rig.height_m,
        fov_deg=round(2 * math.degrees(math.atan(rig.width / 2 / rig.focal_px)), 1),
        k1=rig.k1,
        zone_len_m=round(zone_len, 2),
        shadows=shadows,
        flicker=base.flicker,
        exposure_ramp=base.exposure_ramp,
        jpeg_quality=jpeg,
        noise_sigma=base.noise_sigma,
        photo_vehicles=sum(v.colour == "photo" for v in spec.vehicles),
    )
    return Draw(seed, spec, meta)


def _end_time(spec: SceneSpec, zone: Sequence[tuple[float, float]]) -> float:
    """When the last vehicle's body has left the zone."""
    ys = [p[1] for p in zone]
    end = 0.0
    for v in place_vehicles(spec, zone):
        half = v.spec.dims[0] / 2
        y_out = max(ys) + half if v.spec.direction > 0 else min(ys) - half
        t = v.time_at_centre_y(y_out)
        end = max(end, t if t is not None else spec.duration_s)
    return end


def speed_band(kmh: float) -> str:
    """'20-40' style label of the band a true speed falls in."""
    lo = SPEED_KMH[0] + SPEED_BAND_KMH * math.floor((kmh - SPEED_KMH[0]) / SPEED_BAND_KMH)
    lo = min(max(lo, SPEED_KMH[0]), SPEED_KMH[1] - SPEED_BAND_KMH)
    return f"{lo:.0f}-{lo + SPEED_BAND_KMH:.0f}"


def steady_exposure(draw: Draw) -> Draw:
    """The same draw with its exposure held still: no drift over the clip, no per-frame
    jitter. Everything else (camera, traffic, noise, codec) is the draw's own, so the two
    renders show how far the readings move with the exposure alone."""
    spec = replace(draw.spec, exposure_ramp=0.0, flicker=0.0)
    return Draw(draw.seed, spec, dict(draw.meta, exposure_ramp=0.0, flicker=0.0, steady=True))


def seeds_of(which: str) -> tuple[int, ...]:
    if which == "tuning":
        return TUNING_SEEDS
    if which == "sealed":
        return SEALED_SEEDS
    raise ValueError(f"unknown set {which!r}: tuning or sealed")
