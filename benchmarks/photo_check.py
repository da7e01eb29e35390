"""Does YOLO see the photo vehicles? Stills of each photo vehicle (and, for contrast,
cuboids) on a synthetic road, one vehicle per still, at a few distances and two camera
mounts; a vehicle counts as detected when a YOLO vehicle box lies on its drawn box
(see ``_hit``).

    python -m benchmarks.photo_vehicles --check
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.common import YOLO_WEIGHTS
from benchmarks.photo_vehicles import Photo
from cameras.vision.synth import CameraRig, RoadSpec, VehicleSpec
from cameras.vision.synth.render import draw_shadows, draw_vehicles
from cameras.vision.synth.world import Vehicle, render_background

VEHICLE_CLASSES = [2, 3, 5, 7]
DISTANCES_M = (18.0, 30.0, 45.0)
MOUNTS = (
    CameraRig(
        height_m=6.0, tilt_deg=9.0, pan_deg=8.0, focal_px=1100.0,
        width=1280, height=720, fps=30.0, x_m=-8.0,
    ),
    CameraRig(
        height_m=8.0, tilt_deg=14.0, pan_deg=0.0, focal_px=1300.0,
        width=1280, height=720, fps=30.0, x_m=0.0,
    ),
)  # fmt: skip
SUN = np.array([0.5, -0.35, 0.8]) / np.linalg.norm([0.5, -0.35, 0.8])


def _hit(det: Sequence[float], truth: Sequence[float]) -> bool:
    """A YOLO box lies on the vehicle (>= 70 % of it inside the drawn box) and spans at
    least half its width: on a cuboid with a photo end YOLO often boxes just that end."""
    ix = max(0.0, min(det[2], truth[2]) - max(det[0], truth[0]))
    iy = max(0.0, min(det[3], truth[3]) - max(det[1], truth[1]))
    area = (det[2] - det[0]) * (det[3] - det[1])
    return area > 0 and ix * iy >= 0.7 * area and ix >= 0.5 * (truth[2] - truth[0])


@functools.cache
def _background(rig: CameraRig, road: RoadSpec) -> Any:
    return render_background(rig, road, seed=1, supersample=1)


def still(rig: CameraRig, road: RoadSpec, spec: VehicleSpec, y_m: float) -> tuple[Any, Any]:
    """One frame with one vehicle whose near end is ``y_m`` down the road; (frame, box)."""
    frame = _background(rig, road).copy()
    labels = np.zeros(frame.shape[:2], np.uint8)
    v = Vehicle(0, replace(spec, t_start_s=0.0, speed_kmh=0.0), y_m + spec.dims[0] / 2)
    draw_shadows(frame, rig, [v], 0.0, SUN)
    drawn = draw_vehicles(frame, labels, rig, [v], 0.0, SUN)
    return frame, (drawn[0].bbox if drawn else None)


def _specs(photos: Sequence[Photo], road: RoadSpec) -> list[tuple[str, VehicleSpec]]:
    recede, approach = road.lane_centre(road.n_lanes - 1), road.lane_centre(0)
    out: list[tuple[str, VehicleSpec]] = []
    for p in photos:
        direction = 1 if p.view == "rear" else -1
        out.append(
            (
                "photo",
                VehicleSpec(
                    0.0,
                    recede if direction > 0 else approach,
                    direction,
                    kind=p.kind,
                    colour="photo",
                    size_m=p.size_m,
                    colour_bgr=p.colour_bgr,
                    photo_front=p.path if p.view == "front" else None,
                    photo_rear=p.path if p.view == "rear" else None,
                ),
            )
        )
    for kind, colour in (("car", "silver"), ("suv", "red"), ("truck", "white"), ("van", "blue")):
        for lane, d in ((recede, 1), (approach, -1)):
            out.append(("cuboid", VehicleSpec(0.0, lane, d, kind=kind, colour=colour)))
    return out


def detection_rate(photos: Sequence[Photo], verbose: bool = False) -> dict[str, Any]:
    """Share of stills in which YOLO finds the vehicle, for photo vehicles (by view) and
    cuboids; empty when the weights are absent."""
    if not YOLO_WEIGHTS.is_file():
        print(f"[photos] {YOLO_WEIGHTS} absent: detection check skipped")
        return {}
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    model: Any = YOLO(str(YOLO_WEIGHTS), task="detect")
    road = RoadSpec(n_lanes=2, x0_m=-3.5)
    hits: dict[str, list[int]] = {}
    for body, spec in _specs(photos, road):
        key = f"{body} {'rear' if spec.direction > 0 else 'front'}"
        for rig in MOUNTS:
            for dist in DISTANCES_M:
                frame, box = still(rig, road, spec, dist)
                if box is None:
                    continue
                res = model.predict(frame, conf=0.25, classes=VEHICLE_CLASSES, verbose=False)[0]
                boxes = [] if res.boxes is None else res.boxes.xyxy.cpu().numpy().tolist()
                found = any(_hit(b, box) for b in boxes)
                h = hits.setdefault(key, [0, 0])
                h[0] += found
                h[1] += 1
    if verbose:
        for key, (ok, n) in sorted(hits.items()):
            print(f"[photos] YOLO detects {key}: {ok}/{n} stills ({100.0 * ok / n:.0f} %)")
    return hits


def scene_detection_rate(
    video: Path, calibration: Path, truth: Path, model: Any
) -> dict[str, list[int]]:
    """YOLO on a rendered scene as the engine runs it (the zone's box cropped, conf 0.1):
    for each vehicle crossing the zone, the frames where its near contact enters, is
    halfway through and leaves the zone; [found, looked] per "photo/cuboid front/rear"."""
    from cameras.vision.measure.calibration import load_calibration

    doc = json.loads(truth.read_text())
    cal = load_calibration(calibration)
    cap = cv2.VideoCapture(str(video))
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    x0, y0, x1, y1 = cal.plane.image_roi(cal.zone, w, h)
    fps = doc["scene"]["fps"]
    out: dict[str, list[int]] = {}
    try:
        for v in doc["vehicles"]:
            if not v["crosses_zone"]:
                continue
            z = v["zone"][v["near_contact"]]
            rows = {r[0]: r for r in v["frames"]}
            key = f"{'photo' if v.get('photo') else 'cuboid'} "
            key += "rear" if v["direction"] > 0 else "front"
            for t in (z["t_enter_s"], 0.5 * (z["t_enter_s"] + z["t_exit_s"]), z["t_exit_s"]):
                fi = round(t * fps)
                if fi not in rows:
                    continue
                cap.set(cv2.CAP_PROP_POS_FRAMES, fi)
                ok, frame = cap.read()
                if not ok:
                    continue
                res = model.predict(
                    frame[y0:y1, x0:x1], conf=0.1, classes=VEHICLE_CLASSES, verbose=False
                )[0]
                boxes = [] if res.boxes is None else res.boxes.xyxy.cpu().numpy().tolist()
                box = rows[fi][4:8]
                found = any(_hit([b[0] + x0, b[1] + y0, b[2] + x0, b[3] + y0], box) for b in boxes)
                hit = out.setdefault(key, [0, 0])
                hit[0] += found
                hit[1] += 1
    finally:
        cap.release()
    return out
