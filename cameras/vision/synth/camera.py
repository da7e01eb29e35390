"""Pinhole camera model for the synthetic renderer (no Django, NumPy/OpenCV only).

World frame: the road is the plane z=0, y runs along the road (metres), x is lateral
(metres), z points up. Camera frame follows OpenCV: X right, Y down, Z forward. Lens
distortion uses OpenCV's convention with only k1 (``dist_coeffs = [k1, 0, 0, 0, 0]``) so
the calibration file we emit can be undistorted by ``cv2.undistortPoints`` exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Points closer than this to the camera plane are clipped: projecting them would give
# huge coordinates that overflow OpenCV's fixed-point polygon filler.
NEAR_M = 0.5
# Extra room around the image (fraction of the half-size) kept by the frustum clip, so
# polygons clipped there never show a clipped edge inside the picture.
FRUSTUM_MARGIN = 0.25


@dataclass(frozen=True)
class CameraRig:
    """A fixed camera: position, orientation (pan about z, tilt down, roll) and optics."""

    height_m: float
    tilt_deg: float
    pan_deg: float
    focal_px: float
    width: int
    height: int
    fps: float
    roll_deg: float = 0.0
    k1: float = 0.0
    x_m: float = 0.0
    y_m: float = 0.0

    # -- frames ---------------------------------------------------------------------------
    @property
    def centre(self) -> FloatArray:
        return np.array([self.x_m, self.y_m, self.height_m], dtype=np.float64)

    def rotation(self) -> FloatArray:
        """World→camera rotation; rows are the camera's right, down and forward axes."""
        pan, tilt, roll = (math.radians(a) for a in (self.pan_deg, self.tilt_deg, self.roll_deg))
        # Positive pan turns the view towards +x (to the right when looking along +y).
        fwd = np.array(
            [math.cos(tilt) * math.sin(pan), math.cos(tilt) * math.cos(pan), -math.sin(tilt)]
        )
        right = np.array([math.cos(pan), -math.sin(pan), 0.0])
        down = np.cross(fwd, right)
        cr, sr = math.cos(roll), math.sin(roll)
        right_r = cr * right + sr * down
        down_r = -sr * right + cr * down
        return np.stack([right_r, down_r, fwd])

    def camera_matrix(self) -> FloatArray:
        return np.array(
            [
                [self.focal_px, 0.0, self.width / 2.0],
                [0.0, self.focal_px, self.height / 2.0],
                [0.0, 0.0, 1.0],
            ]
        )

    def dist_coeffs(self) -> FloatArray:
        return np.array([self.k1, 0.0, 0.0, 0.0, 0.0])

    # -- projection -----------------------------------------------------------------------
    def world_to_camera(self, pts: FloatArray) -> FloatArray:
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 3)
        return (pts - self.centre) @ self.rotation().T

    def distort(self, xy: FloatArray) -> FloatArray:
        """Normalised undistorted → normalised distorted coordinates."""
        if self.k1 == 0.0:
            return xy
        r2 = np.sum(xy * xy, axis=-1, keepdims=True)
        return xy * (1.0 + self.k1 * r2)

    def undistort(self, xy_d: FloatArray) -> FloatArray:
        """Inverse of :meth:`distort` by fixed-point iteration (as cv2.undistortPoints)."""
        if self.k1 == 0.0:
            return xy_d
        xy = xy_d.copy()
        for _ in range(30):
            r2 = np.sum(xy * xy, axis=-1, keepdims=True)
            xy = xy_d / (1.0 + self.k1 * r2)
        return xy

    def camera_to_pixels(self, pc: FloatArray) -> FloatArray:
        """Camera-frame points (Z>0) → distorted pixel coordinates."""
        xy = pc[:, :2] / pc[:, 2:3]
        xy = self.distort(xy)
        return xy * self.focal_px + np.array([self.width / 2.0, self.height / 2.0])

    def project(self, pts: FloatArray) -> tuple[FloatArray, FloatArray]:
        """World points (N,3) or road points (N,2) → (pixels (N,2), depth along the axis (N,)).

        Points behind the camera (or beyond a barrel lens's fold radius) get NaN pixels.
        """
        pts = np.asarray(pts, dtype=np.float64)
        if pts.ndim == 1:
            pts = pts[None, :]
        if pts.shape[1] == 2:
            pts = np.column_stack([pts, np.zeros(len(pts))])
        pc = self.world_to_camera(pts)
        z = pc[:, 2]
        uv = np.full((len(pc), 2), np.nan)
        ok = z > 1e-9
        if self.k1 < 0:
            # Past the fold radius the k1 polynomial maps rays back towards the centre: such
            # points would appear as ghosts inside the picture, so they count as unseen.
            with np.errstate(divide="ignore", invalid="ignore"):
                r2 = (pc[:, 0] ** 2 + pc[:, 1] ** 2) / (z * z)
            ok &= r2 < 1.0 / (3.0 * -self.k1)
        if np.any(ok):
            uv[ok] = self.camera_to_pixels(pc[ok])
        return uv, z

    def pixel_rays(self, uv: FloatArray) -> FloatArray:
        """Distorted pixels (N,2) → unit-less ray directions in the world frame (N,3)."""
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        xy_d = (uv - np.array([self.width / 2.0, self.height / 2.0])) / self.focal_px
        xy = self.undistort(xy_d)
        rays_c = np.column_stack([xy, np.ones(len(xy))])
        return rays_c @ self.rotation()

    def unproject(self, uv: FloatArray, z_m: float = 0.0) -> FloatArray:
        """Pixels (N,2) → points on the horizontal plane z=z_m, as (N,2) x/y metres.

        Pixels whose ray does not hit the plane in front of the camera give NaN.
        """
        rays = self.pixel_rays(uv)
        c = self.centre
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (z_m - c[2]) / rays[:, 2]
        t = np.where(t > 0, t, np.nan)
        return c[:2] + rays[:, :2] * t[:, None]

    # -- clipping -------------------------------------------------------------------------
    def frustum_planes(self) -> list[FloatArray]:
        """Camera-frame half-spaces (a·p + d >= 0 as [a, d]) bounding the picture + margin."""
        half = np.array([self.width / 2.0, self.height / 2.0]) / self.focal_px
        half_ext = half * (1.0 + FRUSTUM_MARGIN)
        if self.k1 < 0:
            # Barrel distortion pulls far-out rays into the picture: widen the undistorted
            # bound, but stay inside the fold-over radius where x(1+k1 r²) stops growing.
            corner = self.undistort(half[None, :])[0] * (1.0 + FRUSTUM_MARGIN)
            r_fold = math.sqrt(1.0 / (3.0 * -self.k1)) * 0.95
            scale = min(1.0, r_fold / float(np.linalg.norm(corner)))
            half_ext = corner * scale
        elif self.k1 > 0:
            half_ext = self.undistort(half[None, :])[0] * (1.0 + FRUSTUM_MARGIN)
        hx, hy = float(half_ext[0]), float(half_ext[1])
        return [
            np.array([0.0, 0.0, 1.0, -NEAR_M]),
            np.array([-1.0, 0.0, hx, 0.0]),  # X <= hx Z
            np.array([1.0, 0.0, hx, 0.0]),  # X >= -hx Z
            np.array([0.0, -1.0, hy, 0.0]),
            np.array([0.0, 1.0, hy, 0.0]),
        ]


def clip_polygon(poly: FloatArray, planes: list[FloatArray]) -> FloatArray:
    """Sutherland–Hodgman clip of a 3-D polygon (N,3) against half-spaces a·p + d >= 0."""
    out = poly
    for plane in planes:
        if len(out) == 0:
            break
        dist = out @ plane[:3] + plane[3]
        inside = dist >= 0
        if inside.all():
            continue
        if not inside.any():
            return out[:0]
        nxt = np.roll(out, -1, axis=0)
        dnext = np.roll(dist, -1)
        pts: list[FloatArray] = []
        for p, q, dp, dq, ip in zip(out, nxt, dist, dnext, inside, strict=True):
            if ip:
                pts.append(p)
            if (dp >= 0) != (dq >= 0):
                pts.append(p + (q - p) * (dp / (dp - dq)))
        out = np.array(pts) if pts else out[:0]
    return out


def subdivide(poly: FloatArray, n: int) -> FloatArray:
    """Insert n-1 points on every edge so straight edges bend correctly under distortion."""
    if n <= 1:
        return poly
    nxt = np.roll(poly, -1, axis=0)
    ts = np.arange(n, dtype=np.float64)[None, :, None] / n
    return (poly[:, None, :] + (nxt - poly)[:, None, :] * ts).reshape(-1, poly.shape[1])


def project_polygon(
    rig: CameraRig, poly_world: FloatArray, planes: list[FloatArray] | None = None
) -> FloatArray:
    """World polygon (N,3) → clipped pixel polygon (M,2); empty when not in view."""
    if rig.k1 != 0.0:
        poly_world = subdivide(poly_world, 8)
    pc = rig.world_to_camera(poly_world)
    pc = clip_polygon(pc, planes if planes is not None else rig.frustum_planes())
    if len(pc) < 3:
        return np.zeros((0, 2))
    return rig.camera_to_pixels(pc)


def polygon_area(uv: FloatArray) -> float:
    """Shoelace area in square pixels."""
    if len(uv) < 3:
        return 0.0
    x, y = uv[:, 0], uv[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
