"""Independent checks on stored evidence stills: what a privacy officer would run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

# Variance of the Laplacian outside the target: a frame as the camera saw it scores
# hundreds (the real clips: 137-205 on the UK clip, 790-920 on the urban one, 1,200-1,500
# on the motorway); the obscured background of a stored still scores under 2 even after
# JPEG (56 stills of the UK and urban clips' packages, 2026-12-06).
MAX_OUTSIDE_SHARPNESS = 20.0


def _cascade(name: str) -> cv2.CascadeClassifier:
    cascade = cv2.CascadeClassifier(str(cv2.data.haarcascades) + name)
    assert not cascade.empty()
    return cascade


FACE_CASCADES = [_cascade("haarcascade_frontalface_default.xml"),
                 _cascade("haarcascade_profileface.xml")]  # fmt: skip


def stills(package: Path) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """(the frame part of each still, its manifest entry), the data strip cut off."""
    manifest = json.loads((package / "manifest.json").read_bytes())
    out = []
    for entry in manifest["files"]:
        if "frame_size" not in entry:
            continue
        image = cv2.imread(str(package / entry["name"]))
        assert image is not None
        w, h = entry["frame_size"]
        out.append((image[:h, :w], entry))
    return out


def faces_found(image: np.ndarray) -> int:
    """Faces the stock OpenCV cascades find, on the image and its mirror, with OpenCV's
    own permissive defaults (scale 1.1, minNeighbors 3) from 20 px up to a quarter of the
    frame's height: a roadside camera sees no face larger, and on smooth obscured areas
    the cascades fire on frame-sized blobs (two such hits, 170 and 191 px in 360 px
    frames, on the urban clip's packages)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    biggest = max(21, gray.shape[0] // 4)
    found = 0
    for cascade in FACE_CASCADES:
        for src in (gray, cv2.flip(gray, 1)):
            hits = cascade.detectMultiScale(
                src, 1.1, 3, minSize=(20, 20), maxSize=(biggest, biggest)
            )
            found += len(hits)
    return found


def outside_sharpness(image: np.ndarray, target_box: list[float]) -> float:
    """Variance of the Laplacian over the still outside the target's box (grown to
    leave out the target marks drawn around it)."""
    h, w = image.shape[:2]
    lap = cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F)
    margin = max(24, w // 30)
    x1, y1, x2, y2 = target_box
    mask = np.ones((h, w), bool)
    top, left = max(0, int(y1) - margin), max(0, int(x1) - margin)
    mask[top : int(y2) + 2 * margin, left : int(x2) + margin] = False
    mask[:2, :] = mask[-2:, :] = mask[:, :2] = mask[:, -2:] = False  # border effects
    return float(lap[mask].var()) if mask.any() else 0.0
