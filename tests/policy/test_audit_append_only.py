"""The audit log only grows: the ORM refuses to change or delete an event, and on
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE in SQL too."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db import DatabaseError, connection, transaction

from policy.audit import audit_record
from policy.models import AuditEvent, AuditLogIsAppendOnly

if TYPE_CHECKING:
    from django.db.backends.utils import _SQLType  # what a cursor adapts to SQL

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_saved_again_with_other_content() -> None:
    event = audit_record(actor=None, action="test.once", reason="first")
    event.reason = "second"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).reason == "first"


def test_an_event_cannot_be_deleted_through_the_orm() -> None:
    event = audit_record(actor=None, action="test.once")
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_queryset_update_of_events_is_refused() -> None:
    audit_record(actor=None, action="test.once")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.update(reason="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_update(list(AuditEvent.objects.all()), ["reason"])


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL trigger exists on PostgreSQL only"
)


def _locked_sql(sql: str, *params: _SQLType) -> None:
    """Run ``sql`` as the application's own connection would, without the unlock."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL fairspeed.audit_unlock = 'off'")
        cursor.execute(sql, list(params))


@needs_postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE policy_auditevent SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM policy_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_update_and_delete_are_refused_by_the_database(sql: str) -> None:
    event = audit_record(actor=None, action="test.once", reason="kept")
    with pytest.raises(DatabaseError, match="append-only"):
        _locked_sql(sql, event.pk)
    assert AuditEvent.objects.get(pk=event.pk).reason == "kept"


@needs_postgres
@pytest.mark.django_db(transaction=True)  # TRUNCATE needs a transaction of its own
def test_truncating_the_audit_table_is_refused_by_the_database() -> None:
    audit_record(actor=None, action="test.once")
    with pytest.raises(DatabaseError, match="append-only"):
        _locked_sql("TRUNCATE policy_auditevent")
    assert AuditEvent.objects.count() == 1
