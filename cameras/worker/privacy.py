"""What may leave the edge about a passage: the privacy filter and the aggregate counts.

A passage is *enforceable* only when it is a valid measurement whose lower bound
(speed - U) exceeds the posted limit plus the jurisdiction's threshold. Anything else
leaves no trace but a count in a 15-minute interval and a 5 km/h speed bin: no time,
no image, no plate, no per-vehicle row.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cameras.vision.measure.speed import Passage

INTERVAL_MINUTES = 15
BIN_KMH = 5


@dataclass(frozen=True)
class EnforcementRule:
    limit_kmh: float
    threshold_kmh: float

    @property
    def trigger_kmh(self) -> float:
        return self.limit_kmh + self.threshold_kmh

    def enforceable(self, passage: Passage) -> bool:
        speed, u = passage.speed_kmh, passage.uncertainty_kmh
        if not passage.valid or not (math.isfinite(speed) and math.isfinite(u)):
            return False
        return speed - u > self.trigger_kmh


def interval_start(moment: datetime, minutes: int = INTERVAL_MINUTES) -> datetime:
    moment = moment.astimezone(UTC)
    floored = (moment.minute // minutes) * minutes
    return moment.replace(minute=floored, second=0, microsecond=0)


def speed_bin(speed_kmh: float, width: int = BIN_KMH) -> int:
    return int(speed_kmh // width) * width


@dataclass
class IntervalCounts:
    vehicles: int = 0
    over_limit: int = 0
    histogram: Counter[int] = field(default_factory=Counter)

    def merge(self, other: IntervalCounts) -> None:
        self.vehicles += other.vehicles
        self.over_limit += other.over_limit
        self.histogram.update(other.histogram)


class CountAggregator:
    """In-memory counts per interval, handed to a sink and forgotten at each flush."""

    def __init__(self, limit_kmh: float, minutes: int = INTERVAL_MINUTES) -> None:
        self.limit_kmh = limit_kmh
        self.minutes = minutes
        self._intervals: dict[datetime, IntervalCounts] = {}

    def add(self, passage: Passage, moment: datetime) -> None:
        counts = self._intervals.setdefault(interval_start(moment, self.minutes), IntervalCounts())
        counts.vehicles += 1
        # Only a valid measurement says how fast: a rejected track is a vehicle, not a speed.
        if passage.valid and math.isfinite(passage.speed_kmh):
            counts.histogram[speed_bin(passage.speed_kmh)] += 1
            if passage.speed_kmh > self.limit_kmh:
                counts.over_limit += 1

    def drain(self) -> list[tuple[datetime, IntervalCounts]]:
        out = sorted(self._intervals.items())
        self._intervals = {}
        return out

    def restore(self, batch: list[tuple[datetime, IntervalCounts]]) -> None:
        """Put back counts a failed flush could not store (the database may be away)."""
        for start, counts in batch:
            self._intervals.setdefault(start, IntervalCounts()).merge(counts)

    @property
    def pending_vehicles(self) -> int:
        return sum(c.vehicles for c in self._intervals.values())
