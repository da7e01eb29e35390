"""Thin views for residents: look-up, the case page, evidence and paying.

A successful look-up puts the notice's id in this browser's session (after a new
session key, so a planted cookie cannot ride on it). No page takes a notice or file id
from the URL: what a resident can open is whatever their session holds, so changing
an identifier opens nothing.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enforcement.cases.guards import TransitionError
from enforcement.models import Notice
from enforcement.portal.forms import LookupForm, PayForm
from enforcement.portal.lookup import RESIDENT, LookupOutcome, notice_lookup
from enforcement.portal.payments import payment_key_new, payment_record
from enforcement.portal.selectors import evidence_version, portal_evidence_files, resident_case
from policy.audit import audit_record

SESSION_NOTICE = "portal_notice"
SESSION_PAY_KEY = "portal_pay_key"


def _opened(request: HttpRequest) -> int | None:
    value = request.session.get(SESSION_NOTICE)
    return value if isinstance(value, int) else None


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@never_cache
def portal_lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    outcome, locked_until = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = notice_lookup(
            data["citation_number"], plate=data["plate"], pin=data["pin"], address=_address(request)
        )
        outcome, locked_until = result.outcome, result.locked_until
        if result.outcome == LookupOutcome.FOUND and result.notice is not None:
            request.session.cycle_key()
            request.session[SESSION_NOTICE] = result.notice.pk
            return redirect("portal:case")
        if result.outcome == LookupOutcome.MISTYPED:
            form.add_error(
                "citation_number",
                _("This number has a typing error: check each digit against your notice."),
            )
    context = {
        "form": form,
        "outcome": outcome.value if outcome else "",
        "locked_until": locked_until,
    }
    status = 429 if outcome == LookupOutcome.LOCKED else 200
    return render(request, "enforcement/portal/lookup.html", context, status=status)


@never_cache
def portal_case(request: HttpRequest) -> HttpResponse:
    notice_id = _opened(request)
    if notice_id is None:
        messages.info(request, _("Look up your notice first."))
        return redirect("public:portal")
    case = resident_case(notice_id)
    return render(request, "enforcement/portal/case.html", {"case": case})


# A photo never changes under its URL (the URL carries its digest): the resident's own
# browser may keep it for a while, no shared cache may (private), and leaving the case
# clears it (Clear-Site-Data).
EVIDENCE_CACHE_CONTROL = "private, max-age=3600"


def portal_evidence(request: HttpRequest, role: str) -> FileResponse:
    """One evidence file of the notice the browser session opened, its stored bytes as
    they are; every opening that reaches the server is audited."""
    notice_id = _opened(request)
    if notice_id is None:
        raise Http404
    notice = Notice.objects.select_related("violation").get(pk=notice_id)
    name = portal_evidence_files(notice.violation).get(role)
    if name is None:
        raise Http404
    version = evidence_version(notice.violation, name)
    if request.GET.get("v", version) != version:
        raise Http404
    try:
        handle = storages["evidence"].open(f"{notice.violation.evidence_dir}/{name}", "rb")
    except FileNotFoundError:
        raise Http404 from None
    audit_record(  # its own transaction
        actor=None,
        actor_label=RESIDENT,
        action="notice.evidence_viewed",
        obj=notice,
        details={"file": name, "role": role, "violation": notice.violation_id},
    )
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = EVIDENCE_CACHE_CONTROL
    response["ETag"] = f'"{version}"'
    patch_vary_headers(response, ["Cookie"])
    return response


@never_cache
def portal_pay(request: HttpRequest) -> HttpResponse:
    notice_id = _opened(request)
    if notice_id is None:
        return redirect("public:portal")
    if request.method == "POST":
        form = PayForm(request.POST)
        # Only a key this browser session was given: a key cannot be borrowed from elsewhere.
        if form.is_valid() and form.cleaned_data["key"] == request.session.get(SESSION_PAY_KEY):
            try:
                payment = payment_record(notice_id, key=form.cleaned_data["key"])
            except TransitionError:
                messages.error(request, _("This notice cannot be paid now."))
                return redirect("portal:case")
            messages.success(
                request,
                _("Payment received: %(amount)s %(currency)s, reference %(ref)s.")
                % {
                    "amount": payment.amount,
                    "currency": payment.currency,
                    "ref": payment.provider_reference,
                },
            )
            return redirect("portal:case")
        messages.error(request, _("The payment form expired. Please try again."))
    case = resident_case(notice_id)
    if not case.can_pay:
        messages.info(request, _("Nothing is owed on this notice now."))
        return redirect("portal:case")
    key = request.session.get(SESSION_PAY_KEY) or payment_key_new()
    request.session[SESSION_PAY_KEY] = key
    context = {"case": case, "form": PayForm(initial={"key": key}), "amount": case.amount_due}
    return render(request, "enforcement/portal/pay.html", context)


@require_POST
def portal_leave(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, _("You have closed your case in this browser."))
    response = redirect("public:portal")
    response["Clear-Site-Data"] = '"cache"'  # the case's photos in this browser's cache
    return response
