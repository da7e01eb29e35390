"""The audit page's filter form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from policy.selectors import AuditFilter


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Who"), required=False, max_length=150)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=80,
        help_text=_("The start of an action name, e.g. violation. or evidence.viewed"),
    )
    object_type = forms.CharField(
        label=_("Kind of record"),
        required=False,
        max_length=80,
        help_text=_("e.g. enforcement.violation"),
    )
    object_id = forms.CharField(label=_("Record number"), required=False, max_length=80)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def selection(self) -> AuditFilter:
        """The filter to apply (call after is_valid(); invalid fields do not filter)."""
        data = getattr(self, "cleaned_data", {})
        return AuditFilter(
            actor=data.get("actor") or "",
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            object_id=data.get("object_id") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
