"""A jurisdiction's rule-set versions, ready to judge with: the repository's preset files
(no database needed) or the versions a city stored, each compiled once."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from pathlib import Path

from policy.rules.schema import (
    KMH_PER_UNIT,
    RuleSet,
    RuleSetError,
    Threshold,
    Window,
    ruleset_decode_toml,
)

RULESET_DIR = Path(__file__).resolve().parent.parent / "rulesets"


class Compiled:
    """One version with its lookups built: per-zone threshold and windows, the time zone,
    the school days as a set."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.tz = zoneinfo.ZoneInfo(ruleset.timezone)
        self.kmh_per_unit = KMH_PER_UNIT[ruleset.units]
        self.thresholds: dict[str, Threshold] = {
            zone: t for t in ruleset.thresholds for zone in t.zones
        }
        self.windows: dict[str, list[Window]] = {}
        for window in ruleset.windows:
            for zone in window.zones:
                self.windows.setdefault(zone, []).append(window)
        calendar = ruleset.school_calendar
        self.closed = frozenset(calendar.closed) if calendar else frozenset()
        self.school_weekdays = frozenset(calendar.weekdays) if calendar else frozenset()
        self.terms = [(t.start, t.end) for t in calendar.terms] if calendar else []

    def is_school_day(self, day: dt.date) -> bool:
        if day.isoweekday() not in self.school_weekdays or day in self.closed:
            return False
        return any(start <= day <= end for start, end in self.terms)


class RuleBook:
    """Every version of one jurisdiction's rule set, oldest first; ``in_force`` picks the
    one whose effective date is the latest on or before the capture's local date."""

    def __init__(self, versions: Iterable[RuleSet]) -> None:
        ordered = sorted(versions, key=lambda r: r.effective_from)
        if not ordered:
            raise RuleSetError("a rule book needs at least one version")
        codes = {r.code for r in ordered}
        if len(codes) != 1:
            raise RuleSetError(f"a rule book holds one jurisdiction, not {sorted(codes)}")
        dates = [r.effective_from for r in ordered]
        if len(set(dates)) != len(dates):
            raise RuleSetError(f"{ordered[0].code}: two versions take effect on the same day")
        self.code = ordered[0].code
        self.versions = [Compiled(r) for r in ordered]

    @property
    def latest(self) -> Compiled:
        return self.versions[-1]

    def in_force(self, moment: dt.datetime) -> Compiled | None:
        chosen = None
        for compiled in self.versions:
            if moment.astimezone(compiled.tz).date() >= compiled.ruleset.effective_from:
                chosen = compiled
            else:
                break
        return chosen


def ruleset_file(code: str) -> Path:
    path = RULESET_DIR / f"{code}.toml"
    if not path.is_file():
        known = ", ".join(ruleset_codes())
        raise RuleSetError(f"unknown rule set {code!r}; known: {known}")
    return path


def ruleset_codes() -> list[str]:
    return sorted(p.stem for p in RULESET_DIR.glob("*.toml"))


@functools.cache
def ruleset_preset(code: str) -> RuleSet:
    """The repository's preset for ``code``, validated (cached: the files ship with the code)."""
    path = ruleset_file(code)
    ruleset = ruleset_decode_toml(path.read_bytes(), origin=path.name)
    if ruleset.code != code:
        raise RuleSetError(f"{path.name}: code {ruleset.code!r} does not match the file name")
    return ruleset


@functools.cache
def rulebook_preset(code: str) -> RuleBook:
    return RuleBook([ruleset_preset(code)])
