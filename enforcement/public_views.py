"""Public pages: the transparency report. No login. (The resident portal's pages live
in ``enforcement.portal``.)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from enforcement.selectors import transparency_summary


def transparency(request: HttpRequest) -> HttpResponse:
    return render(request, "enforcement/transparency.html", {"summary": transparency_summary()})
