"""Where a vehicle meets the road in the image: the bottom edge of its foreground.

The motion detector places each blob's bottom here (``refined_bottom``, ``lowest_column``).
YOLO's boxes take their bottom edge from the same foreground where it agrees with them
(``bottoms_on_mask``): a box regressed at a third of the picture's resolution ends a few
pixels off the wheels, and below them where the vehicle's cast shadow is dark (issue #20:
photo vehicles' boxes ended 4-11 px below the true contact, every reading leaned low).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.blobs import merge_fragments
from cameras.vision.measure.shade import shade_bottoms

if TYPE_CHECKING:  # detect imports this module
    from cameras.vision.measure.detect import Detection

FloatArray = NDArray[np.float64]


def refined_bottom(
    diff: NDArray[np.float32], labels: NDArray[np.int32], label: int, st: NDArray[np.float64]
) -> float:
    """Sub-pixel bottom edge from partial pixel coverage.

    The foreground mask flips to 1 at any visible coverage, so blur, anti-aliasing and
    codec ringing push the box bottom down by a pixel or two - and a constant pixel
    offset becomes a *speed* error through perspective (a pixel spans more road far
    away than near). The edge is instead placed where the coverage integrates to it:
    below the last fully covered row, add each row's difference relative to the
    vehicle interior (background level subtracted), as for an ideal area-sampled step.
    ``st`` is the blob's (x, y, w, h): its last row is the bottom, its columns the span.
    """
    x, y, w, h = (int(v) for v in st[:4])
    last = y + h - 1
    rows_in = np.arange(max(y, last - 5), max(y, last - 2) + 1)
    cols = np.flatnonzero(np.any(labels[max(y, last - 1) : last + 1, x : x + w] == label, axis=0))
    if len(cols) == 0 or len(rows_in) == 0 or h < 6:
        return float(last)
    cols = cols + x
    interior = float(np.median(diff[np.ix_(rows_in, cols)]))
    below = diff[last + 3 : last + 6, cols] if last + 6 <= diff.shape[0] else None
    base = float(np.median(below)) if below is not None and below.size else 0.0
    if interior - base < 8.0:  # too little contrast to measure coverage
        return float(last)
    start = last - 2
    profile = diff[start : min(diff.shape[0], last + 4), cols].mean(axis=1)
    cover = np.clip((profile - base) / (interior - base), 0.0, 1.0)
    # Row ``start`` is taken as fully covered: its lower boundary is start + 0.5.
    return float(start + 0.5 + cover[1:].sum())


def lowest_column(labels: NDArray[np.int32], label: int, st: NDArray[np.float64]) -> float:
    """Mean column of a blob's pixels in its lowest row: where its outline reaches the
    bottom of its box. A vehicle seen obliquely reaches it at a corner of its near end,
    off the box's centre, and that corner - not the bottom-centre, which lies below the
    outline there - is the road point whose row the box bottom gives."""
    x, y, w, h = (int(v) for v in st[:4])
    cols = np.flatnonzero(labels[y + h - 1, x : x + w] == label)
    return float(x + cols.mean()) if len(cols) else x + (w - 1) / 2.0


def bottoms_on_mask(
    detections: list[Detection],
    mask: NDArray[np.uint8],
    diff: NDArray[np.float32] | None,
    scale: float,
    offset: tuple[int, int],
    tolerance: tuple[float, float] = (0.35, 0.12),
    shade: NDArray[np.bool_] | None = None,
    components: NDArray[np.int32] | None = None,
) -> list[Detection]:
    """Each box with its bottom edge, and the column where the outline reaches it, read
    from the foreground ``mask`` (at ``scale``, its top-left at ``offset`` in the full
    picture) in the box's own columns, as the motion detector places a blob's
    (``refined_bottom``, ``lowest_column``), where the foreground agrees with the box.

    Agreeing means: in the box's lower half, one blob (its pieces joined as the motion
    detector joins them, ``blobs.merge_fragments``) holds most of the foreground, and
    its lowest row in the box's columns lies at most ``tolerance[0]`` of the box's height
    above the box's bottom, or ``tolerance[1]`` below it (2 mask pixels at least), and
    does not go on below that. Above is the usual case and may be far: YOLO takes a dark
    cast shadow under the vehicle for part of it, which the background model calls
    shadow (issue #20: a box 40 px below the wheels of a car 180 px tall). Below is a blob
    reaching under the box, perhaps a neighbour's: little is allowed. Anything else - no
    foreground (a stopped vehicle, the first frames), a bottom far off - keeps YOLO's own
    edge. Only the box's columns count, so a neighbour merged into the blob beside it
    cannot lower the edge. A track whose bottoms switch between the two sources jumps,
    and the estimator's consistency checks reject it: nothing here makes a reading alone.

    With ``shade`` (the pixels the motion detector calls shadow), a box placed on the
    foreground also takes the motion detector's second contact guess (``shade``), read in
    the box's columns: the estimator retries a track rejected for its contact, or whose
    halves disagree, from it, as it does the motion path's (tuning quick draw 1027: a
    photo car at 62.57 km/h whose halves disagreed, 62.52 and 66.78, reads 62.60).
    ``components``: the mask's labels with the pieces joined, where the motion detector
    already has them (``MotionDetector.components``).
    """
    if not detections or not np.any(mask):
        return detections
    if components is None:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        components, _ = merge_fragments(np.asarray(labels, np.int32), np.asarray(stats, np.int32))
    lab = components
    return [_place(d, lab, diff, scale, offset, tolerance, shade) for d in detections]


def _place(
    det: Detection,
    labels: NDArray[np.int32],
    diff: NDArray[np.float32] | None,
    scale: float,
    offset: tuple[int, int],
    tolerance: tuple[float, float],
    shade: NDArray[np.bool_] | None,
) -> Detection:
    ox, oy = offset
    to_mask = np.array([ox, oy, ox, oy], dtype=np.float64)
    x1, y1, x2, y2 = (np.asarray(det.xyxy, dtype=np.float64) - to_mask + 0.5) * scale - 0.5
    h_img, w_img = labels.shape
    up, down = (max(2.0, share * (y2 - y1)) for share in tolerance)
    c0, c1 = int(max(0, np.ceil(x1))), int(min(w_img - 1, np.floor(x2)))
    r0, r1 = int(max(0, np.ceil((y1 + y2) / 2))), int(min(h_img - 1, np.floor(y2 + down)))
    if c1 - c0 < 2 or r1 - r0 < 2:
        return det
    band = labels[r0 : r1 + 1, c0 : c1 + 1]
    counts = np.bincount(band.ravel())
    counts[0] = 0
    label = int(counts.argmax())
    if counts[label] < 0.15 * band.size:
        return det
    rows = np.flatnonzero(np.any(band == label, axis=1))
    last = r0 + int(rows[-1])
    goes_on = last == r1 and r1 + 1 < h_img and np.any(labels[r1 + 1, c0 : c1 + 1] == label)
    if last < y2 - up or goes_on:
        return det
    top = r0 + int(rows[0])
    st = np.array([c0, top, c1 - c0 + 1, last - top + 1], dtype=np.float64)
    bottom = refined_bottom(diff, labels, label, st) if diff is not None else float(last)
    column = lowest_column(labels, label, st)

    def full(v: float, o: int) -> float:  # mask pixel centres scale about -0.5
        return float((v + 0.5) / scale - 0.5 + o)

    placed = replace(det, xyxy=(*det.xyxy[:3], full(bottom, oy)), contact_x=full(column, ox))
    below = _shade_below(labels, label, st, shade) if shade is not None else None
    if below is None:
        return placed
    row, col = below
    return replace(placed, shade_y2=full(row, oy), shade_x=full(col, ox))


def _shade_below(
    labels: NDArray[np.int32], label: int, st: NDArray[np.float64], shade: NDArray[np.bool_]
) -> tuple[int, float] | None:
    """The second contact guess (``shade.shade_bottoms``) of blob ``label`` in the box's
    columns ``st``: its row and column, where it lies below the blob's bottom there."""
    x, y, w, h = (int(v) for v in st[:4])
    cols = labels[:, x : x + w]
    own = cols == label
    # The blob is label 1 of its columns; every other blob's pixels are 2 (not free shadow)
    sub = np.where(own, 1, np.where(cols > 0, 2, 0)).astype(np.int32)
    stats = np.zeros((3, 5), np.int32)
    stats[1] = (0, y, w, h, int(np.count_nonzero(own[y : y + h])))
    rows, at = shade_bottoms(sub, stats, shade[:, x : x + w])
    if rows[1] <= y + h - 1:
        return None
    return int(rows[1]), float(at[1]) + x
