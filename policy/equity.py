"""Equity reads: the dashboard's figures per district and the dry run of a proposed rule
set over past violations. The dashboard counts notices from the per-camera daily tallies
written with each ``violation.recorded`` audit event; the dry run replays the facts
stored in those events. Policy needs nothing from the enforcement layer."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import msgspec
from django.core.cache import cache
from django.db.models import Sum
from django.db.models.fields.json import KT
from shapely.geometry import Point, shape
from shapely.prepared import prep

from policy.config import policy_setting
from policy.gate import GateFacts, device_checks_pass, judge_facts
from policy.models import (
    AuditEvent,
    Crash,
    District,
    NoticeTally,
    PlacementProposal,
    PlacementStatus,
    Tract,
)
from policy.placement_selectors import city_median_income
from policy.rules.book import RuleBook
from policy.rules.judge import judge

NOTICE_OUTCOMES = ("warning", "awaiting_review")
BANDS = ("low", "middle", "high", "unknown")


@dataclass
class DistrictFigures:
    district: District
    cameras: int = 0
    notices: int = 0
    repeat_notices: int = 0
    crashes_fatal_serious: int = 0
    camera_share: float = 0.0
    population_share: float = 0.0

    @property
    def per_1000(self) -> float:
        return 1000 * self.notices / self.district.population if self.district.population else 0

    @property
    def per_household(self) -> float:
        return self.notices / self.district.households if self.district.households else 0

    @property
    def crashes_per_1000(self) -> float:
        pop = self.district.population
        return 1000 * self.crashes_fatal_serious / pop if pop else 0

    @property
    def notices_per_crash(self) -> float | None:
        return self.notices / self.crashes_fatal_serious if self.crashes_fatal_serious else None


@dataclass
class Dashboard:
    districts: list[DistrictFigures]
    cameras: int
    cameras_in_low_income: int
    notices: int
    repeat_notices: int
    fictional: bool
    city: str


def _camera_places() -> dict[str, tuple[int | None, int | None]]:
    """camera code -> (district id, tract id) of its site's placement."""
    rows = PlacementProposal.objects.filter(site__isnull=False).values_list(
        "site__cameras__code", "district_id", "tract_id"
    )
    return {code: (d, t) for code, d, t in rows if code}


def _notice_counts() -> tuple[Counter[int], Counter[int]]:
    places = _camera_places()
    rows = (
        NoticeTally.objects.filter(outcome__in=NOTICE_OUTCOMES)
        .values("camera_code")
        .annotate(n=Sum("count"), repeat=Sum("repeat"))
    )
    notices: Counter[int] = Counter()
    repeats: Counter[int] = Counter()
    for row in rows:
        district = places.get(row["camera_code"], (None, None))[0]
        if district is not None:
            notices[district] += row["n"]
            repeats[district] += row["repeat"]
    return notices, repeats


def _crashes_by_district(districts: list[District], today: dt.date) -> Counter[int]:
    since = today.replace(year=today.year - int(policy_setting("CRASH_YEARS")))
    shapes = [(d.pk, prep(shape(d.polygon))) for d in districts]
    counts: Counter[int] = Counter()
    points = Crash.objects.filter(
        occurred_on__gte=since, severity__in=["fatal", "serious"]
    ).values_list("longitude", "latitude")
    for lon, lat in points:
        pt = Point(lon, lat)
        for pk, poly in shapes:
            if poly.covers(pt):
                counts[pk] += 1
                break
    return counts


def low_income_tract_ids() -> set[int]:
    median = city_median_income()
    if not median:
        return set()
    bound = float(policy_setting("LOW_INCOME_SHARE")) * median
    return set(Tract.objects.filter(median_household_income__lt=bound).values_list("pk", flat=True))


def equity_dashboard(today: dt.date) -> Dashboard:
    """The dashboard's figures, cached until the next audit event: every change they
    depend on (a violation recorded, a placement decided, an import) writes one."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    key = f"policy:equity-dashboard:{today.isoformat()}:{last}"
    board = cache.get(key)
    if board is None:
        board = _equity_dashboard(today)
        cache.set(key, board, timeout=3600)
    return board


def _equity_dashboard(today: dt.date) -> Dashboard:
    districts = list(District.objects.all())
    approved = PlacementProposal.objects.filter(
        status=PlacementStatus.APPROVED, district__isnull=False
    )
    cameras = Counter(approved.values_list("district_id", flat=True))
    low = low_income_tract_ids()
    notices, repeats = _notice_counts()
    crashes = _crashes_by_district(districts, today)
    population = sum(d.population for d in districts) or 1
    total_cameras = sum(cameras.values())
    figures = [
        DistrictFigures(
            district=d,
            cameras=cameras[d.pk],
            notices=notices[d.pk],
            repeat_notices=repeats[d.pk],
            crashes_fatal_serious=crashes[d.pk],
            camera_share=cameras[d.pk] / total_cameras if total_cameras else 0.0,
            population_share=d.population / population,
        )
        for d in districts
    ]
    return Dashboard(
        districts=figures,
        cameras=total_cameras,
        cameras_in_low_income=approved.filter(tract_id__in=low).count(),
        notices=sum(notices.values()),
        repeat_notices=sum(repeats.values()),
        fictional=any(d.fictional for d in districts),
        city=districts[0].city if districts else "",
    )


@dataclass
class Tally:
    none: int = 0
    warning: int = 0
    citation: int = 0
    fines: float = 0.0

    def add(self, outcome: str, fine: float) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.fines += fine


@dataclass
class DryRun:
    judged: int = 0
    skipped: int = 0  # facts stored before the gate recorded enough to replay them
    current: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    proposed: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))

    def rows(self) -> list[tuple[str, str, Tally, Tally]]:
        keys = sorted(set(self.current) | set(self.proposed))
        return [(d, b, self.current[(d, b)], self.proposed[(d, b)]) for d, b in keys]


_facts_decoder = msgspec.json.Decoder(GateFacts)


def _gate_facts(text: str | None) -> GateFacts | None:
    """The stored facts as the gate's dataclass, or None for facts stored before the gate
    recorded everything a replay needs."""
    if not text:
        return None
    try:
        return _facts_decoder.decode(text)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


def _income_band(tract_income: int | None, median: float | None) -> str:
    if tract_income is None or not median:
        return "unknown"
    share = float(policy_setting("LOW_INCOME_SHARE"))
    if tract_income < share * median:
        return "low"
    return "middle" if tract_income <= (2 - share) * median else "high"


def dry_run(current: RuleBook, proposed: RuleBook, start: dt.date, end: dt.date) -> DryRun:
    """Judge the stored facts of violations captured from ``start`` to ``end`` by the
    rules then in force and by the proposed rule set, by district and income band."""
    places = _camera_places()
    names = dict(District.objects.values_list("pk", "name"))
    incomes = dict(Tract.objects.values_list("pk", "median_household_income"))
    median = city_median_income()
    result = DryRun()
    events = AuditEvent.objects.filter(
        action="violation.recorded",
        details__facts__measured_on__gte=start.isoformat(),
        details__facts__measured_on__lte=end.isoformat(),
    ).values_list(KT("details__facts"), flat=True)  # the JSON text, decoded by msgspec
    for text in events.iterator(chunk_size=5000):
        facts = _gate_facts(text)
        if facts is None:
            result.skipped += 1
            continue
        district_id, tract_id = places.get(facts.camera_code, (None, None))
        key = (
            names.get(district_id, "unknown") if district_id else "unknown",
            _income_band(incomes.get(tract_id) if tract_id else None, median),
        )
        device_ok = device_checks_pass(facts)
        rule_facts = judge_facts(facts)
        for book, tallies in ((current, result.current), (proposed, result.proposed)):
            judgement = judge(rule_facts, book)
            outcome = judgement.outcome if device_ok else "none"
            fine = judgement.fine.amount if judgement.fine and outcome == "citation" else 0.0
            tallies[key].add(outcome, fine)
        result.judged += 1
    return result
