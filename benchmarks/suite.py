"""The synthetic accuracy suite: camera geometries and the traffic driven past each.

Every number the suite prints comes from rendering these scenes afresh; nothing here
encodes an expected result.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from cameras.vision.synth import (
    CameraRig,
    RoadSpec,
    SceneSpec,
    VehicleSpec,
    auto_zone,
    build_scene,
    lane_direction,
    occluding_pair,
)

SPEEDS_KMH = (20.0, 35.0, 50.0, 65.0, 80.0, 95.0, 110.0, 130.0, 150.0)
KINDS = ("car", "suv", "car", "van", "motorcycle", "truck", "car", "suv")
COLOURS = ("silver", "black", "white", "road_grey", "red", "dark_grey", "blue", "yellow")


@dataclass(frozen=True)
class Geometry:
    name: str
    rig: CameraRig
    note: str
    flicker: float = 0.0
    max_m_per_px: float = 0.2  # coarsest ground resolution allowed in the zone


def geometries(width: int = 960, height: int = 540, fps: float = 30.0) -> list[Geometry]:
    """Five mounts. Focal lengths scale with the width so the views match at any size."""
    f = width / 960.0

    def rig(**kw: float) -> CameraRig:
        focal = kw.pop("focal") * f
        return CameraRig(focal_px=focal, width=width, height=height, fps=fps, **kw)

    return [
        Geometry(
            "overhead_gantry",
            rig(height_m=7.5, tilt_deg=20.0, pan_deg=0.0, focal=1000.0, x_m=0.0),
            "gantry over the centre line, all 4 lanes",
            max_m_per_px=0.15,
        ),
        Geometry(
            "roadside_low",
            rig(height_m=4.0, tilt_deg=6.0, pan_deg=12.0, focal=1000.0, x_m=-9.5),
            "4 m pole on the left verge, shallow view",
        ),
        Geometry(
            "roadside_panned",
            rig(height_m=6.0, tilt_deg=11.0, pan_deg=-18.0, focal=800.0, x_m=9.5),
            "6 m pole on the right verge panned 18 deg across the road",
            flicker=0.01,
        ),
        Geometry(
            "long_focal",
            rig(height_m=8.0, tilt_deg=5.0, pan_deg=-5.0, focal=2400.0, x_m=8.5),
            "telephoto from a bridge pier, zone 50-80 m out",
            max_m_per_px=0.45,
        ),
        Geometry(
            "wide_distorted",
            rig(
                height_m=6.0,
                tilt_deg=17.0,
                pan_deg=12.0,
                focal=560.0,
                x_m=-8.0,
                roll_deg=1.0,
                k1=-0.12,
            ),
            "wide-angle lens with barrel distortion (k1=-0.12) and 1 deg roll",
        ),
    ]


def scene_for(geo: Geometry, n_vehicles: int, seed: int, noise_sigma: float = 2.0) -> SceneSpec:
    """Vehicles at the suite's speeds, cycling lanes (hence both directions), kinds and
    colours, ~2.5 s apart, plus one car overtaking a truck that hides it (occlusion)."""
    road = RoadSpec()
    zone = auto_zone(geo.rig, road, max_m_per_px=geo.max_m_per_px)
    base = SceneSpec(
        rig=geo.rig,
        vehicles=[],
        duration_s=1.0,
        zone=zone,
        road=road,
        speed_limit_kmh=80.0,
        noise_sigma=noise_sigma,
        shadows=True,
        seed=seed,
        flicker=geo.flicker,
        survey_noise_m=0.01,
        pixel_noise_px=0.3,
    )
    zx = [p[0] for p in zone]
    lanes = [
        road.lane_centre(i) for i in range(road.n_lanes) if min(zx) < road.lane_centre(i) < max(zx)
    ]
    # Rotate the speed list per geometry so each speed meets different lanes and kinds.
    speeds = itertools.islice(
        itertools.cycle(
            SPEEDS_KMH[seed % len(SPEEDS_KMH) :] + SPEEDS_KMH[: seed % len(SPEEDS_KMH)]
        ),
        n_vehicles,
    )
    wanted: list[tuple[VehicleSpec, float]] = []
    t = 1.0
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(lanes)
        if lane_direction(road, a) == lane_direction(road, b)
    ]
    if pairs:
        wanted += occluding_pair(base, pairs[seed % len(pairs)], 70.0, t + 1.0)
        t += 3.5
    for k, speed in enumerate(speeds):
        lane = lanes[k % len(lanes)]
        wanted.append(
            (
                VehicleSpec(
                    speed,
                    lane + 0.25 * ((k % 3) - 1),
                    lane_direction(road, lane),
                    kind=KINDS[k % len(KINDS)],
                    colour=COLOURS[k % len(COLOURS)],
                ),
                t,
            )
        )
        t += 2.6
    return replace(build_scene(base, wanted), seed=seed)
