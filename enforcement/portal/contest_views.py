"""Resident pages of a contest (open it, request a hearing, open one's own documents)
and of naming the driver."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enforcement.cases.guards import TransitionError
from enforcement.models import Notice
from enforcement.portal.contests import contest_open, hearing_request
from enforcement.portal.forms import ContestForm, HearingForm, NominationForm
from enforcement.portal.lookup import RESIDENT
from enforcement.portal.models import ContestDocument
from enforcement.portal.nominations import driver_nominate
from enforcement.portal.rules import GROUNDS, portal_rules
from enforcement.portal.uploads import UploadRefused
from enforcement.portal.views import SESSION_NOTICE
from policy.audit import audit_record


def _opened(request: HttpRequest) -> Notice | None:
    value = request.session.get(SESSION_NOTICE)
    if not isinstance(value, int):
        return None
    return Notice.objects.select_related("violation").get(pk=value)


@never_cache
def portal_contest(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    if notice is None:
        return redirect("public:portal")
    grounds = [(g, GROUNDS[g]) for g in portal_rules(notice.ruleset).contest_grounds]
    form = ContestForm(request.POST or None, request.FILES or None, grounds=grounds)
    if request.method == "POST" and form.is_valid():
        try:
            contest_open(
                notice.pk,
                ground=form.cleaned_data["ground"],
                statement=form.cleaned_data["statement"],
                files=request.FILES.getlist("documents"),
            )
        except UploadRefused as exc:
            form.add_error("documents", str(exc))
        except TransitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your contest was received. We will answer in writing."))
            return redirect("portal:case")
    return render(request, "enforcement/portal/contest.html", {"form": form, "notice": notice})


@require_POST
def portal_hearing(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    contest = getattr(notice, "contest", None) if notice is not None else None
    if contest is None:
        return redirect("public:portal")
    form = HearingForm(request.POST)
    if form.is_valid():
        try:
            hearing_request(
                contest.pk,
                mode=form.cleaned_data["mode"],
                availability=form.cleaned_data["availability"],
            )
            messages.success(request, _("Your hearing request was received."))
        except TransitionError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Choose how you want to be heard."))
    return redirect("portal:case")


@never_cache
def portal_document(request: HttpRequest, pk: int) -> FileResponse:
    """One of the documents the browser session's own contest holds; any other id is a 404."""
    notice = _opened(request)
    if notice is None:
        raise Http404
    doc = ContestDocument.objects.filter(pk=pk, contest__notice=notice).first()
    if doc is None:
        raise Http404
    with transaction.atomic():
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="contest.document_viewed",
            obj=notice,
            details={"document": doc.pk},
        )
    response = FileResponse(
        storages["portal"].open(doc.stored_name, "rb"), content_type=doc.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
def portal_nominate(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    if notice is None:
        return redirect("public:portal")
    form = NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            driver_nominate(notice.pk, **form.cleaned_data)
        except TransitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Thank you. The notice is closed for you and sent to the driver.")
            )
            return redirect("portal:case")
    return render(request, "enforcement/portal/nominate.html", {"form": form, "notice": notice})
