"""Resident pages of relief (reduction request, payment plan) and the clerk's pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enforcement.cases.guards import TransitionError
from enforcement.portal.contest_views import _opened
from enforcement.portal.forms import DecisionForm, PayForm, PlanForm, ReliefForm
from enforcement.portal.payments import payment_key_new
from enforcement.portal.relief import instalment_pay, plan_create, relief_decide, relief_request
from enforcement.portal.relief_models import (
    CommunityService,
    PaymentPlan,
    ReliefRequest,
    ReliefStatus,
)
from enforcement.portal.rules import portal_rules
from enforcement.portal.service import service_hours_record, service_request
from enforcement.portal.uploads import UploadRefused
from enforcement.roles import user_roles

SESSION_PLAN_KEY = "portal_plan_key"


@never_cache
def portal_relief(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    if notice is None:
        return redirect("public:portal")
    rules = portal_rules(notice.ruleset)
    tiers = [(t.code, f"{t.label} ({t.percent}%)") for t in rules.relief_tiers]
    form = ReliefForm(request.POST or None, request.FILES or None, tiers=tiers)
    if request.method == "POST" and form.is_valid():
        try:
            relief_request(
                notice.pk,
                files=request.FILES.getlist("documents"),
                **{
                    k: form.cleaned_data[k]
                    for k in ("tier", "household_size", "monthly_income", "statement")
                },
            )
        except UploadRefused as exc:
            form.add_error("documents", str(exc))
        except TransitionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Your request was received. A clerk will answer in writing.")
            )
            return redirect("portal:case")
    context = {"form": form, "rules": rules, "has_tiers": bool(tiers)}
    return render(request, "enforcement/portal/relief.html", context)


@never_cache
def portal_plan(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    if notice is None:
        return redirect("public:portal")
    plan = PaymentPlan.objects.filter(notice=notice).first()
    rules = portal_rules(notice.ruleset)
    form = PlanForm(request.POST or None, initial={"monthly": rules.plan_max_monthly})
    if request.method == "POST" and plan is None and form.is_valid():
        try:
            plan_create(notice.pk, monthly=form.cleaned_data["monthly"])
        except TransitionError as exc:
            form.add_error("monthly", str(exc))
        else:
            messages.success(request, _("Your payment plan is set up."))
            return redirect("portal:plan")
    key = request.session.get(SESSION_PLAN_KEY) or payment_key_new()
    request.session[SESSION_PLAN_KEY] = key
    context = {
        "plan": plan,
        "form": form,
        "rules": rules,
        "pay_form": PayForm(initial={"key": key}),
    }
    return render(request, "enforcement/portal/plan.html", context)


@require_POST
def portal_plan_pay(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    plan = PaymentPlan.objects.filter(notice=notice).first() if notice is not None else None
    form = PayForm(request.POST)
    if (
        plan is None
        or not form.is_valid()
        or form.cleaned_data["key"] != request.session.get(SESSION_PLAN_KEY)
    ):
        messages.error(request, _("The payment form expired. Please try again."))
        return redirect("portal:plan" if plan else "public:portal")
    try:
        paid = instalment_pay(plan.pk, key=form.cleaned_data["key"])
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        request.session.pop(SESSION_PLAN_KEY, None)  # the next instalment gets a new key
        messages.success(request, _("Instalment %(n)s paid.") % {"n": paid.sequence})
    return redirect("portal:plan")


def _clerk(request: HttpRequest) -> None:
    if "clerk" not in user_roles(request.user):
        raise PermissionDenied


@require_POST
def portal_service(request: HttpRequest) -> HttpResponse:
    notice = _opened(request)
    if notice is None:
        return redirect("public:portal")
    try:
        service = service_request(notice.pk)
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Community service chosen: %(h)s hours. A clerk records the hours you do.")
            % {"h": service.hours_required},
        )
    return redirect("portal:case")


@login_required
def relief_list(request: HttpRequest) -> HttpResponse:
    _clerk(request)
    waiting = ReliefRequest.objects.filter(status=ReliefStatus.SUBMITTED).order_by("submitted_at")
    services = CommunityService.objects.filter(completed_at__isnull=True).select_related("notice")
    context = {"waiting": waiting, "services": services.order_by("requested_at")}
    return render(request, "enforcement/portal/staff_relief.html", context)


@login_required
@require_POST
def service_record(request: HttpRequest, notice_id: int) -> HttpResponse:
    _clerk(request)
    try:
        hours = Decimal(request.POST.get("hours", ""))
        service_hours_record(
            notice_id, request.user, hours=hours, note=request.POST.get("note", "")
        )
    except (InvalidOperation, TransitionError) as exc:
        messages.error(request, str(exc) or _("Enter the hours as a number."))
    else:
        messages.success(request, _("Hours recorded."))
    return redirect("relief:list")


@login_required
def relief_file(request: HttpRequest, pk: int) -> HttpResponse:
    _clerk(request)
    relief = get_object_or_404(ReliefRequest.objects.select_related("notice"), pk=pk)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                relief_decide(
                    pk,
                    request.user,
                    grant=form.cleaned_data["outcome"] == "dismiss",
                    reasons=form.cleaned_data["reasons"],
                )
            except TransitionError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Relief %(pk)s: decision recorded.") % {"pk": pk})
                return redirect("relief:list")
    else:
        form = DecisionForm()
    form.fields["outcome"].choices = [  # type: ignore[attr-defined]
        ("dismiss", _("Grant the reduction")),
        ("uphold", _("Refuse the reduction")),
    ]
    return render(
        request, "enforcement/portal/staff_relief_file.html", {"relief": relief, "form": form}
    )
