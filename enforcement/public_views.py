"""Public pages: the resident portal's look-up and the transparency report. No login."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from enforcement.charts import grouped_bars
from enforcement.transparency import report_to_csv, transparency_report


class NoticeLookupForm(forms.Form):
    notice_number = forms.CharField(label=_("Notice number"), max_length=30)
    plate = forms.CharField(label=_("Licence plate"), max_length=12)


def portal_lookup(request: HttpRequest) -> HttpResponse:
    form = NoticeLookupForm(request.POST or None)
    not_found = False
    if request.method == "POST" and form.is_valid():
        # Citations arrive with the review workflow; until then no notice can match,
        # and the message must not reveal whether a plate exists in the system.
        not_found = True
    return render(request, "enforcement/portal_lookup.html", {"form": form, "not_found": not_found})


def transparency(request: HttpRequest) -> HttpResponse:
    report = transparency_report()
    citywide = report["citywide"]
    context = {
        "report": report,
        "decisions_chart": grouped_bars(
            [(r["month"], [r["violations"], r["warnings"]]) for r in citywide[-12:]]
        ),
        "speeds_chart": grouped_bars(
            [
                (c["camera"], [c["before"]["speed_p85_kmh"], c["after"]["speed_p85_kmh"]])
                for c in report["cameras"]
            ]
        ),
    }
    return render(request, "enforcement/transparency.html", context)


def transparency_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(transparency_report(), json_dumps_params={"indent": 1})


def transparency_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="transparency-report.csv"'
    report_to_csv(transparency_report(), response)
    return response


# Footer pages: fixed content, one template each.
INFO_PAGES = ("help", "contact", "privacy", "accessibility", "use-policy")


def info_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in INFO_PAGES:
        raise Http404(slug)
    return render(request, f"pages/{slug}.html")
