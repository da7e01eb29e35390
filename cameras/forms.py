"""Operator forms: they validate shapes; services validate meaning."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, Site
from config.forms import UswdsMixin
from policy.presets import PRESETS

# These path segments sit beside camera codes under /staff/cameras/.
RESERVED_CODES = {"health", "new", "sites"}


def _timezone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise forms.ValidationError(
            _("Unknown time zone %(tz)s (use e.g. Europe/Paris)."), params={"tz": value}
        )
    return value


class SiteForm(UswdsMixin, forms.ModelForm):
    jurisdiction = forms.ChoiceField(
        choices=[(k, p.name) for k, p in PRESETS.items()],
        label=_("Jurisdiction"),
        help_text=_("Whose rules apply: thresholds, fines and retention."),
    )
    reason = forms.CharField(required=False, max_length=300, label=_("Reason for the change"))

    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "latitude",
            "longitude",
            "jurisdiction",
            "zone_kind",
            "timezone",
        ]
        # Labels here rather than verbose_name on the model: translating them needs no
        # migration.
        labels = {
            "name": _("Name"),
            "address": _("Address"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "zone_kind": _("Kind of zone"),
            "timezone": _("Time zone"),
        }

    def clean_timezone(self) -> str:
        return _timezone(self.cleaned_data["timezone"])


class CameraForm(UswdsMixin, forms.ModelForm):
    reason = forms.CharField(required=False, max_length=300, label=_("Reason for the change"))

    class Meta:
        model = Camera
        fields = [
            "code",
            "name",
            "site",
            "source_url",
            "direction",
            "lanes",
            "speed_limit_kmh",
            "timezone",
            "active",
        ]
        labels = {
            "code": _("Code"),
            "name": _("Name"),
            "site": _("Site"),
            "direction": _("Direction"),
            "lanes": _("Lanes"),
            "active": _("Active"),
            "source_url": _("Video source"),
            "speed_limit_kmh": _("Speed limit (km/h)"),
            "timezone": _("Time zone"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Workers, evidence and violations know the camera by its code.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("A camera's code cannot change.")

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if code in RESERVED_CODES:
            raise forms.ValidationError(
                _("%(code)s is reserved; choose another code."), params={"code": code}
            )
        return code

    def clean_timezone(self) -> str:
        return _timezone(self.cleaned_data["timezone"])


class StillUploadForm(UswdsMixin, forms.Form):
    image = forms.FileField(
        label=_("Picture of the road (JPEG or PNG, up to 15 MiB)"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class CalibrationImportForm(UswdsMixin, forms.Form):
    file = forms.FileField(
        label=_("Calibration file (JSON)"),
        widget=forms.FileInput(attrs={"accept": "application/json,.json"}),
    )
    note = forms.CharField(required=False, max_length=300, label=_("Note"))


class CertificateForm(UswdsMixin, forms.Form):
    issuer = forms.CharField(max_length=200, label=_("Issuer (laboratory)"))
    certificate_number = forms.CharField(max_length=100, label=_("Certificate number"))
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.FileField(
        label=_("Certificate (PDF, up to 10 MiB)"),
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )
