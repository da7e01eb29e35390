"""Read-only API. There is deliberately no plate search endpoint.

Its answers besides 200 are part of the schema: 400 for a bad or empty filter
(``?status=`` is refused rather than read as "no filter": a client that sent an empty
value meant something, and silently widening its query would mislead it), 403 without
the view permission, 404 for an unknown id.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers, viewsets

from cameras.models import Camera, Direction
from enforcement.models import Violation, ViolationStatus

EMPTY_FILTER = _("An empty filter is not allowed: give a value or leave the parameter out.")

_DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
_FIELD_ERRORS = inline_serializer(
    "FilterErrors",
    fields={"<parameter>": serializers.ListField(child=serializers.CharField())},
)
LIST_ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(_FIELD_ERRORS, description="A filter is empty or not a valid value; "
                         "the answer names each parameter with its messages."),
    403: OpenApiResponse(_DETAIL, description="Not signed in, or no view permission."),
}  # fmt: skip
DETAIL_ERRORS: dict[int, OpenApiResponse] = {
    403: LIST_ERRORS[403],
    404: OpenApiResponse(_DETAIL, description="No such object."),
}


class StrictFilterSet(django_filters.FilterSet):
    """A filter given with an empty value is an error (400), not "no filter"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            values: list[Any] = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            if name in self.data and all(str(v).strip() == "" for v in values or [""]):
                self.form.add_error(name, str(EMPTY_FILTER))
                valid = False
        return valid


class CameraFilter(StrictFilterSet):
    direction = django_filters.ChoiceFilter(choices=Direction.choices)

    class Meta:
        model = Camera
        fields = ["active", "direction"]


class ViolationFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=ViolationStatus.choices)
    camera__code = django_filters.CharFilter()

    class Meta:
        model = Violation
        fields = ["status", "camera__code"]


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


@extend_schema_view(
    list=extend_schema(responses={200: CameraSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(responses={200: CameraSerializer, **DETAIL_ERRORS}),
)
class CameraViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CameraSerializer
    permission_classes = [ViewPermissions]
    filterset_class = CameraFilter

    def get_queryset(self) -> QuerySet[Camera]:
        return Camera.objects.select_related("site").order_by("code")


@extend_schema_view(
    list=extend_schema(responses={200: ViolationSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(responses={200: ViolationSerializer, **DETAIL_ERRORS}),
)
class ViolationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ViolationSerializer
    permission_classes = [ViewPermissions]
    filterset_class = ViolationFilter
    lookup_field = "event_id"

    def get_queryset(self) -> QuerySet[Violation]:
        return Violation.objects.select_related("camera").order_by("-measured_at")
