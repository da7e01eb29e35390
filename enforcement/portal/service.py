"""Community service instead of the fine, where the rule set offers it: the resident
asks for it, a clerk records the hours done, and the last hour closes the case."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.cases.guards import Actor, TransitionError, require_role
from enforcement.models import Notice, Violation, ViolationStatus
from enforcement.portal.payments import RESIDENT
from enforcement.portal.relief import _open_case
from enforcement.portal.relief_models import CommunityService, PaymentPlan
from enforcement.portal.rules import portal_rules
from policy.audit import audit_record


def service_request(notice_id: int) -> CommunityService:
    with transaction.atomic():
        notice = Notice.objects.get(pk=notice_id)
        _open_case(notice)
        hours = portal_rules(notice.ruleset).service_hours
        if hours is None:
            raise TransitionError(_("These rules do not offer community service."))
        if CommunityService.objects.filter(notice=notice).exists():
            raise TransitionError(_("Community service was already chosen for this notice."))
        if PaymentPlan.objects.filter(notice=notice).exists():
            raise TransitionError(_("This notice already has a payment plan."))
        service = CommunityService.objects.create(
            notice=notice, hours_required=hours, requested_at=timezone.now()
        )
        audit_record(
            actor=None,
            actor_label=RESIDENT,
            action="service.requested",
            obj=notice,
            details={"hours": str(hours)},
        )
    return service


def service_hours_record(
    notice_id: int, actor: Actor, *, hours: Decimal, note: str
) -> CommunityService:
    """A clerk records hours done (with where and when in the note)."""
    require_role(actor, "clerk", "record community service")
    if hours <= 0 or not note.strip():
        raise TransitionError("record a positive number of hours and where they were done")
    with transaction.atomic():
        service = CommunityService.objects.select_for_update().get(notice_id=notice_id)
        violation = Violation.objects.select_for_update(of=("self",)).get(
            pk=service.notice.violation_id
        )
        if service.completed_at is not None or violation.status != ViolationStatus.NOTICE_MAILED:
            raise TransitionError("this community service is already complete")
        service.hours_done = min(service.hours_required, service.hours_done + hours)
        if service.hours_done >= service.hours_required:
            service.completed_at = timezone.now()
            violation.status = ViolationStatus.CLOSED
            violation.status_reason = "community service completed"
            violation.closed_at = service.completed_at
            violation.save(update_fields=["status", "status_reason", "closed_at"])
        service.save()
        audit_record(
            actor=actor,
            action="service.hours_recorded",
            obj=service.notice,
            reason=note.strip(),
            details={"hours": str(hours), "done": str(service.hours_done)},
        )
    return service
