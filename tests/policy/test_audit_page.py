"""The auditor's audit-log page: filters, a CSV export that is itself audited, and the
request id and keyed source hash recorded with every event written by a request."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from policy.audit import audit_record
from policy.audit_chain import audit_verify
from policy.audit_context import audit_context_open, source_hash
from policy.models import AuditEvent
from tests.policy.tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client: Client, staff: Callable[..., Any]) -> Client:
    client.force_login(staff("auditor"))
    return client


def _csv(response: Any) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_page_filters_by_action_and_actor(auditor: Client) -> None:
    audit_record(actor=None, action="violation.recorded", actor_label="camera:elm-st")
    audit_record(actor=None, action="selftest.recorded", actor_label="camera:oak-av")
    page = auditor.get(reverse("policy:audit-log"), {"action": "violation.", "actor": "elm"})
    assert page.status_code == 200
    assert [e.action for e in page.context["page"]] == ["violation.recorded"]


def test_an_end_date_before_the_start_date_is_explained_and_filters_nothing(
    auditor: Client,
) -> None:
    audit_record(actor=None, action="test.one")
    page = auditor.get(reverse("policy:audit-log"), {"since": "2026-12-06", "until": "2026-01-01"})
    assert "The end date is before the start date." in page.content.decode()


def test_the_csv_export_holds_the_filtered_events_and_is_audited(auditor: Client) -> None:
    audit_record(actor=None, action="violation.recorded")
    audit_record(actor=None, action="selftest.recorded")
    response = auditor.get(reverse("policy:audit-log-csv"), {"action": "selftest"})
    rows = _csv(response)
    assert [r["action"] for r in rows] == ["selftest.recorded"]
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    export = AuditEvent.objects.get(action="audit.exported")
    assert export.details == {"action": "selftest"}


def test_an_event_written_by_a_request_carries_its_id_and_a_hashed_source(
    auditor: Client,
) -> None:
    response = auditor.get(
        reverse("policy:audit-log-csv"),
        HTTP_X_REQUEST_ID="req-1234567890",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response["X-Request-ID"] == "req-1234567890"
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.request_id == "req-1234567890"
    assert event.source == source_hash("203.0.113.9") and len(event.source) == 32
    assert "203.0.113.9" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_a_malformed_request_id_is_replaced_by_a_fresh_one(auditor: Client) -> None:
    response = auditor.get(reverse("policy:audit-log"), HTTP_X_REQUEST_ID="bad id <script>")
    assert response["X-Request-ID"] != "bad id <script>" and len(response["X-Request-ID"]) == 32


def test_the_request_id_and_source_are_covered_by_the_hash() -> None:
    with audit_context_open("job-42424242", "198.51.100.7"):
        event = audit_record(actor=None, action="test.contextual")
    assert event.request_id == "job-42424242"
    assert audit_verify().ok
    tamper("UPDATE policy_auditevent SET request_id = 'other-4242424' WHERE id = %s", event.pk)
    assert audit_verify().broken_at == event.pk


def test_someone_without_the_auditor_role_cannot_read_or_export_the_log(
    client: Client, staff: Callable[..., Any]
) -> None:
    client.force_login(staff("operator"))
    assert client.get(reverse("policy:audit-log")).status_code in (302, 403)
    assert client.get(reverse("policy:audit-log-csv")).status_code in (302, 403)
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
