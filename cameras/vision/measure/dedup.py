"""One vehicle, one reading: a second valid reading of a vehicle already measured is set
aside as a ``duplicate``.

Background subtraction can give one vehicle as two tracks - a road-grey van's windscreen
and its grille, each measured from its second contact guess (``shade``) - and both
readings can pass every check. Two violations for one vehicle would be two tickets. A
valid passage is taken for a reading of a vehicle already measured when both travel the
same way, lie within ``lateral_m`` of each other across the road, and entered and left
the zone within ``along_m`` of each other along it (their times apart times the speed):
two vehicles in one lane are at least a vehicle length and a gap apart, and vehicles in
neighbouring lanes a lane width. The first reading given stands (it may already be on
its way to the back office); of readings given together, the lowest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cameras.vision.measure.passage import Passage

__all__ = ["DuplicateScreen"]


@dataclass
class DuplicateScreen:
    lateral_m: float = 1.5
    along_m: float = 3.0
    memory_s: float = 60.0  # readings further back than this are forgotten
    given: list[Passage] = field(default_factory=list)

    def same_vehicle(self, a: Passage, b: Passage) -> bool:
        if a.direction != b.direction or abs(a.world_x_m - b.world_x_m) > self.lateral_m:
            return False
        v = min(a.speed_kmh, b.speed_kmh) / 3.6  # m/s
        return (
            abs(a.t_enter_s - b.t_enter_s) * v <= self.along_m
            and abs(a.t_exit_s - b.t_exit_s) * v <= self.along_m
        )

    def screen(self, passages: list[Passage]) -> list[Passage]:
        """``passages`` with every valid one that repeats a reading already given (here
        or earlier) turned into a rejection that names the reading it repeats."""
        for p in sorted((p for p in passages if p.valid), key=lambda p: p.speed_kmh):
            first = next((q for q in self.given if self.same_vehicle(p, q)), None)
            if first is None:
                self.given.append(p)
                continue
            p.valid = False
            p.reject_reason = "duplicate"
            p.details["duplicate_of_track"] = float(first.track_id)
        if self.given:
            latest = max(q.t_exit_s for q in self.given)
            self.given = [q for q in self.given if q.t_exit_s >= latest - self.memory_s]
        return passages
