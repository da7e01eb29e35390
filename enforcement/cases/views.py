"""Thin views for the review queue, the case page and its actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cameras.models import Camera
from enforcement.cases import transitions as t
from enforcement.cases.guards import CaseTaken, TransitionError
from enforcement.cases.owners import RegistryError
from enforcement.cases.selectors import (
    QUEUE_PERMISSION,
    QUEUES,
    SPEED_BANDS,
    QueueFilters,
    case_checks,
    case_files,
    case_next,
    case_queue,
)
from enforcement.models import Violation, ViolationStatus
from policy.audit import audit_record
from policy.presets import preset_for


def _queue_or_404(request: HttpRequest, queue: str) -> None:
    if queue not in QUEUES:
        raise Http404
    if not request.user.has_perm(QUEUE_PERMISSION[queue]):
        raise PermissionDenied


@login_required
def queue_list(request: HttpRequest, queue: str) -> HttpResponse:
    _queue_or_404(request, queue)
    filters = QueueFilters.from_query(request.GET)
    page = Paginator(case_queue(queue, request.user, filters), 50).get_page(request.GET.get("page"))
    # Every registered camera: a DISTINCT over the waiting cases cost 120 ms at 10,000.
    cameras = Camera.objects.order_by("code").values_list("code", flat=True)
    context = {
        "queue": queue,
        "page": page,
        "filters": filters,
        "bands": list(SPEED_BANDS),
        "cameras": cameras,
    }
    return render(request, "enforcement/cases/queue.html", context)


@login_required
def queue_next(request: HttpRequest, queue: str) -> HttpResponse:
    _queue_or_404(request, queue)
    nxt = case_next(queue, request.user)
    if nxt is None:
        messages.info(request, _("The queue is empty."))
        return redirect("enforcement:queue", queue=queue)
    return redirect("enforcement:case", pk=nxt.pk)


def _queue_of(violation: Violation) -> str:
    return "review" if violation.status in QUEUES["review"] else "approval"


@login_required
@permission_required("enforcement.view_evidence", raise_exception=True)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    violation = get_object_or_404(Violation.objects.select_related("camera__site"), pk=pk)
    queue = _queue_of(violation)
    if violation.status in QUEUES[queue]:
        try:
            t.violation_claim(violation.pk, request.user)
        except CaseTaken:
            messages.error(request, _("Another reviewer has this case open."))
            return redirect("enforcement:queue", queue=queue)
        except TransitionError as exc:
            raise PermissionDenied(str(exc)) from exc
    context = {
        "v": violation,
        "queue": queue,
        "files": case_files(violation),
        "checks": case_checks(violation),
        "threshold": preset_for(violation.camera.site.jurisdiction).threshold_kmh,
        "owner": getattr(violation, "owner", None),
        "reasons": t.DISMISS_REASONS.items(),
        "S": ViolationStatus,
    }
    return render(request, "enforcement/cases/case.html", context)


@login_required
@permission_required("enforcement.view_evidence", raise_exception=True)
def case_file(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """One evidence file, only if the manifest lists it; every opening is audited."""
    violation = get_object_or_404(Violation, pk=pk)
    if name not in case_files(violation).values() or not violation.evidence_dir:
        raise Http404
    storage = storages["evidence"]
    try:
        handle = storage.open(f"{violation.evidence_dir}/{name}", "rb")
    except FileNotFoundError:
        raise Http404 from None
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="violation.evidence_viewed",
            obj=violation,
            details={"file": name},
        )
    return FileResponse(handle, content_type="image/jpeg")


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int) -> HttpResponse:
    violation = get_object_or_404(Violation, pk=pk)
    queue = _queue_of(violation)
    action, post, user = request.POST.get("action", ""), request.POST, request.user
    try:
        if action == "review":
            t.violation_review(pk, user, plate=post.get("plate", ""))
        elif action == "dismiss":
            t.violation_dismiss(pk, user, code=post.get("code", ""), text=post.get("text", ""))
        elif action == "approve":
            t.violation_approve(pk, user)
        elif action == "confirm":
            t.violation_vehicle_confirm(pk, user)
        elif action == "mismatch":
            t.violation_vehicle_mismatch(pk, user, reason=post.get("text", ""))
        elif action == "lookup":
            if not user.has_perm("enforcement.approve_violation"):
                raise TransitionError("only approvers retry an owner lookup")
            t.violation_owner_lookup(pk)
        elif action == "close":
            t.violation_close(pk, user, reason=post.get("text", "") or "no registered owner")
        else:
            raise TransitionError(f"unknown action {action!r}")
    except (TransitionError, RegistryError) as exc:
        messages.error(request, str(exc))
        return redirect("enforcement:case", pk=pk)
    violation.refresh_from_db()
    messages.success(
        request,
        _("Case %(pk)s: %(status)s.") % {"pk": pk, "status": violation.get_status_display()},
    )
    if violation.status in (ViolationStatus.OWNER_FOUND, ViolationStatus.APPROVED):
        return redirect("enforcement:case", pk=pk)  # the approver compares the vehicle next
    return redirect(reverse("enforcement:queue-next", kwargs={"queue": queue}))
