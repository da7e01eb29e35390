"""What a stored still looks like: the target marked, and a data strip burned below.

Both are drawn on the redacted frame, outside the target's pixels: the marks sit just
outside its box and the strip below the image, so neither hides part of the scene nor
changes the vehicle or its plate.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from cameras.vision.evidence.redact import BoxLike


def ascii_text(text: str) -> str:
    # OpenCV's Hershey fonts are ASCII only; anything else would render as '?' anyway.
    return text.encode("ascii", "replace").decode("ascii")


def burn_data_strip(image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Return the image with a black strip below it carrying `lines` in white.

    Below, not over: the strip never hides part of the scene, and the frame pixels stay
    exactly what was redacted. On narrow frames (320 px clips) lines wrap at double
    spaces instead of shrinking the text below legibility.
    """
    w = image.shape[1]
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, max(0.35, w / 1600)
    thickness = 1 if scale < 0.8 else 2

    def width(text: str) -> int:
        return int(cv2.getTextSize(text, font, scale, thickness)[0][0])

    wrapped: list[str] = []
    for line in lines:
        current = ""
        for part in ascii_text(line).split("  "):
            joined = f"{current}  {part}" if current else part
            if current and width(joined) > w - 10:
                wrapped.append(current)
                joined = part
            current = joined
        wrapped.append(current)
    line_h = int(cv2.getTextSize("Ag", font, scale, thickness)[0][1] * 1.9) + 2
    strip = np.zeros((line_h * len(wrapped) + 6, w, 3), np.uint8)
    for i, text in enumerate(wrapped):
        y = 4 + line_h * (i + 1) - line_h // 3
        cv2.putText(strip, text, (5, y), font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return np.vstack([image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), strip])


def mark_target(image: np.ndarray, box: BoxLike) -> np.ndarray:
    """Draw corner marks around the target's box and a pointer at its road-contact point
    (the bottom-centre, where the speed estimator places the vehicle on the road).

    Everything is drawn just outside the box, so no pixel of the vehicle, its plate
    included, is changed by the marking.
    """
    out = image.copy()
    h, w = out.shape[:2]
    x1, y1, x2, y2 = (float(v) for v in box)
    t = max(2, round(w / 480))  # 2 px at 640, 4 px at 1920: survives JPEG
    gap = t // 2 + 2  # the line's inner edge stays clear of the box
    ax1, ay1, ax2, ay2 = round(x1) - gap, round(y1) - gap, round(x2) + gap, round(y2) + gap
    arm = max(8, round(min(x2 - x1, y2 - y1) / 4))
    colour = (0, 255, 255)  # yellow: stands out against the obscured, desaturated scene
    for cx, cy, dx, dy in (
        (ax1, ay1, 1, 1),
        (ax2, ay1, -1, 1),
        (ax1, ay2, 1, -1),
        (ax2, ay2, -1, -1),
    ):
        cv2.line(out, (cx, cy), (cx + dx * arm, cy), colour, t, cv2.LINE_AA)
        cv2.line(out, (cx, cy), (cx, cy + dy * arm), colour, t, cv2.LINE_AA)
    contact = (round((x1 + x2) / 2), ay2 + t)
    size = max(5, 3 * t)
    tri = np.array([contact, (contact[0] - size, contact[1] + 2 * size),
                    (contact[0] + size, contact[1] + 2 * size)], np.int32)  # fmt: skip
    if contact[1] < h:
        cv2.fillPoly(out, [tri], colour, cv2.LINE_AA)
    return out
