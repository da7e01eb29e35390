"""What retention purges of a case besides its evidence: the files residents uploaded
to a contest or a relief request, the payment provider's references, and the closed
case's administrative details (statements, a nominated driver, a relief request's
income). Each counts from the case's final disposition (``Violation.closed_at``).

Uploads go whole: the file in the private ``portal`` storage is deleted and checked
gone, then its row. Payments and instalments keep their amount, currency and dates (the
transparency report's fines collected are made from them) and lose the provider's
references and any refund's reason. Administrative details are blanked in place: the
decisions, dates and statuses stay.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import Storage
from django.db.models import Exists, OuterRef, QuerySet

from enforcement.models import (
    Contest,
    ContestDocument,
    Instalment,
    Nomination,
    Payment,
    ReliefDocument,
    ReliefRequest,
    Violation,
    ViolationStatus,
)
from enforcement.portal.models import StoredDocument

CONTEST_CASE = "contest__notice__violation"
RELIEF_CASE = "relief__notice__violation"


def contest_documents() -> QuerySet[ContestDocument]:
    return ContestDocument.objects.filter(**{f"{CONTEST_CASE}__closed_at__isnull": False})


def relief_documents() -> QuerySet[ReliefDocument]:
    return ReliefDocument.objects.filter(**{f"{RELIEF_CASE}__closed_at__isnull": False})


def purge_document(document: StoredDocument, storage: Storage, now: dt.datetime) -> int:
    """Delete an uploaded file and check it is gone, then the row that named it."""
    name = document.stored_name
    files = 0
    if name and storage.exists(name):
        storage.delete(name)
        files = 1
    if name and storage.exists(name):
        raise OSError(f"{document._meta.label_lower} {document.pk} is still in storage")
    document.delete()
    return files


def _closed() -> QuerySet[Violation]:
    return Violation.objects.filter(status=ViolationStatus.CLOSED, closed_at__isnull=False)


def cases_with_payments() -> QuerySet[Violation]:
    """Closed cases whose payments or instalments still carry the provider's references."""
    paid = Payment.objects.filter(notice__violation=OuterRef("pk"))
    planned = Instalment.objects.filter(plan__notice__violation=OuterRef("pk"))
    return _closed().filter(payments_purged_at__isnull=True).filter(Exists(paid) | Exists(planned))


def purge_payment_records(case: Violation, storage: Storage, now: dt.datetime) -> int:
    """The provider's references and refund reasons go; amounts and dates stay."""
    Payment.objects.filter(notice__violation=case).update(
        provider_reference="", refund_reference="", refund_reason=""
    )
    Instalment.objects.filter(plan__notice__violation=case).update(provider_reference="")
    case.payments_purged_at = now
    case.save(update_fields=["payments_purged_at"])
    return 0


def cases_with_admin_records() -> QuerySet[Violation]:
    """Closed cases not yet cleared; a case whose driver was named waits until the case
    reissued to the driver is closed too (the nomination serves both)."""
    reissued_open = Nomination.objects.filter(
        notice__violation=OuterRef("pk"), reissued__violation__closed_at__isnull=True
    )
    return _closed().filter(admin_purged_at__isnull=True).exclude(Exists(reissued_open))


def purge_admin_records(case: Violation, storage: Storage, now: dt.datetime) -> int:
    """Blank what a resident wrote and who a nominated driver is; decisions stay."""
    Contest.objects.filter(notice__violation=case).update(statement="", hearing_availability="")
    ReliefRequest.objects.filter(notice__violation=case).update(statement="", monthly_income=0)
    Nomination.objects.filter(notice__violation=case).update(
        driver_name="", driver_address="", driver_email="", statement="", signed_name=""
    )
    case.admin_purged_at = now
    case.save(update_fields=["admin_purged_at"])
    return 0
