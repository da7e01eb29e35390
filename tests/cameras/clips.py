"""Synthetic clips with known speeders for the camera worker tests (rendered once, cached)."""

from __future__ import annotations

import itertools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cameras.vision.synth import CameraRig, SceneSpec, VehicleSpec, build_scene, render_scene
from cameras.vision.synth.world import RoadSpec

RIG = CameraRig(
    height_m=7.0,
    tilt_deg=12.0,
    pan_deg=0.0,
    focal_px=700.0,
    width=640,
    height=360,
    fps=30.0,
    x_m=3.5,
)
ROAD = RoadSpec(n_lanes=4, x0_m=-7.0)
ZONE = [(0.0, 16.0), (7.0, 16.0), (7.0, 32.0), (0.0, 32.0)]
# The right-hand lanes drive away: the rear (plate) faces the camera.
LANE1, LANE2 = ROAD.lane_centre(2), ROAD.lane_centre(3)
LIMIT_KMH = 50.0
# (speed km/h, lane, time mid-zone): speeders are > limit + 10 + U; the rest under the limit.
MIXED = [(40.0, LANE1, 1.2), (85.0, LANE2, 2.4), (35.0, LANE1, 4.0), (90.0, LANE2, 5.0)]
# The same, then more slow traffic: a clip long enough to stop a worker in the middle of.
LONG = [*MIXED, (40.0, LANE1, 6.8), (35.0, LANE2, 8.0), (45.0, LANE1, 9.4), (40.0, LANE2, 10.6)]
SLOW = [(35.0, LANE1, 1.0), (40.0, LANE2, 2.4), (45.0, LANE1, 4.0)]


@dataclass(frozen=True)
class Clip:
    video: Path
    calibration: dict[str, Any]
    truth: dict[str, Any]

    @property
    def speeders(self) -> list[float]:
        return [v["speed_kmh"] for v in self.truth["vehicles"] if v["speed_kmh"] > LIMIT_KMH + 10]

    @property
    def duration_s(self) -> float:
        return float(self.truth["scene"]["duration_s"])


def render(out_dir: Path, name: str, vehicles: list[tuple[float, float, float]]) -> Clip:
    video = out_dir / f"{name}.mp4"
    if not video.exists():
        base = SceneSpec(
            rig=RIG,
            vehicles=[],
            duration_s=1.0,
            road=ROAD,
            seed=3,
            noise_sigma=1.0,
            zone=ZONE,
            speed_limit_kmh=LIMIT_KMH,
        )
        wanted = [
            (VehicleSpec(v, lane, 1, kind="car", colour=c), t)
            # Colours repeat: zipping with a fixed list silently dropped every vehicle
            # after the fifth (the 8-vehicle LONG clip had only 5).
            for (v, lane, t), c in zip(
                vehicles, itertools.cycle(["blue", "red", "silver", "white", "black"])
            )
        ]
        tmp = out_dir / f".{name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        files = render_scene(build_scene(base, wanted, tail_s=1.0), tmp, name)
        for f in (files.calibration_path, files.truth_path, files.video_path):
            f.replace(out_dir / f.name)
        shutil.rmtree(tmp, ignore_errors=True)
    return Clip(
        video,
        json.loads((out_dir / f"{name}.calib.json").read_text()),
        json.loads((out_dir / f"{name}.truth.json").read_text()),
    )
