"""Fixtures shared by the placement tests: the fictional city loaded, and proposals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User

from policy.demo_city import ORIGIN_LAT, ORIGIN_LON, TRACT_DEG
from policy.management.commands.demo_city import demo_city_load
from policy.models import PlacementProposal
from policy.services.placements import placement_propose, placement_submit

TODAY = dt.date(2027, 3, 1)


def load_city() -> None:
    demo_city_load()


def point(col: int, row: int) -> tuple[float, float]:
    """The centre of the tract in column ``col`` (district) and row ``row``: (lat, lon)."""
    return (ORIGIN_LAT + (row + 0.5) * TRACT_DEG, ORIGIN_LON + (col + 0.5) * TRACT_DEG)


def propose(actor: User, col: int = 6, row: int = 2, **fields: Any) -> PlacementProposal:
    lat, lon = point(col, row)
    values: dict[str, Any] = {
        "title": "Harbour Rd at the school",
        "address": "12 Harbour Rd",
        "latitude": lat,
        "longitude": lon,
        "road": "Harbour Rd",
        "direction": "eastbound",
        "posted_limit_kmh": 40,
        "zone": "school",
        "speed_p85_kmh": 58.0,
        "share_over_limit": 0.41,
        "justification": "Two pedestrians killed in five years; speed humps did not help.",
    }
    values.update(fields)
    return placement_propose(actor=actor, **values)


def submitted(actor: User, **fields: Any) -> PlacementProposal:
    placement = propose(actor, **fields)
    placement_submit(placement, actor=actor, today=TODAY)
    return placement


AFTER_COMMENTS = TODAY + dt.timedelta(days=31)
