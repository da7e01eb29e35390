"""Thin views for mailing batches: print, download, record as mailed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import storages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enforcement.cases.guards import TransitionError
from enforcement.cases.mailing import mailing_batch_create, mailing_batch_record_mailed
from enforcement.models import MailingBatch, Notice, ViolationStatus
from policy.audit import audit_record


@login_required
@permission_required("enforcement.mail_notice", raise_exception=True)
def mailing_list(request: HttpRequest) -> HttpResponse:
    waiting = Notice.objects.filter(
        batch__isnull=True,
        violation__status__in=[ViolationStatus.CITATION_ISSUED, ViolationStatus.WARNING_ISSUED],
    ).count()
    batches = MailingBatch.objects.order_by("-created_at")[:50]
    context = {"waiting": waiting, "batches": batches, "today": timezone.localdate()}
    return render(request, "enforcement/cases/mailing.html", context)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@login_required
@permission_required("enforcement.mail_notice", raise_exception=True)
@require_POST
def mailing_act(request: HttpRequest) -> HttpResponse:
    day = _day(request.POST.get("day", ""))
    if day is None:
        messages.error(request, _("Give the date as YYYY-MM-DD."))
        return redirect("enforcement:mailing")
    try:
        if request.POST.get("action") == "print":
            result = mailing_batch_create(request.user, day)
            text = (
                _("Nothing to print.")
                if result is None
                else _("Batch %(b)s printed with %(n)s notice(s).")
                % {"b": result.batch.pk, "n": len(result.pins)}
            )
        else:
            batch = int(request.POST.get("batch", "0"))
            n = mailing_batch_record_mailed(batch, request.user, day)
            text = _("Batch %(b)s recorded as mailed: %(n)s notice(s).") % {"b": batch, "n": n}
    except (TransitionError, ValueError, MailingBatch.DoesNotExist) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, text)
    return redirect("enforcement:mailing")


@login_required
@permission_required("enforcement.mail_notice", raise_exception=True)
def mailing_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """The batch's PDF (it holds the PINs) or manifest; every download is audited."""
    batch = get_object_or_404(MailingBatch, pk=pk)
    name = {"pdf": batch.pdf_name, "manifest": batch.manifest_name}.get(kind)
    if not name:
        raise Http404
    handle = storages["notices"].open(name, "rb")
    with transaction.atomic():
        audit_record(
            actor=request.user, action="mailing_batch.downloaded", obj=batch, details={"file": kind}
        )
    content_type = "application/pdf" if kind == "pdf" else "text/csv"
    return FileResponse(
        handle,
        content_type=content_type,
        as_attachment=True,
        filename=f"batch-{batch.pk}.{'pdf' if kind == 'pdf' else 'csv'}",
    )
