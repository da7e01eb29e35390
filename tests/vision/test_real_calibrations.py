"""The committed calibrations of the real clips (benchmarks/calibrations/*.json).

Each must load through the engine's validation, fit its points to well under the engine's
0.5 m limit, and put its measuring zone inside the picture. Skipped without the clips
(../shared/data), since the picture size comes from the video.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import DATA

CALIB_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "calibrations"
CALIBS = sorted(
    p for p in CALIB_DIR.glob("*.json") if not p.name.endswith((".rows.json", ".marks.json"))
)

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"no real clips under {DATA}")


def _clip(calib: Path) -> Path:
    hits = [p for p in DATA.glob(f"{calib.stem}.*") if p.suffix in (".avi", ".mp4")]
    assert hits, f"{calib.name} names no clip in {DATA}"
    return hits[0]


def _size(clip: Path) -> tuple[int, int]:
    cv2 = pytest.importorskip("cv2")
    cap = cv2.VideoCapture(str(clip))
    try:
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        cap.release()
    assert w > 0 and h > 0, f"cannot read {clip}"
    return w, h


def test_every_clip_is_calibrated_or_says_why() -> None:
    for clip in [*DATA.glob("*.avi"), *DATA.glob("*.mp4")]:
        done = (CALIB_DIR / f"{clip.stem}.json").exists()
        why = (CALIB_DIR / f"{clip.stem}.uncalibrated.txt").exists()
        assert done or why, f"{clip.name}: add a calibration or a .uncalibrated.txt reason"


@pytest.mark.parametrize("calib", CALIBS, ids=[p.stem for p in CALIBS])
def test_calibration_loads_fits_and_zone_in_picture(calib: Path) -> None:
    from cameras.vision.measure.calibration import load_calibration

    cal = load_calibration(calib)
    data = json.loads(calib.read_text())
    assert len(data["image_points"]) >= 6
    # Points span at least two lines across the road and 10 m along it.
    world = np.asarray(data["world_points"], dtype=float)
    assert len(np.unique(np.round(world[:, 0], 2))) >= 2
    assert np.ptp(world[:, 1]) >= 10.0
    assert cal.plane.rms_m < 0.3, f"reprojection RMS {cal.plane.rms_m:.2f} m"
    w, h = _size(_clip(calib))
    corners = cal.plane.world_to_image(cal.zone)
    assert np.all(np.isfinite(corners))
    assert np.all((corners[:, 0] >= 0) & (corners[:, 0] <= w)), corners
    assert np.all((corners[:, 1] >= 0) & (corners[:, 1] <= h)), corners
    # The zone lies within the surveyed stretch (no extrapolation along the road).
    assert cal.zone[:, 1].min() >= world[:, 1].min() - 1.5
    assert cal.zone[:, 1].max() <= world[:, 1].max() + 1.5
