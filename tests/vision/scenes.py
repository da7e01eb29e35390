"""Tiny synthetic traffic scenes for the vision tests, drawn with a real pinhole camera.

World: metres, X lateral, Y along the road, Z up; the road is Z = 0. Vehicles are cuboids
standing on the road, so - as with real vehicles - the bottom of a vehicle's image box is
on the road plane while its centre is not. Ground truth is exact: every vehicle moves at a
known constant speed, and each frame is stamped i / fps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.geometry import RoadPlane
from cameras.vision.measure.track import Track, TrackSample

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Camera:
    """Pinhole camera at (x, y, height) looking at road point ``target``."""

    width: int = 320
    height: int = 240
    focal_px: float = 380.0
    position: tuple[float, float, float] = (0.0, -8.0, 7.0)
    target: tuple[float, float, float] = (0.0, 30.0, 0.0)

    @property
    def k(self) -> FloatArray:
        return np.array(
            [[self.focal_px, 0, self.width / 2], [0, self.focal_px, self.height / 2], [0, 0, 1]]
        )

    @property
    def rt(self) -> tuple[FloatArray, FloatArray]:
        c = np.array(self.position, dtype=np.float64)
        fwd = np.array(self.target, dtype=np.float64) - c
        fwd /= np.linalg.norm(fwd)
        right = np.cross(fwd, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        r = np.vstack([right, down, fwd])  # rows: camera x (right), y (down), z (forward)
        return r, -r @ c

    def project(self, pts3: FloatArray) -> FloatArray:
        r, t = self.rt
        cam = pts3 @ r.T + t
        uvw = cam @ self.k.T
        return np.asarray(uvw[:, :2] / uvw[:, 2:3])

    def road_to_image(self, pts2: FloatArray) -> FloatArray:
        pts2 = np.asarray(pts2, dtype=np.float64).reshape(-1, 2)
        return self.project(np.c_[pts2, np.zeros(len(pts2))])


@dataclass(frozen=True)
class Vehicle:
    """Cuboid: lateral centre ``x``, rear-end ``y0`` at t = 0, speed (m/s, + = away)."""

    x: float
    y0: float
    speed_ms: float
    length: float = 4.4
    width: float = 1.8
    height: float = 1.5
    colour: tuple[int, int, int] = (40, 40, 200)
    lateral_ms: float = 0.0  # lateral speed (lane change)
    z0: float = 0.0  # height of its lowest point above the road (a plate, a light)
    t_start: float = 0.0
    t_end: float = 1e9

    def footprint_at(self, t: float) -> tuple[float, float]:
        dt = t - self.t_start
        return self.x + self.lateral_ms * dt, self.y0 + self.speed_ms * dt

    def corners(self, t: float) -> FloatArray:
        x, y = self.footprint_at(t)
        xs = (x - self.width / 2, x + self.width / 2)
        ys = (y, y + self.length)
        zs = (self.z0, self.z0 + self.height)
        return np.array([[a, b, c] for a in xs for b in ys for c in zs], dtype=np.float64)


@dataclass
class Scene:
    camera: Camera = field(default_factory=Camera)
    vehicles: list[Vehicle] = field(default_factory=list)
    fps: float = 30.0
    duration_s: float = 3.0
    zone: tuple[tuple[float, float], ...] = ((-6.0, 15.0), (6.0, 15.0), (6.0, 35.0), (-6.0, 35.0))
    seed: int = 0

    def background(self) -> NDArray[np.uint8]:
        rng = np.random.default_rng(self.seed)
        cam = self.camera
        img = rng.integers(90, 130, (cam.height, cam.width, 3)).astype(np.uint8)
        img = np.asarray(cv2.GaussianBlur(img, (5, 5), 0), dtype=np.uint8)
        # Dashed lane lines on the road give the background some structure.
        for lx in (-5.25, -1.75, 1.75, 5.25):
            for y in np.arange(0.0, 120.0, 12.0):
                seg = cam.road_to_image(np.array([[lx, y], [lx, y + 3.0]]))
                if np.all(np.isfinite(seg)):
                    p = seg.round().astype(int)
                    cv2.line(img, tuple(p[0]), tuple(p[1]), (200, 200, 200), 1, cv2.LINE_AA)
        return img

    def visible(self, v: Vehicle, t: float) -> bool:
        if not (v.t_start <= t <= v.t_end):
            return False
        r, tr = self.camera.rt
        depth = v.corners(t) @ r.T + tr
        return bool(np.all(depth[:, 2] > 1.0))

    def render(self, t: float, bg: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """Vehicles drawn at 4x resolution and area-averaged down: exact anti-aliasing,
        so box edges carry no rasteriser bias (OpenCV's polygon fill is not symmetric)."""
        ss = 4
        cam = self.camera
        img = cv2.resize(bg, None, fx=ss, fy=ss, interpolation=cv2.INTER_NEAREST)
        order = sorted(
            (v for v in self.vehicles if self.visible(v, t)),
            key=lambda v: -np.linalg.norm(np.array((*v.footprint_at(t), 0.0)) - cam.position),
        )
        for v in order:  # far to near: nearer vehicles occlude farther ones
            # Pixel centres are integers in OpenCV: pixel i covers [i - 0.5, i + 0.5).
            pts = (cam.project(v.corners(t)) + 0.5) * ss - 0.5
            hull = cv2.convexHull(np.round(pts * 16).astype(np.int32))
            cv2.fillConvexPoly(img, hull, v.colour, cv2.LINE_8, shift=4)
            top = pts[[1, 3, 7, 5]]  # z = height corners
            lighter = tuple(min(255, c + 60) for c in v.colour)
            cv2.fillConvexPoly(img, np.round(top * 16).astype(np.int32), lighter, cv2.LINE_8, 4)
        out = cv2.resize(img, (cam.width, cam.height), interpolation=cv2.INTER_AREA)
        return np.asarray(out, dtype=np.uint8)

    def write(self, out_dir: Path, name: str = "scene") -> tuple[Path, Path]:
        """Write ``name.avi`` (MJPG) and ``name.json`` (calibration); return both paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        video = out_dir / f"{name}.avi"
        cam = self.camera
        writer = cv2.VideoWriter(
            str(video), cv2.VideoWriter.fourcc(*"MJPG"), self.fps, (cam.width, cam.height)
        )
        bg = self.background()
        for i in range(round(self.duration_s * self.fps)):
            writer.write(self.render(i / self.fps, bg))
        writer.release()
        calib = out_dir / f"{name}.json"
        calib.write_text(json.dumps(self.calibration()))
        return video, calib

    def survey_points(self) -> FloatArray:
        """Road marks an operator would survey: lane-line ends around the zone."""
        xs = (-5.25, -1.75, 1.75, 5.25)
        ys = (12.0, 24.0, 36.0)
        return np.array([[x, y] for x in xs for y in ys], dtype=np.float64)

    def calibration(self, world: FloatArray | None = None) -> dict[str, object]:
        world = self.survey_points() if world is None else world
        image = self.camera.road_to_image(world)
        return {
            "image_points": image.tolist(),
            "world_points": world.tolist(),
            "zone": [list(p) for p in self.zone],
            "speed_limit_kmh": 50,
            "fps": self.fps,
        }


def vehicle_track(
    camera: Camera,
    vehicle: Vehicle,
    times: FloatArray,
    track_id: int = 1,
    noise_px: float = 0.0,
    seed: int = 0,
    lowest_column: bool = False,
) -> Track:
    """A tracker history for ``vehicle``: the image box of its cuboid at each time; with
    ``lowest_column`` each sample also carries the column of its lowest corner, as the
    motion detector gives the column where a blob reaches its bottom row."""
    rng = np.random.default_rng(seed)
    track = Track(track_id)
    for i, t in enumerate(times):
        pts = camera.project(vehicle.corners(float(t)))
        box = np.r_[pts.min(axis=0), pts.max(axis=0)] + rng.normal(0.0, noise_px, 4)
        xyxy = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
        low = float(pts[np.argmax(pts[:, 1]), 0]) if lowest_column else None
        track.samples.append(TrackSample(i, float(t), xyxy, 0.9, contact_x=low))
        track.class_votes["car"] = track.class_votes.get("car", 0) + 1
    return track


def road_plane(camera: Camera, world: FloatArray | None = None) -> RoadPlane:
    """The exact road plane of ``camera`` from surveyed road points (default: a grid)."""
    if world is None:
        world = np.array([[x, y] for x in (-6.0, 0.0, 6.0) for y in (10.0, 30.0, 50.0)])
    return RoadPlane(camera.road_to_image(world), world)
