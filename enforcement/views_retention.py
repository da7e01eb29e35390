"""The auditor's retention page: schedules, what is due, overdue, legal holds, and the
deletion log; placing and releasing holds."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enforcement import selectors_retention as selectors
from enforcement.forms_retention import LegalHoldForm, ReleaseHoldForm
from enforcement.holds import HoldError, legal_hold_place, legal_hold_release
from enforcement.models import LegalHold
from policy.access import require


def _page(request: HttpRequest, hold_form: LegalHoldForm | None = None) -> HttpResponse:
    outlook = selectors.retention_outlook()
    context = {
        "outlook": outlook,
        "due": dict(outlook.due),
        "schedules": selectors.retention_schedules(),
        "kept": selectors.kept_for_good(),
        "holds": selectors.legal_holds_active(),
        "deletions": selectors.deletions_recent(),
        "hold_form": hold_form or LegalHoldForm(),
        "release_form": ReleaseHoldForm(),
        "may_hold": request.user.has_perm("enforcement.manage_legal_hold"),
    }
    return render(request, "enforcement/retention.html", context)


@require("enforcement.view_retention")
def retention_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@require("enforcement.manage_legal_hold")
def hold_place(request: HttpRequest) -> HttpResponse:
    form = LegalHoldForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    assert isinstance(request.user, User)
    try:
        legal_hold_place(
            violation=form.cleaned_data["violation"],
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
            actor=request.user,
        )
    except HoldError as exc:
        form.add_error(None, str(exc))
        return _page(request, form)
    messages.success(request, _("Legal hold placed: the case will not be purged."))
    return redirect("enforcement:retention")


@require_POST
@require("enforcement.manage_legal_hold")
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(LegalHold, pk=pk)
    form = ReleaseHoldForm(request.POST)
    assert isinstance(request.user, User)
    if not form.is_valid():
        messages.error(request, _("Say why the hold ends."))
    else:
        try:
            legal_hold_release(hold=hold, reason=form.cleaned_data["reason"], actor=request.user)
            messages.success(request, _("Legal hold released."))
        except HoldError as exc:
            messages.error(request, str(exc))
    return redirect("enforcement:retention")
