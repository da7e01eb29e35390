"""Fit a camera to lane markings of known standard size, and write a calibration file.

    python -m benchmarks.calibrations.fit_markings benchmarks/calibrations/<clip>.marks.json

A ``.marks.json`` holds what was read off the clip's median frame (see README.md here):
the image centres of consecutive dashes of one lane line (their spacing is the national
mark+gap module), image points on other lane/edge lines with their lateral offset from
that dashed line, and the assumed lane geometry. We fit a pinhole camera (height, tilt,
pan, roll, focal length, position) plus, for a bending road, a constant curvature, so that
the dashes land at multiples of the module and the other lines at their offsets. The
calibration's point pairs are then surveyed *virtually*: lane-line points at chosen
stations projected through the fitted camera. Residuals of the fit are printed and stored:
they say how well the straight/curved-road assumption holds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from cameras.vision.synth.camera import CameraRig


def _rig(p: np.ndarray, w: int, h: int, fps: float) -> CameraRig:
    v = [float(x) for x in p]
    return CameraRig(
        height_m=v[0],
        tilt_deg=v[1],
        pan_deg=v[2],
        roll_deg=v[3],
        focal_px=v[4],
        x_m=v[5],
        y_m=v[6],
        width=w,
        height=h,
        fps=fps,
    )


def lane_x(x_off: float, y: np.ndarray, kappa: float) -> np.ndarray:
    """Lateral position of a lane line at distance y on a road of constant curvature."""
    return x_off + 0.5 * kappa * y * y


def fit(marks: dict[str, Any]) -> tuple[CameraRig, float, dict[str, float]]:
    w, h = marks["size"]
    fps = float(marks["fps"])
    module = float(marks["dash_m"]) + float(marks["gap_m"])
    dashes = np.asarray(marks["dash_centres_px"], dtype=float)  # nearest first
    ys_dash = np.arange(len(dashes)) * module + float(marks["dash_m"]) / 2
    lines = [(float(li["x_m"]), np.asarray(li["points_px"], dtype=float)) for li in marks["lines"]]
    curved = bool(marks.get("curved", False))

    def residuals(q: np.ndarray) -> np.ndarray:
        kappa = q[7] if curved else 0.0
        rig = _rig(q[:7], w, h, fps)
        pd = np.column_stack([lane_x(0.0, ys_dash, kappa), ys_dash])
        r = [(rig.project(pd)[0] - dashes).ravel()]
        for x_off, pts in lines:
            g = rig.unproject(pts)
            # metres off the line, weighted to ~pixels by the local scale of one metre
            scale = rig.focal_px / np.maximum(np.hypot(g[:, 0] - rig.x_m, g[:, 1] - rig.y_m), 1.0)
            r.append((g[:, 0] - lane_x(x_off, g[:, 1], kappa)) * scale)
        out = np.concatenate(r)
        return np.nan_to_num(out, nan=1e3)

    q0 = np.array([*marks.get("init", [8.0, 12.0, 0.0, 0.0, float(w), 0.0, -30.0]), 0.0])
    if not curved:
        q0 = q0[:7]
    # Physical bounds keep the solver away from degenerate cameras (focal -> 0 etc.).
    # A zoomed roadside/CCTV camera can be a long telephoto (focal tens of image widths, the
    # first dash 100+ m away): "focal_max_w" / "distance_max_m" in the marks widen the box.
    f_max = float(marks.get("focal_max_w", 8.0)) * w
    d_max = float(marks.get("distance_max_m", 300.0))
    lo = [2.0, 0.0, -80.0, -20.0, 0.3 * w, -60.0, -d_max, -0.02][: len(q0)]
    hi = [40.0, 70.0, 80.0, 20.0, f_max, 60.0, 0.0, 0.02][: len(q0)]
    sol = least_squares(
        residuals, np.clip(q0, lo, hi), bounds=(lo, hi), x_scale="jac", max_nfev=20000
    )
    res = residuals(sol.x)
    n_d = 2 * len(dashes)
    stats = {
        "dash_rms_px": float(np.sqrt(np.mean(res[:n_d] ** 2))),
        "line_rms_px": float(np.sqrt(np.mean(res[n_d:] ** 2))) if len(res) > n_d else 0.0,
        "kappa_per_m": float(sol.x[7]) if curved else 0.0,
    }
    return _rig(sol.x[:7], w, h, fps), stats["kappa_per_m"], stats


def calibration(marks: dict[str, Any]) -> dict[str, Any]:
    rig, kappa, stats = fit(marks)
    module = float(marks["dash_m"]) + float(marks["gap_m"])
    offsets = sorted({0.0, *[float(li["x_m"]) for li in marks["lines"]]})
    image, world = [], []
    for k in range(marks.get("survey_dashes", 4)):
        for y in (k * module, k * module + float(marks["dash_m"])):
            for x_off in offsets:
                xw = float(lane_x(x_off, np.array([y]), kappa)[0])
                uv = rig.project(np.array([[xw, y]]))[0][0]
                if np.all(np.isfinite(uv)) and 0 <= uv[0] < rig.width and 0 <= uv[1] < rig.height:
                    image.append([round(float(uv[0]), 2), round(float(uv[1]), 2)])
                    world.append([round(xw, 3), round(y, 3)])
    return {
        "image_points": image,
        "world_points": world,
        "zone": marks["zone"],
        "speed_limit_kmh": marks["speed_limit_kmh"],
        "fps": float(marks["fps"]),
        "_fitted_camera": {
            "height_m": rig.height_m,
            "tilt_deg": rig.tilt_deg,
            "pan_deg": rig.pan_deg,
            "roll_deg": rig.roll_deg,
            "focal_px": rig.focal_px,
            "x_m": rig.x_m,
            "y_m": rig.y_m,
        },
        "_fit": stats,
        "_source": "fitted to lane markings by benchmarks/calibrations/fit_markings.py; "
        "assumptions in benchmarks/calibrations/README.md",
    }


def main(argv: list[str] | None = None) -> None:
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        marks = json.loads(path.read_text())
        cal = calibration(marks)
        out = path.with_name(path.name.replace(".marks.json", ".json"))
        out.write_text(json.dumps(cal, indent=1))
        print(
            f"{out}: {len(cal['image_points'])} points, fit {cal['_fit']}, "
            f"camera { ({k: round(v, 2) for k, v in cal['_fitted_camera'].items()}) }"
        )


if __name__ == "__main__":
    main()
