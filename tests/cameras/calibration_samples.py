"""Calibration inputs and pictures for the operator tests, generated (no files).

The road is the factories' SQUARE_CALIBRATION: a 10 m wide, 40 m long stretch whose
corners sit at known pixels of a 640x480 picture; extra survey points are projected
through the same homography, so a calibration built from them fits exactly.
"""

from __future__ import annotations

import copy
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.geometry import RoadPlane
from tests.factories import SQUARE_CALIBRATION

WIDTH, HEIGHT = 640, 480
_SQUARE: dict[str, Any] = dict(SQUARE_CALIBRATION)
_PLANE = RoadPlane(_SQUARE["image_points"], _SQUARE["world_points"])
EXTRA_WORLD = [[5.0, 10.0], [2.0, 25.0], [8.0, 30.0]]


def project(world: list[list[float]]) -> list[list[float]]:
    return [[round(u, 3), round(v, 3)] for u, v in _PLANE.world_to_image(world).tolist()]


def good_calibration() -> dict[str, Any]:
    """Seven consistent point pairs, a zone inside them, 50 km/h, 30 fps."""
    data = copy.deepcopy(_SQUARE)
    data["world_points"] = data["world_points"] + EXTRA_WORLD
    data["image_points"] = data["image_points"] + project(EXTRA_WORLD)
    return data


def road_picture(seed: int = 0) -> NDArray[np.uint8]:
    """A grey road with lane lines every 2.5 m and dashes every 5 m, plus sensor noise."""
    rng = np.random.default_rng(seed)
    image = np.full((HEIGHT, WIDTH, 3), (90, 110, 70), np.uint8)  # verge (BGR)
    road = np.array(project([[0, 0], [10, 0], [10, 45], [0, 45]]), np.int32)
    cv2.fillPoly(image, [road], (80, 80, 80))
    for x in (0.0, 2.5, 5.0, 7.5, 10.0):
        for y in range(0, 45, 5):
            a, b = project([[x, y], [x, y + 2.5]])
            cv2.line(
                image,
                (round(a[0]), round(a[1])),
                (round(b[0]), round(b[1])),
                (235, 235, 235),
                2,
                cv2.LINE_AA,
            )
    noise = rng.normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def jpeg_bytes(image: NDArray[np.uint8] | None = None) -> bytes:
    ok, buf = cv2.imencode(".jpg", road_picture() if image is None else image)
    assert ok
    return buf.tobytes()
