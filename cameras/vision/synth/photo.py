"""Photographs on vehicle faces: a real vehicle's front or rear, perspective-warped into
the projected quad of the cuboid's end face (no Django; NumPy/OpenCV only).

The photograph covers the whole face (its alpha is the crop's rectangle, clipped to the
face's visible polygon), so the vehicle's box, road contact and ground truth stay those of
the cuboid. Only the picture on the face changes: a detector trained on real vehicles
(YOLO on COCO) sees a car or a truck there, which it never does on a flat-coloured box.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.synth.camera import NEAR_M, CameraRig, FloatArray


@functools.lru_cache(maxsize=256)
def load_photo(path: str) -> NDArray[np.uint8]:
    """The photo as BGR uint8 (cached: every frame of a scene draws the same few)."""
    img = cv2.imread(str(Path(path)), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"cannot read vehicle photo {path}")
    return np.asarray(img, np.uint8)


def photo_for(
    role: str, photo_front: str | None, photo_rear: str | None
) -> NDArray[np.uint8] | None:
    """The photo a face of this role carries, if any ("front" / "rear")."""
    path = photo_front if role == "front" else photo_rear if role == "rear" else None
    return load_photo(path) if path else None


def draw_photo_face(
    frame: NDArray[np.uint8],
    rig: CameraRig,
    quad: FloatArray,
    clipped_fixed: NDArray[np.int32],
    shift: int,
    photo: NDArray[np.uint8],
) -> bool:
    """Warp ``photo`` onto the face ``quad`` (4 world corners: bottom-left, bottom-right,
    top-right, top-left as seen from outside) inside the face's clipped, projected
    polygon ``clipped_fixed`` (fixed point, ``shift`` bits). False when the face cannot be
    warped (a corner behind the camera or outside the lens's valid radius): the caller
    then paints it flat."""
    uv, z = rig.project(quad)
    if np.isnan(uv).any() or (z <= NEAR_M).any():
        return False
    h, w = frame.shape[:2]
    scale = float(1 << shift)
    pts = clipped_fixed.reshape(-1, 2) / scale
    x0 = max(0, math.floor(float(pts[:, 0].min())) - 1)
    y0 = max(0, math.floor(float(pts[:, 1].min())) - 1)
    x1 = min(w, math.ceil(float(pts[:, 0].max())) + 2)
    y1 = min(h, math.ceil(float(pts[:, 1].max())) + 2)
    if x1 <= x0 or y1 <= y0:
        return True
    # Shrink the photo first to about the size it is drawn at: warpPerspective samples
    # bilinearly and would alias a large photo drawn small.
    edge = max(
        float(np.linalg.norm(uv[1] - uv[0])),
        float(np.linalg.norm(uv[2] - uv[1])),
        float(np.linalg.norm(uv[3] - uv[2])),
        float(np.linalg.norm(uv[0] - uv[3])),
        2.0,
    )
    ph, pw = photo.shape[:2]
    shrink = edge / max(ph, pw)
    if shrink < 0.8:
        photo = np.asarray(
            cv2.resize(
                photo,
                (max(2, round(pw * shrink)), max(2, round(ph * shrink))),
                interpolation=cv2.INTER_AREA,
            ),
            np.uint8,
        )
        ph, pw = photo.shape[:2]
    # Pixel centres sit on integers: the photo's outer edges are at -0.5 and size-0.5.
    src = np.array(
        [[-0.5, ph - 0.5], [pw - 0.5, ph - 0.5], [pw - 0.5, -0.5], [-0.5, -0.5]], dtype=np.float32
    )
    dst = (uv - np.array([x0, y0], dtype=np.float64)).astype(np.float32)
    hom = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(
        photo, hom, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    alpha = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    off = (-x0 * (1 << shift), -y0 * (1 << shift))
    cv2.fillPoly(alpha, [clipped_fixed], 255, cv2.LINE_AA, shift, off)
    a = (alpha.astype(np.float32) / 255.0)[..., None]
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(roi * (1.0 - a) + warped.astype(np.float32) * a, 0, 255).astype(
        np.uint8
    )
    return True
