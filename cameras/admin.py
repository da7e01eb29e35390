"""Admin: read-mostly. Calibrations, certificates, self-tests and heartbeats are evidence
of how a ticket was made, so the admin only shows them; sites and cameras may be edited
here too, and such edits are audited like the operator pages'."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from cameras.models import (
    Calibration,
    CalibrationCertificate,
    CalibrationStill,
    Camera,
    Heartbeat,
    SelfTest,
    Site,
    TrafficCount,
)
from policy.audit import audit_record


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cameras and sites are referenced by violations: deactivate instead

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        name = obj._meta.model_name
        audit_record(
            actor=request.user,
            action=f"{name}.{'updated' if change else 'created'}",
            obj=obj,
            reason="edited in the admin",
            details={"fields": list(form.changed_data)},
        )


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ("name", "zone_kind", "jurisdiction", "timezone")
    search_fields = ("name", "address")


@admin.register(Camera)
class CameraAdmin(AuditedAdmin):
    list_display = ("code", "name", "site", "speed_limit_kmh", "active")
    list_filter = ("active", "direction")
    search_fields = ("code", "name")
    readonly_fields = ("public_key_pem", "created_at")


@admin.register(Calibration)
class CalibrationAdmin(ReadOnlyAdmin):
    list_display = (
        "camera",
        "version",
        "residual_rms_m",
        "max_residual_m",
        "created_by",
        "created_at",
    )
    list_filter = ("camera",)


@admin.register(CalibrationStill)
class CalibrationStillAdmin(ReadOnlyAdmin):
    list_display = ("camera", "origin", "width", "height", "created_by", "created_at")


@admin.register(CalibrationCertificate)
class CalibrationCertificateAdmin(ReadOnlyAdmin):
    list_display = ("camera", "certificate_number", "issuer", "valid_from", "valid_until")
    list_filter = ("camera",)


@admin.register(SelfTest)
class SelfTestAdmin(ReadOnlyAdmin):
    list_display = ("camera", "ran_at", "passed", "reason")
    list_filter = ("passed", "camera")


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("camera", "received_at", "worker_id", "status", "fps", "lag_s", "spool_events")
    list_filter = ("status", "camera")


@admin.register(TrafficCount)
class TrafficCountAdmin(ReadOnlyAdmin):
    list_display = ("camera", "interval_start", "interval_minutes", "vehicles", "over_limit")
    list_filter = ("camera",)
