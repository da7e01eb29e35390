"""Staff API for the case workflow: read violations and notices, act on a case.

Each action calls the same service the pages call. There is no plate search: neither
endpoint filters on a plate, and notices are read by number or listed, never by plate.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enforcement.api import ViewPermissions, ViolationSerializer, ViolationViewSet
from enforcement.cases import transitions as t
from enforcement.cases.guards import TransitionError
from enforcement.models import Notice

# API action -> the permission the actor's role must grant.
ACTION_PERMISSIONS = {
    "review": "enforcement.review_violation",
    "dismiss": "enforcement.view_evidence",  # the service decides reviewer vs approver
    "approve": "enforcement.approve_violation",
    "confirm_vehicle": "enforcement.approve_violation",
    "vehicle_mismatch": "enforcement.approve_violation",
}


class CaseActionPermission(ViewPermissions):
    """Reading needs the view permission; each action its role's permission instead
    of the model's add/change permission (nobody edits a violation directly)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        needed = ACTION_PERMISSIONS.get(getattr(view, "action", "") or "")
        if needed is None:
            return super().has_permission(request, view)
        return bool(request.user and request.user.has_perm(needed))


class CaseSerializer(ViolationSerializer):
    class Meta(ViolationSerializer.Meta):
        fields = [*ViolationSerializer.Meta.fields, "id", "reviewed_at", "approved_at"]


class ReviewSerializer(serializers.Serializer):
    plate = serializers.CharField(max_length=20)


class DismissSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(t.DISMISS_REASONS))
    text = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class NoticeSerializer(serializers.ModelSerializer):
    violation: serializers.Field = serializers.SlugRelatedField(
        slug_field="event_id", read_only=True
    )

    class Meta:
        model = Notice
        fields = ["number", "kind", "violation", "ruleset", "fine_amount", "currency",
                  "language", "issued_at", "mailed_on", "deadlines", "defaulted_on"]  # fmt: skip


class CaseViewSet(ViolationViewSet):
    """Violations, plus the review and approval actions (each with its reason)."""

    serializer_class = CaseSerializer
    permission_classes = [CaseActionPermission]

    def _run(
        self, request: Request, fn: Any, body: type[serializers.Serializer] | None
    ) -> Response:
        violation = self.get_object()
        data: dict[str, Any] = {}
        if body is not None:
            s = body(data=request.data)
            s.is_valid(raise_exception=True)
            data = dict(s.validated_data)
        try:
            fn(violation.pk, request.user, **data)
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        violation.refresh_from_db()
        return Response(CaseSerializer(violation).data)

    @extend_schema(request=ReviewSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, event_id: str) -> Response:
        return self._run(request, t.violation_review, ReviewSerializer)

    @extend_schema(request=DismissSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, event_id: str) -> Response:
        return self._run(request, t.violation_dismiss, DismissSerializer)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, event_id: str) -> Response:
        return self._run(request, t.violation_approve, None)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-vehicle")
    def confirm_vehicle(self, request: Request, event_id: str) -> Response:
        return self._run(request, t.violation_vehicle_confirm, None)

    @extend_schema(request=ReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="vehicle-mismatch")
    def vehicle_mismatch(self, request: Request, event_id: str) -> Response:
        return self._run(request, t.violation_vehicle_mismatch, ReasonSerializer)


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Citations and warnings, by number; filterable by kind, never by plate."""

    serializer_class = NoticeSerializer
    permission_classes = [ViewPermissions]
    filterset_fields = ["kind"]
    lookup_field = "number"

    def get_queryset(self) -> QuerySet[Notice]:
        return Notice.objects.select_related("violation").order_by("-issued_at")
