"""Public pages: the resident portal's look-up and the transparency report. No login."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from enforcement.selectors import transparency_summary


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
    return render(request, "enforcement/transparency.html", {"summary": transparency_summary()})


# Footer pages: fixed content, one template each.
INFO_PAGES = ("help", "contact", "privacy", "accessibility", "use-policy")


def info_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in INFO_PAGES:
        raise Http404(slug)
    return render(request, f"pages/{slug}.html")
