"""A second contact hypothesis for motion blobs: the shadow-coloured pixels below them.

MOG2 labels a pixel "shadow" when it is darker than the background in the same hue, and
the motion detector drops those pixels so that a cast shadow cannot drag a box's bottom
away from the tyres. But a grey vehicle's shaded faces are darker than the road in the
same hue too: a road-grey van seen from behind keeps only its window, lights and bumper
as foreground. Boxes of such pieces end above the road, and the speed estimator rejects
them as fragments (a point above the road runs ahead of the vehicle in the road-plane
projection, so they would over-read).

Such a face hangs *below* the piece, in its columns, down to the road; a cast shadow lies
on the road. Either way the lowest shadow pixel in an unbroken run from a blob down to
plain road is on the road plane - the bottom edge of a face, or a point of the vehicle's
own cast shadow, which moves with it - so it is a contact point too. The new bottom is a
high quantile of the columns' reach rather than the deepest one, so that one column
running down a neighbour's shadow does not move it.

"Plain road" is background to MOG2 *and* close to its background image. A body band in a
colour the lane sees often is background to MOG2 too, and a run that stopped on it would
stop on the vehicle, above the road; the detector passes such pixels in as shade (see
``MotionDetector._unlike_background``). A band within 12 grey levels per channel of the
road still ends the run there: that over-read is not closed.

It is only a fallback, for a track the estimator rejects for its contact (``SpeedConfig.
shade_retry``): under a whole vehicle it moves the contact into the soft, ragged shadow
around real cars (overcast China clip: 18 valid readings of 46 became 12 when every blob
took it, the rest with halves disagreeing).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["shade_bottoms"]


def shade_bottoms(
    labels: NDArray[np.int32],
    stats: NDArray[np.int32],
    shade: NDArray[np.bool_],
    support: float = 0.8,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each blob's bottom row if it took the shadow pixels in an unbroken run below it.

    ``labels``/``stats`` are ``cv2.connectedComponentsWithStats`` output (label 0 is the
    background), ``shade`` the shadow-labelled pixels. Column by column, a blob's run goes
    down from its lowest pixel to the first pixel that is not free shadow. Only a run that
    ends there on plain background counts: one that ends on another blob (a bumper below a
    window, a vehicle in front) or on shadow another blob took ends on something that need
    not be the road, and one cut by the view's edge has no end; those columns keep their
    own bottom. The new bottom is the ``support`` quantile of the columns' reach. Blobs
    are taken in label order, and a pixel one blob took is not free for the next.

    Returns (bottom row, column) per label: the column is the mean of those that reach
    the new bottom - where along it the contact is, which on a distorted lens or an
    oblique view is not the box's centre.
    """
    free = shade & (labels == 0)
    n_rows = labels.shape[0]
    row_index = np.arange(n_rows)
    out = (stats[:, 1] + stats[:, 3] - 1).astype(np.int64)
    at = (stats[:, 0] + (stats[:, 2] - 1) / 2.0).astype(np.float64)
    for k in range(1, len(stats)):
        x, y, w, h, area = (int(v) for v in stats[k, :5])
        if area == 0:
            continue
        own = labels[y : y + h, x : x + w] == k
        has = own.any(axis=0)
        lowest = y + h - 1 - np.argmax(own[::-1], axis=0)  # per column
        start = lowest + 1
        r0 = int(start[has].min()) if has.any() else n_rows
        if r0 >= n_rows:
            continue
        rows = row_index[r0:, None]
        below = rows >= start[None, :]
        stop = ~free[r0:, x : x + w] & below
        first = np.where(stop.any(axis=0), r0 + np.argmax(stop, axis=0), n_rows)
        end = np.minimum(first, n_rows - 1)
        cols = np.arange(x, x + w)
        road = has & (first < n_rows) & (labels[end, cols] == 0) & ~shade[end, cols]
        reach = np.where(road, np.maximum(first - 1, lowest), lowest)[has]
        cut = max(y + h - 1, int(np.quantile(reach, support)))
        free[r0:, x : x + w] &= ~(below & (rows < first[None, :]) & road[None, :] & (rows <= cut))
        out[k] = cut
        deepest = cols[has][reach >= cut]
        if len(deepest):
            at[k] = float(deepest.mean())
    return out, at
