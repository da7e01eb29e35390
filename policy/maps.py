"""Maps as inline SVG from the imported polygons: no tile server, no network. Every shape
has a text title, and every page that draws one shows the same figures in a table."""

from __future__ import annotations

from dataclasses import dataclass

from policy.geo import SvgProjection
from policy.models import District, PlacementProposal, Tract

# A five-class sequential blue scale from the USWDS palette (light to dark).
SCALE = ["#e1f3f8", "#97d4ea", "#28a0cb", "#0d7ea2", "#074b69"]
DARK_TEXT_CLASSES = 2  # the first classes are light: labels on them stay dark


@dataclass
class Shape:
    path: str
    label: str
    fill: str
    highlight: bool = False


@dataclass
class SvgMap:
    width: float
    height: float
    shapes: list[Shape]
    marker: tuple[float, float] | None = None


def placement_map(placement: PlacementProposal) -> SvgMap:
    tracts = list(Tract.objects.select_related("district"))
    proj = SvgProjection([t.polygon for t in tracts] or [d.polygon for d in District.objects.all()])
    shapes = [
        Shape(
            path=proj.path(t.polygon),
            label=f"{t.name} ({t.district.name})",
            fill="#dfe1e2" if t.pk != placement.tract_id else "#ffbe2e",
            highlight=t.pk == placement.tract_id,
        )
        for t in tracts
    ]
    marker = None
    if placement.latitude is not None and placement.longitude is not None:
        marker = proj.xy(placement.longitude, placement.latitude)
    return SvgMap(width=proj.width, height=proj.height, shapes=shapes, marker=marker)


def choropleth(values: dict[int, float], labels: dict[int, str]) -> tuple[SvgMap, list[str]]:
    """Districts shaded by value in five equal-width classes; returns the map and the
    legend's class bounds as text."""
    districts = list(District.objects.all())
    proj = SvgProjection([d.polygon for d in districts])
    top = max(values.values(), default=0) or 1.0
    step = top / len(SCALE)

    def fill(value: float) -> str:
        return SCALE[min(len(SCALE) - 1, int(value / step))]

    shapes = [
        Shape(
            path=proj.path(d.polygon),
            label=labels.get(d.pk, d.name),
            fill=fill(values.get(d.pk, 0)),
        )
        for d in districts
    ]
    legend = [f"{i * step:.1f}–{(i + 1) * step:.1f}" for i in range(len(SCALE))]
    return SvgMap(width=proj.width, height=proj.height, shapes=shapes), legend
