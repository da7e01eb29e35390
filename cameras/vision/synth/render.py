"""Per-frame drawing of vehicles and shadows for the synthetic renderer.

Polygons are filled with OpenCV at 1/16-pixel precision (``shift=4``) and anti-aliased,
so sub-pixel motion shows up in the video: a renderer that snaps to whole pixels would
add up to ±0.5 px of quantisation noise to every ground-truth position.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.synth.camera import CameraRig, FloatArray, polygon_area, project_polygon
from cameras.vision.synth.photo import draw_photo_face, photo_for
from cameras.vision.synth.world import Vehicle

SHIFT = 4
SCALE = float(1 << SHIFT)

# (corner indices, outward normal); the bottom face is never seen from above the road.
FACES: dict[str, tuple[tuple[int, int, int, int], tuple[float, float, float]]] = {
    "y0": ((0, 1, 5, 4), (0.0, -1.0, 0.0)),
    "y1": ((2, 3, 7, 6), (0.0, 1.0, 0.0)),
    "x0": ((3, 0, 4, 7), (-1.0, 0.0, 0.0)),
    "x1": ((1, 2, 6, 5), (1.0, 0.0, 0.0)),
    "top": ((4, 5, 6, 7), (0.0, 0.0, 1.0)),
}

DARK_GLASS = (45, 40, 38)
TAIL_LIGHT = (30, 30, 190)
HEAD_LIGHT = (210, 235, 245)
PLATE = (225, 228, 228)
TYRE = (22, 22, 24)
TRIM = (35, 35, 38)

# Decals in face-local coordinates: (a0, a1, b0, b1, colour), a across the face, b up it.
Decal = tuple[float, float, float, float, tuple[int, int, int]]


def _decals(kind: str, face: str) -> list[Decal]:
    if kind == "motorcycle":
        if face == "rear":
            return [(0.3, 0.7, 0.45, 0.55, TAIL_LIGHT), (0.35, 0.65, 0.3, 0.4, PLATE)]
        if face == "front":
            return [(0.3, 0.7, 0.55, 0.68, HEAD_LIGHT)]
        if face == "side":
            return [
                (0.05, 0.3, 0.0, 0.35, TYRE),
                (0.7, 0.95, 0.0, 0.35, TYRE),
                (0.35, 0.65, 0.55, 1.0, TRIM),
            ]
        return []
    truck = kind == "truck"
    if face == "rear":
        out: list[Decal] = [
            (0.0, 1.0, 0.08, 0.17, TRIM),
            (0.04, 0.18, 0.2, 0.28, TAIL_LIGHT),
            (0.82, 0.96, 0.2, 0.28, TAIL_LIGHT),
            (0.4, 0.6, 0.19, 0.29, PLATE),
        ]
        if truck:
            out.append((0.495, 0.505, 0.3, 0.95, TRIM))
        else:
            out += [(0.12, 0.88, 0.6, 0.9, DARK_GLASS)]
        return out
    if face == "front":
        return [
            (0.08, 0.92, 0.6 if not truck else 0.55, 0.92, DARK_GLASS),
            (0.06, 0.22, 0.25, 0.36, HEAD_LIGHT),
            (0.78, 0.94, 0.25, 0.36, HEAD_LIGHT),
            (0.3, 0.7, 0.22, 0.4, TRIM),
            (0.4, 0.6, 0.08, 0.18, PLATE),
        ]
    if face == "side":
        wheels: list[Decal] = [
            (0.1, 0.24, 0.0, 0.28 if not truck else 0.3, TYRE),
            (0.76, 0.9, 0.0, 0.28 if not truck else 0.3, TYRE),
        ]
        if truck:
            return [*wheels, (0.4, 0.5, 0.0, 0.3, TYRE), (0.02, 0.98, 0.32, 0.36, TRIM)]
        return [*wheels, (0.22, 0.8, 0.6, 0.88, DARK_GLASS)]
    if face == "top" and not truck:
        return [(0.1, 0.9, 0.25, 0.45, DARK_GLASS)]
    return []


@dataclass
class DrawnVehicle:
    """What one frame's render knows about one vehicle (for the ground truth)."""

    vid: int
    bbox: tuple[float, float, float, float]  # x1, y1, x2, y2 in pixels, clipped to image
    visible_px: int
    own_px: int
    projected_area_px: float  # unclipped (by the image border) silhouette area


def _face_role(face: str, direction: int) -> str:
    if face == "top":
        return "top"
    if face in ("x0", "x1"):
        return "side"
    rear = "y0" if direction > 0 else "y1"
    return "rear" if face == rear else "front"


def _face_frame(
    corners: FloatArray, idx: tuple[int, int, int, int]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Origin and the two spanning edges of a quad face."""
    p0, p1, _, p3 = (corners[i] for i in idx)
    return p0, p1 - p0, p3 - p0


def _to_fixed(uv: FloatArray) -> NDArray[np.int32]:
    return np.round(uv * SCALE).astype(np.int32).reshape(-1, 1, 2)


def painter_order(rig: CameraRig, vehicles: list[Vehicle], t: float) -> list[Vehicle]:
    """Far-to-near order. Boxes on a plane that do not overlap are split by a plane x=c or
    y=c; the box on the camera's side of it is nearer, which orders correctly where the
    centroid distance alone does not (a long truck beside a short car)."""
    boxes = {}
    for v in vehicles:
        c = v.corners(t)
        boxes[v.vid] = (
            c[:, 0].min(),
            c[:, 0].max(),
            c[:, 1].min(),
            c[:, 1].max(),
            float(np.hypot(c[:, 0].mean() - rig.x_m, c[:, 1].mean() - rig.y_m)),
        )

    def nearer(a: Vehicle, b: Vehicle) -> int:
        ax0, ax1, ay0, ay1, ad = boxes[a.vid]
        bx0, bx1, by0, by1, bd = boxes[b.vid]
        cx, cy = rig.x_m, rig.y_m
        if ay1 <= by0 or by1 <= ay0:  # separated along y
            a_first = ay1 <= by0
            cam_low = cy <= (ay1 if a_first else by1)
            return 1 if a_first == cam_low else -1
        if ax1 <= bx0 or bx1 <= ax0:
            a_first = ax1 <= bx0
            cam_low = cx <= (ax1 if a_first else bx1)
            return 1 if a_first == cam_low else -1
        return 1 if ad < bd else -1

    # sorted ascending: "greater" = nearer = drawn later
    return sorted(vehicles, key=functools.cmp_to_key(nearer))


def draw_shadows(
    frame: NDArray[np.uint8],
    rig: CameraRig,
    vehicles: list[Vehicle],
    t: float,
    sun: FloatArray,
    strength: float = 0.45,
) -> None:
    """Darken the road under each vehicle's cast shadow (sun = unit vector towards the sun)."""
    offset = -sun[:2] / max(sun[2], 0.05)
    h, w = frame.shape[:2]
    mask = np.zeros((h, w), dtype=np.uint8)
    lo, hi = np.array([w, h], dtype=float), np.array([0.0, 0.0])
    for v in vehicles:
        c = v.corners(t)
        pts = np.vstack([c[:4, :2], c[4:, :2] + offset * c[4:, 2:3]]).astype(np.float32)
        hull = cv2.convexHull(pts).reshape(-1, 2).astype(np.float64)
        poly = project_polygon(rig, np.column_stack([hull, np.zeros(len(hull))]))
        if len(poly) >= 3:
            cv2.fillPoly(mask, [_to_fixed(poly)], 255, cv2.LINE_AA, SHIFT)
            lo = np.minimum(lo, poly.min(axis=0))
            hi = np.maximum(hi, poly.max(axis=0))
    x0, y0 = (max(0, math.floor(a) - 1) for a in lo)
    x1, y1 = min(w, math.ceil(hi[0]) + 2), min(h, math.ceil(hi[1]) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    k = 1.0 - strength * (mask[y0:y1, x0:x1].astype(np.float32) / 255.0)
    frame[y0:y1, x0:x1] = np.clip(roi * k[..., None], 0, 255).astype(np.uint8)


def draw_vehicles(
    frame: NDArray[np.uint8],
    labels: NDArray[np.uint8],
    rig: CameraRig,
    vehicles: list[Vehicle],
    t: float,
    sun: FloatArray,
) -> list[DrawnVehicle]:
    """Draw vehicles far-to-near into frame (and their ids+1 into labels)."""
    planes = rig.frustum_planes()
    cam = rig.centre
    h, w = frame.shape[:2]
    drawn: list[tuple[Vehicle, list[NDArray[np.int32]], float]] = []
    for order, v in enumerate(painter_order(rig, vehicles, t), start=1):
        corners = v.corners(t)
        base = np.array(v.colour_bgr, dtype=np.float64)
        silhouettes: list[NDArray[np.int32]] = []
        area = 0.0
        for name, (idx, normal) in FACES.items():
            quad = corners[list(idx)]
            n = np.array(normal)
            if float(np.dot(n, cam - quad.mean(axis=0))) <= 0:  # back face
                continue
            poly = project_polygon(rig, quad, planes)
            if len(poly) < 3:
                continue
            area += polygon_area(poly)
            shade = 0.62 + 0.38 * max(0.0, float(np.dot(n, sun)))
            if name == "top":
                shade = min(1.0, shade + 0.08)
            fixed = _to_fixed(poly)
            silhouettes.append(fixed)
            colour = tuple(float(c) for c in np.clip(base * shade, 0, 255))
            cv2.fillPoly(frame, [fixed], colour, cv2.LINE_AA, SHIFT)
            cv2.fillPoly(labels, [fixed], order, cv2.LINE_8, SHIFT)
            role = _face_role(name, v.spec.direction)
            photo = photo_for(role, v.spec.photo_front, v.spec.photo_rear)
            if photo is not None and draw_photo_face(frame, rig, quad, fixed, SHIFT, photo):
                continue
            o, ea, eb = _face_frame(corners, idx)
            for a0, a1, b0, b1, col in _decals(v.spec.kind, role):
                dq = np.array(
                    [
                        o + a0 * ea + b0 * eb,
                        o + a1 * ea + b0 * eb,
                        o + a1 * ea + b1 * eb,
                        o + a0 * ea + b1 * eb,
                    ]
                )
                dpoly = project_polygon(rig, dq, planes)
                if len(dpoly) >= 3:
                    dcol = tuple(float(c) * (0.75 + 0.25 * shade) for c in col)
                    cv2.fillPoly(frame, [_to_fixed(dpoly)], dcol, cv2.LINE_AA, SHIFT)
        drawn.append((v, silhouettes, area))

    out: list[DrawnVehicle] = []
    order_of = {v.vid: i for i, v in enumerate(painter_order(rig, vehicles, t), start=1)}
    for v, sil, area in drawn:
        if not sil:
            continue
        allpts = np.vstack(sil).reshape(-1, 2) / SCALE
        x1, y1 = np.clip(allpts.min(axis=0), 0, [w, h])
        x2, y2 = np.clip(allpts.max(axis=0), 0, [w, h])
        if x2 <= x1 or y2 <= y1:
            continue
        ix0, iy0 = math.floor(x1), math.floor(y1)
        ix1, iy1 = min(w, math.ceil(x2) + 1), min(h, math.ceil(y2) + 1)
        own = np.zeros((iy1 - iy0, ix1 - ix0), dtype=np.uint8)
        off = (-ix0 * int(SCALE), -iy0 * int(SCALE))
        cv2.fillPoly(own, sil, 1, cv2.LINE_8, SHIFT, off)
        own_px = int(own.sum())
        if own_px == 0:
            continue
        vis = int(np.count_nonzero(labels[iy0:iy1, ix0:ix1] == order_of[v.vid]))
        out.append(
            DrawnVehicle(v.vid, (float(x1), float(y1), float(x2), float(y2)), vis, own_px, area)
        )
    return out
