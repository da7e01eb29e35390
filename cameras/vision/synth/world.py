"""Road and vehicles of the synthetic scene: geometry, kinematics and the static background.

Vehicles are cuboids whose bottom face lies on the road (z=0). The measurement engine
takes the lowest image point of a vehicle as its road-contact point, and that is only
true of the render if nothing of the vehicle hangs below z=0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.synth.camera import CameraRig, FloatArray

# length, width, height in metres
VEHICLE_SIZES: dict[str, tuple[float, float, float]] = {
    "car": (4.5, 1.8, 1.5),
    "suv": (4.9, 1.95, 1.8),
    "van": (5.4, 2.05, 2.4),
    "truck": (10.0, 2.5, 3.5),
    "motorcycle": (2.1, 0.8, 1.4),
}

# BGR. Dark and road-grey bodies are deliberately included: they are the hard cases for
# background subtraction on asphalt.
COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (235, 235, 232),
    "silver": (188, 186, 182),
    "black": (28, 28, 30),
    "dark_grey": (60, 62, 64),
    "road_grey": (98, 98, 100),
    "red": (40, 40, 190),
    "blue": (150, 70, 30),
    "dark_green": (50, 80, 35),
    "yellow": (40, 200, 230),
}

ASPHALT_BGR = np.array([92.0, 93.0, 96.0])
GRASS_BGR = np.array([55.0, 110.0, 80.0])
GRAVEL_BGR = np.array([120.0, 130.0, 140.0])
PAINT_BGR = np.array([225.0, 228.0, 230.0])
SKY_TOP_BGR = np.array([220.0, 180.0, 140.0])
SKY_HORIZON_BGR = np.array([235.0, 225.0, 215.0])


@dataclass(frozen=True)
class RoadSpec:
    """A straight road along +y: n lanes of equal width starting at x0_m (left edge)."""

    n_lanes: int = 4
    lane_width_m: float = 3.5
    x0_m: float = -7.0
    dash_m: float = 3.0
    gap_m: float = 9.0
    line_width_m: float = 0.15
    shoulder_m: float = 1.0
    dash_phase_m: float = 0.0

    @property
    def x1_m(self) -> float:
        return self.x0_m + self.n_lanes * self.lane_width_m

    def lane_centre(self, i: int) -> float:
        return self.x0_m + (i + 0.5) * self.lane_width_m

    def dash_points(self, y_lo: float, y_hi: float) -> list[tuple[float, float]]:
        """Corners of the dashes of the inner lane lines between y_lo and y_hi (surveyable)."""
        period = self.dash_m + self.gap_m
        k0 = math.floor((y_lo - self.dash_phase_m) / period)
        k1 = math.ceil((y_hi - self.dash_phase_m) / period)
        hw = self.line_width_m / 2.0
        pts: list[tuple[float, float]] = []
        for j in range(1, self.n_lanes):
            xc = self.x0_m + j * self.lane_width_m
            for k in range(k0, k1 + 1):
                ys = self.dash_phase_m + k * period
                for y in (ys, ys + self.dash_m):
                    if y_lo <= y <= y_hi:
                        pts.extend([(xc - hw, y), (xc + hw, y)])
        return pts


@dataclass(frozen=True)
class VehicleSpec:
    """One vehicle. direction +1 drives away from the camera (+y), -1 towards it.

    ``y_start_m`` is the y of the vehicle's centre at ``t_start_s``; None lets the renderer
    start it just out of view. Before ``t_start_s`` the vehicle does not exist.
    """

    speed_kmh: float
    lane_x_m: float
    direction: int = 1
    t_start_s: float = 0.0
    kind: str = "car"
    colour: str = "silver"
    accel_mps2: float = 0.0
    y_start_m: float | None = None
    size_m: tuple[float, float, float] | None = None
    # Photo vehicles: image files (BGR, a vehicle's front / rear seen end-on) stretched over
    # the cuboid's front / rear face; ``colour_bgr`` (sampled from the photo) paints the
    # other faces instead of the named ``colour``.
    photo_front: str | None = None
    photo_rear: str | None = None
    colour_bgr: tuple[int, int, int] | None = None

    @property
    def dims(self) -> tuple[float, float, float]:
        return self.size_m if self.size_m is not None else VEHICLE_SIZES[self.kind]


@dataclass
class Vehicle:
    """A placed vehicle (spec + resolved start position)."""

    vid: int
    spec: VehicleSpec
    y_start_m: float
    colour_bgr: tuple[int, int, int] = field(default=(188, 186, 182))

    def travelled_m(self, t: float) -> float:
        tau = t - self.spec.t_start_s
        if tau < 0:
            return 0.0
        v = self.spec.speed_kmh / 3.6
        a = self.spec.accel_mps2
        if a < 0 and v + a * tau < 0:  # braking to a stop, never reversing
            tau = v / -a
        return v * tau + 0.5 * a * tau * tau

    def exists(self, t: float) -> bool:
        return t >= self.spec.t_start_s

    def centre_y(self, t: float) -> float:
        return self.y_start_m + self.spec.direction * self.travelled_m(t)

    def speed_mps(self, t: float) -> float:
        tau = max(0.0, t - self.spec.t_start_s)
        return max(0.0, self.spec.speed_kmh / 3.6 + self.spec.accel_mps2 * tau)

    def time_at_centre_y(self, y: float) -> float | None:
        """First time the centre reaches y (None if never)."""
        s = (y - self.y_start_m) * self.spec.direction
        if s < 0:
            return None
        v = self.spec.speed_kmh / 3.6
        a = self.spec.accel_mps2
        if abs(a) < 1e-12:
            return self.spec.t_start_s + s / v if v > 0 else None
        disc = v * v + 2 * a * s
        if disc < 0:
            return None
        return self.spec.t_start_s + (-v + math.sqrt(disc)) / a

    def contact_offsets(self) -> dict[str, float]:
        """y offsets from the centre to the front and rear bottom edges (in travel sense)."""
        half = self.spec.dims[0] / 2.0
        return {"front": self.spec.direction * half, "rear": -self.spec.direction * half}

    def corners(self, t: float) -> FloatArray:
        """8 corners (bottom 4 then top 4) in the world frame."""
        length, width, height = self.spec.dims
        yc = self.centre_y(t)
        x0, x1 = self.spec.lane_x_m - width / 2, self.spec.lane_x_m + width / 2
        y0, y1 = yc - length / 2, yc + length / 2
        bottom = np.array([[x0, y0, 0], [x1, y0, 0], [x1, y1, 0], [x0, y1, 0]], dtype=float)
        top = bottom.copy()
        top[:, 2] = height
        return np.vstack([bottom, top])


# -- static background ------------------------------------------------------------------------
def _tile_noise(rng: np.random.Generator, size: int, blur: float) -> NDArray[np.float32]:
    noise = rng.normal(0.0, 1.0, (size, size)).astype(np.float32)
    if blur > 0:
        # OpenCV's blur has no wrap-around border: pad periodically so the tile stays seamless
        pad = math.ceil(4 * blur)
        big = np.pad(noise, pad, mode="wrap")
        noise = np.asarray(cv2.GaussianBlur(big, (0, 0), blur), np.float32)[pad:-pad, pad:-pad]
    return noise / max(float(noise.std()), 1e-6)


def _sample_tile(
    tile: NDArray[np.float32], x: FloatArray, y: FloatArray, m_per_px: float
) -> NDArray[np.float32]:
    n = tile.shape[0]
    mx = np.mod(x / m_per_px, n).astype(np.float32)
    my = np.mod(y / m_per_px, n).astype(np.float32)
    return np.asarray(
        cv2.remap(tile, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP), np.float32
    )


def render_background(
    rig: CameraRig, road: RoadSpec, seed: int, supersample: int = 2
) -> NDArray[np.uint8]:
    """Road, markings, verge and sky as seen by the rig (BGR uint8), super-sampled.

    The scene is static, so this runs once per scene; frames start from a copy of it.
    """
    rng = np.random.default_rng(seed)
    s = supersample
    h, w = rig.height * s, rig.width * s
    # Sub-pixel centres in output-pixel units. OpenCV (projection, fillPoly, remap) puts
    # pixel centres at integer coordinates, so output pixel i spans [i-0.5, i+0.5].
    us = (np.arange(w, dtype=np.float64) + 0.5) / s - 0.5
    vs = (np.arange(h, dtype=np.float64) + 0.5) / s - 0.5
    uu, vv = np.meshgrid(us, vs)
    uv = np.column_stack([uu.ravel(), vv.ravel()])
    rays = rig.pixel_rays(uv)
    c = rig.centre
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -c[2] / rays[:, 2]
    ground = (t > 0) & (t < 2000.0)
    t = np.where(ground, t, 2000.0)
    gx = (c[0] + rays[:, 0] * t).reshape(h, w)
    gy = (c[1] + rays[:, 1] * t).reshape(h, w)
    dist = (t * np.linalg.norm(rays, axis=1)).reshape(h, w)
    ground = ground.reshape(h, w)

    fine = _tile_noise(rng, 512, 0.7)
    coarse = _tile_noise(rng, 256, 3.0)
    # Metres covered by one output pixel at that distance: fine texture fades out where a
    # pixel spans several texels (it would alias into shimmering noise otherwise).
    footprint = dist / rig.focal_px
    fine_amp = np.clip(0.03 / np.maximum(footprint, 1e-6), 0.0, 1.0).astype(np.float32)
    n_fine = _sample_tile(fine, gx, gy, 0.02) * fine_amp
    n_coarse = _sample_tile(coarse, gx, gy, 0.25)

    img = np.empty((h, w, 3), dtype=np.float32)
    on_road = (gx >= road.x0_m) & (gx <= road.x1_m)
    shoulder = (
        (~on_road) & (gx >= road.x0_m - road.shoulder_m) & (gx <= road.x1_m + road.shoulder_m)
    )
    grass = ~(on_road | shoulder)
    tex = (9.0 * n_fine + 5.0 * n_coarse)[..., None]
    img[:] = ASPHALT_BGR
    img[shoulder] = GRAVEL_BGR
    img[grass] = GRASS_BGR + 12.0 * n_coarse[grass][:, None]
    img += np.where(grass[..., None], 0.0, tex)

    # Lane markings. Solid edge lines sit just inside the road edges.
    hw = road.line_width_m / 2.0
    paint = np.zeros((h, w), dtype=bool)
    for xe in (road.x0_m + 0.3, road.x1_m - 0.3):
        paint |= np.abs(gx - xe) <= hw
    period = road.dash_m + road.gap_m
    in_dash = np.mod(gy - road.dash_phase_m, period) < road.dash_m
    for j in range(1, road.n_lanes):
        xc = road.x0_m + j * road.lane_width_m
        paint |= (np.abs(gx - xc) <= hw) & in_dash
    img[paint & ground] = PAINT_BGR + 4.0 * n_coarse[paint & ground][:, None]

    # Haze towards the horizon, then sky above it.
    haze = np.clip((dist - 150.0) / 600.0, 0.0, 1.0)[..., None]
    img = img * (1 - haze) + SKY_HORIZON_BGR * haze
    up = np.clip(
        rays[:, 2].reshape(h, w) / np.maximum(np.linalg.norm(rays, axis=1).reshape(h, w), 1e-9),
        0.0,
        1.0,
    )[..., None]
    sky = SKY_HORIZON_BGR * (1 - np.sqrt(up)) + SKY_TOP_BGR * np.sqrt(up)
    img = np.where(ground[..., None], img, sky)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if s > 1:
        out = np.asarray(
            cv2.resize(out, (rig.width, rig.height), interpolation=cv2.INTER_AREA), np.uint8
        )
    return out
