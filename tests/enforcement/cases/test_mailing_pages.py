from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from enforcement.cases import transitions as t
from enforcement.models import MailingBatch, Violation
from policy.models import AuditEvent

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _notice_storage(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "notices": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "notices"), "base_url": None},
        },
    }


def test_an_approver_prints_downloads_and_records_a_batch_from_the_page(
    case: Callable[..., Violation], people: dict[str, User], registry: Path
) -> None:
    v = case(plate="XYZ789")
    t.violation_review(v.pk, people["reviewer"], plate="XYZ789")
    t.violation_approve(v.pk, people["approver"])
    t.violation_vehicle_confirm(v.pk, people["approver"])
    client = Client()
    client.force_login(people["approver"])
    assert "1 notice waiting" in client.get("/staff/cases/mailing/").content.decode()
    r = client.post(
        "/staff/cases/mailing/act/", {"action": "print", "day": "2027-03-01"}, follow=True
    )
    assert "printed with 1 notice" in r.content.decode()
    batch = MailingBatch.objects.get()
    pdf = client.get(f"/staff/cases/mailing/{batch.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="mailing_batch.downloaded").count() == 1
    r = client.post(
        "/staff/cases/mailing/act/",
        {"action": "mailed", "batch": batch.pk, "day": "2027-02-01"},
        follow=True,
    )
    assert "before the date printed" in r.content.decode()
    client.post(
        "/staff/cases/mailing/act/", {"action": "mailed", "batch": batch.pk, "day": "2027-03-02"}
    )
    batch.refresh_from_db()
    assert batch.mailed_on.isoformat() == "2027-03-02"


def test_a_reviewer_cannot_reach_mailing(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["reviewer"])
    assert client.get("/staff/cases/mailing/").status_code == 403
    assert client.post("/staff/cases/mailing/act/", {"action": "print"}).status_code == 403
