"""The portal's forms: field names follow the contract (ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class LookupForm(forms.Form):
    citation_number = forms.CharField(
        label=_("Notice number"),
        max_length=30,
        help_text=_("11 digits, printed at the top of your notice, e.g. 1234-5678-901."),
    )
    plate = forms.CharField(
        label=_("Licence plate"),
        max_length=12,
        required=False,
        help_text=_("As on the notice, without spaces."),
    )
    pin = forms.CharField(
        label=_("Or the PIN from the paper notice"),
        max_length=12,
        required=False,
        help_text=_("8 letters and digits, printed beside the number."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("plate", "").strip() and not data.get("pin", "").strip():
            self.add_error("plate", _("Enter the licence plate, or the PIN instead."))
        return data


class PayForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
