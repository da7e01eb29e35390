"""Bar charts as plain geometry for inline SVG: readable without JavaScript, each drawn
beside a table of the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 48, 40, 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float | None  # None: suppressed or unknown, drawn as a gap
    label: str
    series: int  # which series (colour) the bar belongs to


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # y position, label
    groups: list[tuple[float, str]]  # x centre, group label
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - MARGIN_BOTTOM


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    return float(((int(value) // step) + 1) * step)


def grouped_bars(groups: list[tuple[str, list[float | None]]]) -> BarChart:
    """One group per label, one bar per series within it, on a shared y axis from 0."""
    values = [v for _, vs in groups for v in vs if v is not None]
    top = _nice_max(max(values, default=0.0))
    plot_h = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    plot_w = WIDTH - MARGIN_LEFT - 8
    slot = plot_w / max(len(groups), 1)
    per = max((len(vs) for _, vs in groups), default=1)
    bar_w = max(2.0, (slot * 0.8) / per)
    bars: list[Bar] = []
    centres: list[tuple[float, str]] = []
    for i, (label, vs) in enumerate(groups):
        left = MARGIN_LEFT + i * slot + slot * 0.1
        centres.append((left + bar_w * len(vs) / 2, label))
        for j, v in enumerate(vs):
            h = 0.0 if v is None else plot_h * v / top
            top_y = HEIGHT - MARGIN_BOTTOM - h
            bars.append(Bar(left + j * bar_w, top_y, bar_w - 1, h, v, label, j))
    ticks = [(HEIGHT - MARGIN_BOTTOM - plot_h * k / 4, f"{top * k / 4:g}") for k in range(5)]
    return BarChart(bars, ticks, centres)
