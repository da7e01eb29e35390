"""The equity dashboard (choropleth, tables, CSV) and the dry run of a proposed rule set."""

from __future__ import annotations

import csv
import datetime as dt

import msgspec
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from policy.access import require
from policy.equity import Dashboard
from policy.equity import dry_run as run_dry
from policy.equity import equity_dashboard as dashboard_figures
from policy.forms import DryRunForm
from policy.maps import SCALE, choropleth
from policy.models import PlacementProposal, RuleSetVersion
from policy.rules.book import RuleBook, ruleset_codes, ruleset_preset
from policy.rules.schema import RuleSet, ruleset_from_data
from policy.selectors import rulebook_for

REVIEW = "policy.review_placement"
ALWAYS = dt.date(1900, 1, 1)


@require(REVIEW)
def equity_dashboard(request: HttpRequest) -> HttpResponse:
    board = dashboard_figures(timezone.localdate())
    values = {f.district.pk: round(f.per_1000, 2) for f in board.districts}
    labels = {
        f.district.pk: _("%(name)s: %(value).2f notices per 1,000 residents")
        % {"name": f.district.name, "value": f.per_1000}
        for f in board.districts
    }
    svg, legend = choropleth(values, labels)
    return render(
        request,
        "policy/equity_dashboard.html",
        {"board": board, "map": svg, "legend": zip(legend, SCALE, strict=True)},
    )


CSV_HEADER = [
    "district", "population", "households", "cameras", "camera_share", "population_share",
    "notices", "notices_per_1000_residents", "notices_per_household",
    "fatal_serious_crashes_5y", "crashes_per_1000_residents", "notices_per_fatal_serious_crash",
    "repeat_notice_share",
]  # fmt: skip


@require(REVIEW)
def equity_csv(request: HttpRequest) -> HttpResponse:
    board: Dashboard = dashboard_figures(timezone.localdate())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="equity-by-district.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for f in board.districts:
        d = f.district
        writer.writerow([
            d.name, d.population, d.households, f.cameras, f"{f.camera_share:.4f}",
            f"{f.population_share:.4f}", f.notices, f"{f.per_1000:.3f}",
            f"{f.per_household:.4f}", f.crashes_fatal_serious, f"{f.crashes_per_1000:.3f}",
            "" if f.notices_per_crash is None else f"{f.notices_per_crash:.3f}",
            f"{f.repeat_notices / f.notices:.4f}" if f.notices else "",
        ])  # fmt: skip
    return response


def _candidates() -> list[tuple[str, str]]:
    stored = [
        (f"version:{v.pk}", f"{v.code} {v.version} ({_('stored')}, {v.effective_from})")
        for v in RuleSetVersion.objects.order_by("code", "effective_from")
    ]
    presets = [(f"preset:{c}", f"{c} ({_('repository preset')})") for c in ruleset_codes()]
    return stored + presets


def _candidate(value: str) -> RuleSet:
    kind, _sep, key = value.partition(":")
    if kind == "version":
        row = RuleSetVersion.objects.get(pk=int(key))
        return ruleset_from_data(row.data, origin=f"{row.code} {row.version}")
    return ruleset_preset(key)


def _current_code() -> str:
    first = PlacementProposal.objects.exclude(jurisdiction="").values_list(
        "jurisdiction", flat=True
    )
    return first.first() or "demo"


@require(REVIEW)
def dry_run(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DryRunForm(
        request.GET or None,
        candidates=_candidates(),
        initial={"start": today - dt.timedelta(days=365), "end": today},
    )
    result = None
    code = _current_code()
    if form.is_bound and form.is_valid():
        candidate = _candidate(form.cleaned_data["candidate"])
        # The proposal is judged as if it had always been in force.
        proposed = RuleBook([msgspec.structs.replace(candidate, effective_from=ALWAYS)])
        result = run_dry(
            rulebook_for(code), proposed, form.cleaned_data["start"], form.cleaned_data["end"]
        )
    return render(
        request, "policy/dry_run.html", {"form": form, "result": result, "current_code": code}
    )
