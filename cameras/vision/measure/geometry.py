"""Road-plane geometry: the homography between image pixels and road metres.

Convention: world coordinates are metres on the road plane, ``y`` along the road and ``x``
lateral. The homography maps *undistorted* pixels to road metres; when the calibration
carries a lens model, pixels are undistorted first so that a wide-angle lens does not bend
straight lane lines into a scale error that grows towards the image corners.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from cameras.vision.errors import CalibrationError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Singular-value ratios below these mean the points do not pin down a homography. They are
# relative to the largest singular value of Hartley-normalised data, so they do not depend on
# the units (pixels, metres) or on where the origin was surveyed.
_COLLINEAR_RATIO = 1e-3
_DEGENERATE_RATIO = 1e-3


def as_points(points: ArrayLike, name: str = "points") -> FloatArray:
    """Return ``points`` as a finite (N, 2) float64 array or raise CalibrationError."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim == 1 and arr.size == 2:
        arr = arr.reshape(1, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise CalibrationError(f"{name} must be a list of [a, b] pairs, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise CalibrationError(f"{name} contains a non-finite number (NaN or infinity)")
    return arr


def _normalisation(points: FloatArray) -> FloatArray:
    """Hartley normalisation: centroid at the origin, mean distance sqrt(2)."""
    centroid = points.mean(axis=0)
    dist = np.linalg.norm(points - centroid, axis=1).mean()
    scale = np.sqrt(2.0) / dist if dist > 0 else 1.0
    return np.array(
        [[scale, 0.0, -scale * centroid[0]], [0.0, scale, -scale * centroid[1]], [0.0, 0.0, 1.0]]
    )


def _apply(h: FloatArray, points: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply homography ``h`` to (N, 2) points; returns (mapped points, homogeneous w)."""
    homog = np.c_[points, np.ones(len(points))] @ h.T
    w = homog[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        mapped = homog[:, :2] / w[:, None]
    return mapped, w


def collinearity(points: FloatArray) -> float:
    """Smallest/largest singular value of the centred points: 0 when all lie on one line."""
    centred = points - points.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    return float(s[-1] / s[0]) if s[0] > 0 else 0.0


def dlt_conditioning(src: FloatArray, dst: FloatArray) -> float:
    """Second-smallest/largest singular value of the normalised DLT system.

    A homography has 8 degrees of freedom, so the 9-column DLT matrix of a well-posed set
    has a one-dimensional null space: the second-smallest singular value is clearly
    non-zero. It collapses when e.g. three of four points are collinear, which the plain
    "all on one line" test does not catch.
    """
    ts, td = _normalisation(src), _normalisation(dst)
    s, _ = _apply(ts, src)
    d, _ = _apply(td, dst)
    n = len(s)
    a = np.zeros((2 * n, 9))
    a[0::2, 0:2] = -s
    a[0::2, 2] = -1
    a[0::2, 6:8] = s * d[:, :1]
    a[0::2, 8] = d[:, 0]
    a[1::2, 3:5] = -s
    a[1::2, 5] = -1
    a[1::2, 6:8] = s * d[:, 1:2]
    a[1::2, 8] = d[:, 1]
    if len(a) < 9:  # 4 points give 8 rows: pad so that all 9 singular values exist
        a = np.vstack([a, np.zeros((9 - len(a), 9))])
    sv = np.linalg.svd(a, compute_uv=False)
    return float(sv[-2] / sv[0])


@dataclass(frozen=True)
class LensModel:
    """Pinhole intrinsics and OpenCV distortion coefficients."""

    camera_matrix: FloatArray
    dist_coeffs: FloatArray


class RoadPlane:
    """Homography between image pixels and road-plane metres, fitted by least squares.

    Raises CalibrationError for fewer than 4 pairs, mismatched counts, collinear or otherwise
    degenerate points, and fits that put some of the surveyed points behind the camera.
    """

    def __init__(
        self,
        image_points: ArrayLike,
        world_points: ArrayLike,
        lens: LensModel | None = None,
    ) -> None:
        img = as_points(image_points, "image_points")
        wld = as_points(world_points, "world_points")
        if len(img) != len(wld):
            raise CalibrationError(
                f"image_points has {len(img)} points but world_points has {len(wld)}: "
                "every image point needs the surveyed road point it shows, in the same order"
            )
        if len(img) < 4:
            raise CalibrationError(
                f"a road-plane homography needs at least 4 point pairs, got {len(img)}: "
                "survey at least 4 road marks (better 6 or more, spread over the zone)"
            )
        for name, pts in (("world_points", wld), ("image_points", img)):
            if collinearity(pts) < _COLLINEAR_RATIO:
                raise CalibrationError(
                    f"all {len(pts)} {name} lie on (nearly) one line: the homography is "
                    "undetermined; survey points across the road as well as along it"
                )
        self.lens = lens
        self.image_points = img
        self.world_points = wld
        undist = self.undistort(img)
        if dlt_conditioning(undist, wld) < _DEGENERATE_RATIO:
            raise CalibrationError(
                "the point pairs do not determine a homography (three of four points "
                "collinear, or repeated points): add points that are not on one line"
            )
        h, _ = cv2.findHomography(undist, wld, method=0)
        if h is None or not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) < 1e-300:
            raise CalibrationError("the homography fit failed: check the point pairs")
        hf: FloatArray = np.asarray(h, dtype=np.float64)
        self.h: FloatArray = hf / hf[2, 2] if abs(hf[2, 2]) > 1e-12 else hf
        self.h_inv: FloatArray = np.asarray(np.linalg.inv(self.h), dtype=np.float64)
        # The sign of w when mapping road points into the image tells the camera's side of
        # the horizon. All surveyed points are visible, so they fix which sign is "in front".
        _, w = _apply(self.h_inv, wld)
        if not (np.all(w > 0) or np.all(w < 0)):
            raise CalibrationError(
                "the fitted homography puts some surveyed points behind the horizon, so the "
                "pairs contradict each other: check that each image point matches its road point"
            )
        self._front_sign = float(np.sign(w[0]))
        _, w_img = _apply(self.h, undist)
        if not (np.all(w_img > 0) or np.all(w_img < 0)):
            raise CalibrationError(
                "the fitted homography folds the image (surveyed pixels map to both sides of "
                "the horizon): check the point order"
            )
        self._img_sign = float(np.sign(w_img[0]))
        self._perturbed: dict[tuple[float, int, int], FloatArray] = {}

    # -- mapping -------------------------------------------------------------------------
    def undistort(self, image_points: ArrayLike) -> FloatArray:
        """Remove lens distortion from pixel coordinates (identity without a lens model)."""
        pts = np.asarray(image_points, dtype=np.float64).reshape(-1, 2)
        if self.lens is None or len(pts) == 0:
            return pts
        und = cv2.undistortPoints(
            pts.reshape(-1, 1, 2),
            self.lens.camera_matrix,
            self.lens.dist_coeffs,
            P=self.lens.camera_matrix,
        )
        return np.asarray(und, dtype=np.float64).reshape(-1, 2)

    def distort(self, undistorted: FloatArray) -> FloatArray:
        """Inverse of :meth:`undistort`: ideal pixels back to what the lens shows."""
        if self.lens is None or len(undistorted) == 0:
            return undistorted
        k = self.lens.camera_matrix
        rays = np.c_[undistorted, np.ones(len(undistorted))] @ np.linalg.inv(k).T
        projected, _ = cv2.projectPoints(
            rays.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), k, self.lens.dist_coeffs
        )
        return np.asarray(projected, dtype=np.float64).reshape(-1, 2)

    def image_to_world(self, image_points: ArrayLike) -> FloatArray:
        """Pixels (N, 2) to road metres (N, 2). Pixels above the horizon give NaN."""
        und = self.undistort(image_points)
        world, w = _apply(self.h, und)
        # Pixels above the horizon have no road point; w flips sign there (or vanishes).
        world[w * self._img_sign <= 0] = np.nan
        return world

    def world_to_image(self, world_points: ArrayLike) -> FloatArray:
        """Road metres (N, 2) to pixels (N, 2). Points behind the horizon give NaN."""
        pts = np.asarray(world_points, dtype=np.float64).reshape(-1, 2)
        img, w = _apply(self.h_inv, pts)
        img[w * self._front_sign <= 0] = np.nan
        return self.distort(img)

    def in_front(self, world_points: ArrayLike, margin: float = 1e-9) -> NDArray[np.bool_]:
        """True for road points on the camera's side of the horizon (they can be imaged)."""
        pts = np.asarray(world_points, dtype=np.float64).reshape(-1, 2)
        _, w = _apply(self.h_inv, pts)
        # Relative margin: w of a surveyed point is the reference scale.
        _, w_ref = _apply(self.h_inv, self.world_points)
        return np.asarray(w * self._front_sign > margin * np.abs(w_ref).max())

    def pixels_per_metre(self, world_points: ArrayLike) -> FloatArray:
        """Image length (px) of one lateral road metre at each road point: the local scale."""
        pts = np.asarray(world_points, dtype=np.float64).reshape(-1, 2)
        off = np.array([0.5, 0.0])
        a = self.world_to_image(pts - off)
        b = self.world_to_image(pts + off)
        return np.asarray(np.linalg.norm(b - a, axis=1))

    # -- quality -------------------------------------------------------------------------
    @property
    def residuals_m(self) -> FloatArray:
        """Per-point distance (m) between each surveyed point and its image point's projection."""
        proj = self.image_to_world(self.image_points)
        return np.asarray(np.linalg.norm(proj - self.world_points, axis=1))

    @property
    def rms_m(self) -> float:
        """Root-mean-square reprojection residual on the road plane, in metres."""
        return float(np.sqrt(np.mean(self.residuals_m**2)))

    @property
    def dof(self) -> int:
        """Redundant equations: 2N - 8. With 0 the residuals are zero whatever the survey."""
        return 2 * len(self.image_points) - 8

    def image_roi(
        self,
        world_polygon: ArrayLike,
        width: int,
        height: int,
        along_margin_m: float = 6.0,
        lateral_margin_m: float = 1.0,
        top_margin: float = 0.6,
    ) -> tuple[int, int, int, int]:
        """Image rectangle (x0, y0, x1, y1) in which to detect vehicles for this zone.

        The zone's road-plane bounding box is grown by ``along_margin_m`` along the road so
        that vehicles are seen whole - and their tracks established - before they enter
        and after they leave (entry and exit must be observed), and by
        ``lateral_margin_m`` sideways. A vehicle's body rises above its footprint in the
        image, so the rectangle also grows upwards by ``top_margin`` of its height.
        """
        poly = as_points(world_polygon, "zone")
        (xa, ya), (xb, yb) = poly.min(axis=0), poly.max(axis=0)
        xa, xb = xa - lateral_margin_m, xb + lateral_margin_m
        ya, yb = ya - along_margin_m, yb + along_margin_m
        t = np.linspace(0.0, 1.0, 17)
        # Densified edges follow lens distortion (straight road lines bend in the image).
        edges = [
            np.c_[xa + t * (xb - xa), np.full_like(t, ya)],
            np.c_[xa + t * (xb - xa), np.full_like(t, yb)],
            np.c_[np.full_like(t, xa), ya + t * (yb - ya)],
            np.c_[np.full_like(t, xb), ya + t * (yb - ya)],
        ]
        dense = np.vstack(edges)
        img = self.world_to_image(dense)
        finite = np.all(np.isfinite(img), axis=1)
        if not np.any(finite):
            return (0, 0, width, height)
        pts = img[finite]
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        h = y1 - y0
        y0 = y0 - top_margin * h
        if not np.all(finite):
            y0 = 0.0  # part of the grown box is beyond the horizon: keep everything above
        return (
            int(np.clip(np.floor(x0), 0, width)),
            int(np.clip(np.floor(y0), 0, height)),
            int(np.clip(np.ceil(x1), 0, width)),
            int(np.clip(np.ceil(y1), 0, height)),
        )

    # -- contact positions and calibration uncertainty ------------------------------------
    def along_road_at_row(self, image_points: ArrayLike, lateral_m: float) -> FloatArray:
        """Along-road position (m) of the road point on the line ``x = lateral_m`` that the
        camera sees on each image point's (undistorted) row.

        A vehicle's lowest image point is a corner of its near end, whose image column
        moves about the box as perspective changes the box's width; its row does not. On
        one lateral line the row fixes the along-road position, so a track's positions
        depend on the box bottoms alone, and a lateral offset of the line shifts every
        position alike (no speed error) instead of bending the trajectory.
        """
        und = self.undistort(image_points)
        v = und[:, 1]
        h = self.h_inv  # world -> undistorted image
        x = float(lateral_m)
        num = h[1, 0] * x + h[1, 2] - v * (h[2, 0] * x + h[2, 2])
        den = v * h[2, 1] - h[1, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            y = num / den
        y = np.where(np.abs(den) > 1e-12, y, np.nan)
        # A row above the horizon of that line has no road point in front of the camera.
        bad = ~self.in_front(np.c_[np.full(len(y), x), np.nan_to_num(y)])
        y[bad] = np.nan
        return np.asarray(y, dtype=np.float64)

    def row_shift_change(self, ends: FloatArray, lateral_m: float, shift_px: float) -> float:
        """Change (m) of the along-road distance between two image points when both move
        ``shift_px`` down the image: what a constant pixel offset of a box bottom does to
        a measured distance, since a pixel spans more road far away than near."""
        shifted = np.asarray(ends, dtype=np.float64) + np.array([0.0, shift_px])
        y = self.along_road_at_row(np.vstack([ends, shifted]), lateral_m)
        change = (y[3] - y[2]) - (y[1] - y[0])
        return float(abs(change)) if math.isfinite(change) else float("inf")

    def perturbed_homographies(
        self, sigma_m: float, n: int = 200, seed: int = 0
    ) -> NDArray[np.float64]:
        """(n, 3, 3) homographies refitted with every surveyed road point moved by an
        independent N(0, sigma_m) error in each coordinate: draws of what the survey
        could have given, for propagating its uncertainty into distances."""
        cache = self._perturbed
        key = (round(float(sigma_m), 9), n, seed)
        if key not in cache:
            rng = np.random.default_rng(seed)
            undist = self.undistort(self.image_points)
            out = []
            for _ in range(n):
                wld = self.world_points + rng.normal(0.0, sigma_m, self.world_points.shape)
                h, _ = cv2.findHomography(undist, wld, method=0)
                if h is not None and np.all(np.isfinite(h)):
                    out.append(h / h[2, 2])
            cache[key] = np.asarray(out, dtype=np.float64).reshape(-1, 3, 3)
        return np.asarray(cache[key])

    def distance_rel_sigma(self, image_a: ArrayLike, image_b: ArrayLike, sigma_m: float) -> float:
        """Relative standard uncertainty of the road distance between two image points due
        to a survey with per-point standard uncertainty ``sigma_m``.

        Survey errors bend the whole fitted plane smoothly, so the errors of two nearby
        positions are strongly correlated: the distance between them is far better known
        than each position. Propagating through refitted homographies accounts for that
        (and for how many points were surveyed and where) without a closed form.
        """
        pts = self.undistort(np.vstack([image_a, image_b]).reshape(2, 2))
        hs = self.perturbed_homographies(sigma_m)
        if len(hs) < 10:
            return float("inf")
        homog = np.einsum("kij,pj->kpi", hs, np.c_[pts, np.ones(2)])
        world = homog[:, :, :2] / homog[:, :, 2:3]
        dist = np.linalg.norm(world[:, 1] - world[:, 0], axis=1)
        base = np.linalg.norm(np.diff(self.image_to_world(np.vstack([image_a, image_b])), axis=0))
        if not np.isfinite(base) or base <= 0:
            return float("inf")
        return float(np.std(dist) / base)


def box_contacts(boxes: FloatArray) -> FloatArray:
    """Image road-contact points of (N, 4) xyxy boxes: each box's bottom-centre, where a
    vehicle stands on the road (its centre is on the body, above the road)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.asarray(np.c_[(boxes[:, 0] + boxes[:, 2]) / 2.0, boxes[:, 3]], dtype=np.float64)


# -- road-plane polygons (the measurement zone) ---------------------------------------------
def points_in_polygon(points: FloatArray, poly: FloatArray) -> BoolArray:
    """Even-odd ray casting, vectorised over points and edges."""
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    px, py = points[:, 0:1], points[:, 1:2]
    ax, ay = poly[:, 0], poly[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    straddles = (ay > py) != (by > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
    crossings = straddles & (px < x_cross)
    inside = np.asarray(crossings.sum(axis=1) % 2 == 1)
    return inside & np.all(np.isfinite(points), axis=1)


def zone_extent_at(poly: FloatArray, x: float) -> tuple[float, float]:
    """Along-road (y) extent of the polygon on the line at lateral position ``x``."""
    ax, ay = poly[:, 0], poly[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    hit = (np.minimum(ax, bx) <= x) & (x <= np.maximum(ax, bx)) & (ax != bx)
    if not np.any(hit):
        return float(ay.min()), float(ay.max())
    ys = ay[hit] + (x - ax[hit]) * (by[hit] - ay[hit]) / (bx[hit] - ax[hit])
    return float(ys.min()), float(ys.max())
