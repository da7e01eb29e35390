"""Drive ultralytics' ``SpeedEstimator`` (the peer) with the tracks our engine produced.

Its YOLO does not see the synthetic cuboids as vehicles (see README), so instead of its own
``model.track`` we hand its unmodified ``process()`` our tracker's boxes and ids each frame:
everything downstream - the box-centre history, the 5-frame window, one metres-per-pixel
scale, nominal-fps timing, the int() truncation - is ultralytics' own code. The comparison
then isolates the *measurement method*, not the detector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cameras.vision.measure.calibration import Calibration
from cameras.vision.measure.source import Frame
from cameras.vision.measure.speed import points_in_polygon
from cameras.vision.measure.track import Track


def metres_per_pixel(cal: Calibration) -> float:
    """The one scale a careful user would give the peer: metres per pixel along the road at
    the zone's centre, measured from the same calibration our engine uses."""
    zone = np.asarray(cal.zone, dtype=np.float64)
    cx, cy = zone.mean(axis=0)
    uv = cal.plane.world_to_image(np.array([[cx, cy - 1.0], [cx, cy + 1.0]]))
    return float(2.0 / np.linalg.norm(uv[1] - uv[0]))


class PeerSpeed:
    """One ultralytics SpeedEstimator fed our tracks; ``zone_only`` feeds only samples whose
    contact point is inside the zone (the kindest setup: its window starts at zone entry)."""

    def __init__(
        self, cal: Calibration, weights: Path, zone_only: bool, max_speed: int = 1000
    ) -> None:
        import torch
        from ultralytics.solutions import SpeedEstimator

        self.torch = torch
        self.cal = cal
        self.zone_only = zone_only
        # max_speed is raised from its default 120 so the cap does not decide the result.
        self.est: Any = SpeedEstimator(
            model=str(weights),
            meter_per_pixel=metres_per_pixel(cal),
            fps=float(cal.fps),
            max_speed=max_speed,
            show=False,
            verbose=False,
        )
        self._boxes: list[list[float]] = []
        self._ids: list[int] = []
        self.est.extract_tracks = self._extract  # type: ignore[method-assign]

    def _extract(self, im0: np.ndarray) -> None:
        est = self.est
        est.boxes = self.torch.tensor(self._boxes, dtype=self.torch.float32).reshape(-1, 4)
        est.track_ids = list(self._ids)
        est.clss = [2] * len(self._ids)
        est.confs = [1.0] * len(self._ids)

    def observe(self, frame: Frame, active: list[Track]) -> None:
        boxes, ids = [], []
        for tr in active:
            if not tr.samples or tr.samples[-1].frame_index != frame.index:
                continue
            box = list(tr.samples[-1].xyxy)
            if self.zone_only:
                bc = np.array([[(box[0] + box[2]) / 2.0, box[3]]])
                world = self.cal.plane.image_to_world(bc)
                if not points_in_polygon(world, np.asarray(self.cal.zone, float))[0]:
                    continue
            boxes.append(box)
            ids.append(tr.track_id)
        self._boxes, self._ids = boxes, ids
        self.est.process(frame.image.copy())  # it draws its labels into the image

    def speeds(self) -> dict[int, float]:
        return {int(k): float(v) for k, v in self.est.spd.items()}
