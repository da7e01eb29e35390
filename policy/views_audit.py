"""The auditor's pages: the audit log with filters, its CSV export, the chain's state."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from policy.access import require
from policy.audit import audit_record
from policy.audit_chain import audit_verify_recent
from policy.forms_audit import AuditFilterForm
from policy.models import AuditEvent
from policy.selectors import audit_events

CSV_COLUMNS = [
    "id", "created_at", "actor_label", "action", "object_type", "object_id", "reason",
    "request_id", "source", "details", "prev_hash", "hash",
]  # fmt: skip


def _form(request: HttpRequest) -> AuditFilterForm:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form


@require("policy.view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    events = audit_events(form.selection()).select_related("actor")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "query": query.urlencode(),
        "chain": audit_verify_recent(),
    }
    return render(request, "policy/audit_log.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _rows(events: Iterator[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in events:
        row = [getattr(e, name) for name in CSV_COLUMNS]
        row[0], row[1] = e.pk, e.created_at.isoformat()
        yield writer.writerow(row)


@require("policy.view_audit_log")
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, streamed; the export itself is audited."""
    form = _form(request)
    selection = form.selection()
    audit_record(
        actor=request.user,
        action="audit.exported",
        reason="audit log exported as CSV",
        details={k: str(v) for k, v in vars(selection).items() if v},
    )
    events = audit_events(selection).order_by("id").iterator(chunk_size=2000)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
