"""Staff pages of contests: the initial-review queue, the hearing docket (by date and
mode), and the whole case file on one page with the decision form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enforcement.cases.guards import TransitionError
from enforcement.cases.selectors import case_checks
from enforcement.portal.contests import contest_review, hearing_decide
from enforcement.portal.forms import DecisionForm
from enforcement.portal.models import Contest, ContestDocument, ContestStatus, HearingMode
from enforcement.portal.rules import GROUNDS
from enforcement.portal.selectors import portal_evidence_files, resident_case
from enforcement.roles import user_roles
from policy.audit import audit_record

STAFF_ROLES = ("reviewer", "hearing_officer")


def _staff(request: HttpRequest) -> set[str]:
    roles = set(user_roles(request.user)) & set(STAFF_ROLES)
    if not roles:
        raise PermissionDenied
    return roles


@login_required
def contest_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    mode = request.GET.get("mode", "")
    docket = Contest.objects.filter(status=ContestStatus.HEARING_REQUESTED)
    if mode in HearingMode.values:
        docket = docket.filter(hearing_mode=mode)
    context = {
        "review": Contest.objects.filter(status=ContestStatus.SUBMITTED).order_by("submitted_at"),
        "docket": docket.order_by("hearing_requested_at", "hearing_mode"),
        "modes": HearingMode.choices,
        "mode": mode,
    }
    return render(request, "enforcement/portal/staff_contests.html", context)


@login_required
def contest_file(request: HttpRequest, pk: int) -> HttpResponse:
    roles = _staff(request)
    contest = get_object_or_404(Contest.objects.select_related("notice__violation"), pk=pk)
    case = resident_case(contest.notice_id)
    context = {
        "contest": contest,
        "case": case,
        "ground": GROUNDS.get(contest.ground, contest.ground),
        "checks": case_checks(case.violation),
        "files": portal_evidence_files(case.violation),
        "form": DecisionForm(),
        "can_review": "reviewer" in roles and contest.status == ContestStatus.SUBMITTED,
        "can_decide": "hearing_officer" in roles
        and contest.status == ContestStatus.HEARING_REQUESTED,
    }
    return render(request, "enforcement/portal/staff_contest.html", context)


@login_required
@require_POST
def contest_act(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and write the reasons."))
        return redirect("contests:file", pk=pk)
    dismiss = form.cleaned_data["outcome"] == "dismiss"
    reasons = form.cleaned_data["reasons"]
    contest = get_object_or_404(Contest, pk=pk)
    try:
        if contest.status == ContestStatus.SUBMITTED:
            contest_review(pk, request.user, dismiss=dismiss, reasons=reasons)
        else:
            hearing_decide(pk, request.user, dismiss=dismiss, reasons=reasons)
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("contests:file", pk=pk)
    messages.success(request, _("Contest %(pk)s: decision recorded.") % {"pk": pk})
    return redirect("contests:list")


@login_required
def contest_document(request: HttpRequest, pk: int) -> FileResponse:
    _staff(request)
    doc = get_object_or_404(ContestDocument.objects.select_related("contest"), pk=pk)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="contest.document_viewed",
            obj=doc.contest.notice,
            details={"document": doc.pk},
        )
    return FileResponse(
        storages["portal"].open(doc.stored_name, "rb"), content_type=doc.content_type
    )
