"""Public pages: the transparency report. No login. (The resident portal's pages live
in ``enforcement.portal``.)"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from enforcement.charts import grouped_bars
from enforcement.transparency import report_to_csv, transparency_report


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
