"""Shadow-labelled pixels under a motion blob: the faces of a vehicle as dark as a shadow.

MOG2 labels a pixel "shadow" when it is darker than the background in the same hue, and
the motion detector drops those pixels so that a cast shadow cannot drag a box's bottom
away from the tyres. But a grey vehicle's shaded faces are darker than the road in the
same hue too. A road-grey van seen from behind keeps only its window, lights and bumper
as foreground, a dark-grey truck a speckled front. The boxes of such pieces end above the
road: too small, they were rejected as fragments; large enough, they would over-read, as
a point above the road runs ahead of the vehicle in the road-plane projection.

Such a face hangs *below* the foreground pieces, in their columns, down to the road; a
cast shadow lies on the road. Either way, the lowest shadow pixel in an unbroken run under
a blob is on the road plane: the bottom edge of a face, or a point of the vehicle's own
cast shadow, which moves with the vehicle at its speed. So each blob takes the shadow
pixels directly below it, column by column, and its new bottom is a high quantile of the
columns' reach rather than the deepest one, so that one column running down a
neighbour's shadow does not move it. Two blobs joined this way over much of the narrower
one's width are one vehicle (a window above its bumper) and are merged.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["absorb_shade_below"]


def absorb_shade_below(
    labels: NDArray[np.int32],
    stats: NDArray[np.int32],
    shade: NDArray[np.bool_],
    support: float = 0.8,
    link: float = 0.5,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Give each blob the shadow pixels in an unbroken run below it (see the module doc).

    ``labels``/``stats`` are ``cv2.connectedComponentsWithStats`` output (label 0 is the
    background), ``shade`` the shadow-labelled pixels. A blob's bottom moves down to the
    ``support`` quantile of its columns' reach. Blob A whose run stops on blob B's pixels
    in at least ``link`` of the narrower one's columns is merged with B. Returns new
    labels and stats (a merged blob's stats row keeps its box, the absorbed one area 0).
    """
    labels, stats = labels.copy(), stats.copy()
    free = shade & (labels == 0)
    n_rows = labels.shape[0]
    row_index = np.arange(n_rows)
    parent = list(range(len(stats)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

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
        stopped = stop.any(axis=0)
        first = np.where(stopped, r0 + np.argmax(stop, axis=0), n_rows)  # first non-shade
        cols = np.flatnonzero(has & stopped & (first > start))
        met = labels[first[cols], x + cols]
        for other in np.unique(met[(met > 0) & (met != k)]):
            narrower = min(int(has.sum()), int(stats[other, 2]))
            if np.count_nonzero(met == other) >= link * narrower:
                parent[root(int(other))] = root(k)
        reach = np.maximum(first - 1, lowest)[has]
        cut = max(y + h - 1, int(np.quantile(reach, support)))
        take = below & (rows < first[None, :]) & has[None, :] & (rows <= cut)
        if not take.any():
            continue
        labels[r0:, x : x + w][take] = k
        free[r0:, x : x + w][take] = False
        stats[k, 3] = max(y + h - 1, r0 + int(np.flatnonzero(take.any(axis=1))[-1])) - y + 1
        stats[k, 4] = area + int(take.sum())
    roots = np.array([root(i) for i in range(len(stats))], dtype=np.int32)
    if np.all(roots == np.arange(len(stats))):
        return labels, stats
    x0, y0 = stats[:, 0], stats[:, 1]
    x1, y1 = x0 + stats[:, 2], y0 + stats[:, 3]
    out = stats.copy()
    for r in np.unique(roots[1:]):
        members = np.flatnonzero(roots == r)
        if len(members) == 1:
            continue
        bx, by = int(x0[members].min()), int(y0[members].min())
        out[r, :4] = (bx, by, int(x1[members].max()) - bx, int(y1[members].max()) - by)
        out[r, 4] = int(stats[members, 4].sum())
        out[members[members != r], 4] = 0  # absorbed
    return np.asarray(roots[labels], dtype=np.int32), out
