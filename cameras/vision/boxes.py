"""Axis-aligned boxes ``(x1, y1, x2, y2)`` in pixels: how two of them overlap."""

from __future__ import annotations

from collections.abc import Sequence


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether the two boxes share any area."""
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _area(a: Sequence[float]) -> float:
    return (a[2] - a[0]) * (a[3] - a[1])


def _intersection(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy


def smaller_share(a: Sequence[float], b: Sequence[float]) -> float:
    """The share of the smaller box's area that the other covers (0.0 when either has no
    area): 1.0 when one lies inside the other, however large it is."""
    smaller = min(_area(a), _area(b))
    return float(_intersection(a, b) / smaller) if smaller > 0 else 0.0


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of the two boxes (0.0 when either has no area)."""
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return float(inter / union) if union > 0 else 0.0
