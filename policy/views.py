"""Equity-office pages: thin views over the policy services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from policy.access import require
from policy.effectiveness import placement_effectiveness
from policy.forms import CommentForm, DecisionForm, ProposalForm, ReasonForm, SignageForm
from policy.maps import placement_map
from policy.models import District, PlacementProposal, PlacementStatus
from policy.placement_selectors import crashes_near, justification_reasons
from policy.services import placements as svc

REVIEW = "policy.review_placement"


@require("policy.view_placementproposal")
def placement_list(request: HttpRequest) -> HttpResponse:
    placements = PlacementProposal.objects.select_related("site", "district", "tract").order_by(
        "-created_at"
    )
    return render(
        request,
        "policy/placement_list.html",
        {"placements": placements, "city": District.objects.first()},
    )


@require("policy.add_placementproposal")
def placement_new(request: HttpRequest) -> HttpResponse:
    # A city runs one rule set; new proposals start from the one its placements use.
    current = PlacementProposal.objects.order_by("-created_at").values_list(
        "jurisdiction", flat=True
    )
    form = ProposalForm(request.POST or None, initial={"jurisdiction": current.first() or "demo"})
    if request.method == "POST" and form.is_valid():
        try:
            placement = svc.placement_propose(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except svc.PlacementError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Proposal saved as a draft."))
            return redirect("policy:placement", pk=placement.pk)
    return render(request, "policy/placement_form.html", {"form": form})


@require("policy.view_placementproposal")
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    placement = get_object_or_404(
        PlacementProposal.objects.select_related("tract", "district", "proposed_by"), pk=pk
    )
    today = timezone.localdate()
    crashes = None
    if placement.latitude is not None and placement.longitude is not None:
        crashes = crashes_near(placement.latitude, placement.longitude, today)
    user = request.user
    can_decide = (
        placement.status == PlacementStatus.SUBMITTED
        and user.has_perm(REVIEW)
        and user.pk != placement.proposed_by_id
    )
    context = {
        "placement": placement,
        "crashes": crashes,
        "needs": justification_reasons(placement),
        "map": placement_map(placement),
        "comments": placement.comments.all(),
        "reviews": placement.reviews.select_related("reviewer"),
        "can_decide": can_decide,
        "comments_open": placement.comments_close_on is not None
        and today <= placement.comments_close_on,
        "decision_form": DecisionForm(),
        "comment_form": CommentForm(initial={"received_on": today}),
        "signage_form": SignageForm(initial={"installed_on": today}),
        "reason_form": ReasonForm(),
        "city": placement.district or District.objects.first(),
        "effect": placement_effectiveness(placement, today)
        if placement.status == PlacementStatus.APPROVED and placement.active_from
        else None,
    }
    return render(request, "policy/placement_detail.html", context)


def _run(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    placement = get_object_or_404(PlacementProposal, pk=pk)
    user = request.user
    try:
        if action == "submit":
            svc.placement_submit(placement, actor=user)  # type: ignore[arg-type]
        elif action == "decide":
            form = DecisionForm(request.POST)
            if not form.is_valid():
                raise svc.PlacementError(_("Choose a decision and write its reasons."))
            svc.placement_decide(placement, reviewer=user, **form.cleaned_data)  # type: ignore[arg-type]
        elif action == "comment":
            cform = CommentForm(request.POST)
            if not cform.is_valid():
                raise svc.PlacementError(_("A comment needs a date and a text."))
            svc.placement_comment(placement, **cform.cleaned_data)
        elif action == "signage":
            sform = SignageForm(request.POST, request.FILES)
            if not sform.is_valid():
                raise svc.PlacementError(_("Signage needs a photo and a date."))
            svc.placement_confirm_signage(
                placement,
                actor=user,  # type: ignore[arg-type]
                photo=sform.cleaned_data["photo"],
                installed_on=sform.cleaned_data["installed_on"],
            )
        elif action == "activate":
            svc.placement_activate(placement, actor=user)  # type: ignore[arg-type]
        elif action == "effectiveness":
            keep = request.POST.get("keep") == "yes"
            reasons = request.POST.get("reason", "")
            svc.placement_review_effectiveness(
                placement,
                actor=user,  # type: ignore[arg-type]
                keep=keep,
                reasons=reasons,
            )
        elif action in ("suspend", "rereview"):
            rform = ReasonForm(request.POST)
            reason = rform.data.get("reason", "")
            if action == "suspend":
                svc.placement_suspend(placement, actor=user, reason=reason)  # type: ignore[arg-type]
            else:
                svc.placement_rereview(placement, actor=user, reasons=reason)  # type: ignore[arg-type]
    except svc.PlacementError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("policy:placement", pk=pk)


@require_POST
@require("policy.add_placementproposal")
def placement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, "submit")


@require_POST
@require(REVIEW)
def placement_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, "decide")


@require_POST
@require("policy.add_placementproposal")
def placement_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _run(request, pk, "comment")


@require_POST
@require(REVIEW)
def placement_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in ("signage", "activate", "suspend", "rereview", "effectiveness"):
        return HttpResponse(status=404)
    return _run(request, pk, step)
