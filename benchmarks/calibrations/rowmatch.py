"""Calibrate from one dashed lane line of known module plus lines at known lateral offsets.

    python -m benchmarks.calibrations.rowmatch benchmarks/calibrations/<clip>.rows.json

Used where the camera fit of ``fit_markings.py`` is ill-conditioned (one dashed line, no
transverse feature, long telephoto). Steps:

1. The dash centres of the dashed line (nearest first) are at y = k*(mark+gap) + mark/2
   along the road. A 1-D projective map v -> y (3 parameters) is fitted to them: its
   residual says whether the line is straight and the module constant (a bend or a wrong
   pick shows up here). The dash *ends* (half-max rows) give the mark:(mark+gap) ratio
   as seen after this rectification, to check the assumed standard.
2. Points on the other lines (edge or lane lines at known lateral offset x) are paired with
   the dashed line's y at the same image row. That assumes image rows are lines of constant
   y (camera roll ~0). A roll only shears the road plane (y' = y + s*x): distances *along*
   a lane, hence speeds, are unchanged; lateral positions shift the zone by s*x.
3. A homography is fitted (least squares, all points) and its reprojection residuals in
   metres are stored in ``_fit``; ``load_calibration`` rejects RMS above 0.5 m.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from scipy.optimize import least_squares


def proj1d(p: np.ndarray, v: np.ndarray) -> np.ndarray:
    a, b, c = p
    return (a * v + b) / (c * v + 1.0)


def fit_v_to_y(v: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y = (a v + b) / (c v + 1) by least squares in y; returns params and residuals (m)."""
    slope = (y[-1] - y[0]) / (v[-1] - v[0])
    p0 = np.array([slope, y[0] - slope * v[0], 0.0])
    sol = least_squares(lambda p: proj1d(p, v) - y, p0, x_scale="jac")
    return sol.x, proj1d(sol.x, v) - y


def calibration(marks: dict[str, Any]) -> dict[str, Any]:
    dash, gap = float(marks["dash_m"]), float(marks["gap_m"])
    module = dash + gap
    cen = np.asarray(marks["dash_centres_px"], dtype=float)  # nearest first
    y_c = np.arange(len(cen)) * module + dash / 2
    p, r_c = fit_v_to_y(cen[:, 1], y_c)
    stats: dict[str, Any] = {
        "dashes": len(cen),
        "dash_centre_rms_m": float(np.sqrt(np.mean(r_c**2))),
        "dash_centre_max_m": float(np.max(np.abs(r_c))),
    }
    ends = marks.get("dash_ends_v")  # [[v_far(top), v_near(bottom)], ...] same order
    if ends:
        e = np.asarray(ends, dtype=float)
        lengths = proj1d(p, e[:, 0]) - proj1d(p, e[:, 1])
        stats["dash_length_m_each"] = [round(float(x), 2) for x in lengths]
        stats["mark_ratio_observed"] = float(np.median(lengths) / module)
        stats["mark_ratio_standard"] = dash / module
    image, world = [], []
    for (u, v), y in zip(cen, y_c, strict=True):
        image.append([float(u), float(v)])
        world.append([0.0, float(y)])
    rows = cen[:, 1]
    for li in marks["lines"]:
        pts = np.asarray(li["points_px"], dtype=float)
        # Ridge picks are noisy (studs, blur): a quadratic u(v), refitted without the
        # picks more than 2.5 sigma off, stands for the line.
        keep = np.ones(len(pts), dtype=bool)
        for _ in range(3):
            c = np.polyfit(pts[keep, 1], pts[keep, 0], 2)
            d = pts[:, 0] - np.polyval(c, pts[:, 1])
            keep = np.abs(d) <= max(2.5 * np.std(d[keep]), 1.0)
        stats.setdefault("line_fit_rms_px", {})[li["name"]] = round(float(np.std(d[keep])), 2)
        lo_v, hi_v = pts[:, 1].min(), pts[:, 1].max()
        for v, y in zip(rows, y_c, strict=True):
            if lo_v - 1 <= v <= hi_v + 1:
                u = float(np.polyval(c, v))
                image.append([u, float(v)])
                world.append([float(li["x_m"]), float(y)])
    img = np.asarray(image, dtype=np.float64)
    wld = np.asarray(world, dtype=np.float64)
    h, _ = cv2.findHomography(img, wld, 0)
    back = cv2.perspectiveTransform(img[None], h)[0]
    res = np.hypot(*(back - wld).T)
    stats["homography_rms_m"] = float(np.sqrt(np.mean(res**2)))
    stats["homography_max_m"] = float(res.max())
    return {
        "image_points": [[round(a, 2), round(b, 2)] for a, b in img],
        "world_points": [[round(a, 3), round(b, 3)] for a, b in wld],
        "zone": marks["zone"],
        "speed_limit_kmh": marks["speed_limit_kmh"],
        "fps": float(marks["fps"]),
        "_fit": stats,
        "_standard": marks.get("standard", ""),
        "_source": "benchmarks/calibrations/rowmatch.py from "
        f"{marks.get('clip', '?')} median frame; assumptions in benchmarks/calibrations/README.md",
    }


def main(argv: list[str] | None = None) -> None:
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        cal = calibration(json.loads(path.read_text()))
        out = path.with_name(path.name.replace(".rows.json", ".json"))
        out.write_text(json.dumps(cal, indent=1) + "\n")
        print(f"{out}: {len(cal['image_points'])} points, fit {json.dumps(cal['_fit'])}")


if __name__ == "__main__":
    main()
