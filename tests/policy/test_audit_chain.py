from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from policy.audit import audit_record
from policy.audit_chain import audit_verify
from policy.models import AuditEvent
from tests.policy.tamper import tamper


def _three_events() -> list[AuditEvent]:
    return [
        audit_record(actor=None, action=f"test.step{i}", details={"i": i, "x": 0.1 * i})
        for i in range(3)
    ]


@pytest.mark.django_db
def test_an_untouched_chain_verifies() -> None:
    _three_events()
    report = audit_verify()
    assert report.ok and report.checked == 3


@pytest.mark.django_db
def test_each_event_links_to_the_one_before() -> None:
    first, second, third = _three_events()
    assert second.prev_hash == first.hash and third.prev_hash == second.hash


@pytest.mark.django_db
def test_an_edited_event_breaks_the_chain_at_that_event() -> None:
    _first, second, _third = _three_events()
    tamper("UPDATE policy_auditevent SET reason = 'quietly changed' WHERE id = %s", second.pk)
    report = audit_verify()
    assert not report.ok and report.broken_at == second.pk
    assert "edited" in report.problem


@pytest.mark.django_db
def test_a_deleted_event_breaks_the_chain_after_it() -> None:
    _first, second, third = _three_events()
    tamper("DELETE FROM policy_auditevent WHERE id = %s", second.pk)
    report = audit_verify()
    assert not report.ok and report.broken_at == third.pk


@pytest.mark.django_db
def test_the_audit_verify_command_fails_loudly_on_a_broken_chain() -> None:
    events = _three_events()
    call_command("audit_verify")
    tamper("UPDATE policy_auditevent SET action = 'something.else' WHERE id = %s", events[0].pk)
    with pytest.raises(CommandError, match="broken at event"):
        call_command("audit_verify")
