"""Read-only API. There is deliberately no plate search endpoint."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import permissions, serializers, viewsets

from cameras.models import Camera
from enforcement.models import Violation


class ViewPermissions(permissions.DjangoModelPermissions):
    """Reading needs the model's view permission too, not just a login."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class CameraSerializer(serializers.ModelSerializer):
    site: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = Camera
        fields = ["id", "code", "name", "site", "direction", "lanes", "speed_limit_kmh", "active"]


class ViolationSerializer(serializers.ModelSerializer):
    camera: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Violation
        # No plate: reading plates is the reviewers' job in the audited UI.
        fields = [
            "event_id",
            "camera",
            "measured_at",
            "speed_kmh",
            "uncertainty_kmh",
            "limit_kmh",
            "vehicle_class",
            "status",
            "status_reason",
            "evidence_verified",
        ]


class CameraViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CameraSerializer
    permission_classes = [ViewPermissions]
    filterset_fields = ["active", "direction"]

    def get_queryset(self) -> QuerySet[Camera]:
        return Camera.objects.select_related("site").order_by("code")


class ViolationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ViolationSerializer
    permission_classes = [ViewPermissions]
    filterset_fields = ["status", "camera__code"]
    lookup_field = "event_id"

    def get_queryset(self) -> QuerySet[Violation]:
        return Violation.objects.select_related("camera").order_by("-measured_at")
