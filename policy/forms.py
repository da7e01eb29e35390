"""Equity-office forms: they validate shapes; the services validate meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import UswdsMixin
from policy.models import PlacementDecision, PlacementProposal
from policy.rules.book import ruleset_codes


class ProposalForm(UswdsMixin, forms.ModelForm):
    jurisdiction = forms.ChoiceField(
        label=_("Jurisdiction rule set"), choices=[(c, c) for c in ruleset_codes()]
    )

    class Meta:
        model = PlacementProposal
        fields = [
            "title", "jurisdiction", "address", "latitude", "longitude", "road", "direction",
            "posted_limit_kmh", "zone", "speed_p85_kmh", "share_over_limit",
            "vulnerable_road_users", "alternatives_considered", "justification",
        ]  # fmt: skip
        labels = {
            "title": _("Title"),
            "address": _("Address"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "road": _("Road"),
            "direction": _("Direction of travel"),
            "posted_limit_kmh": _("Posted limit (km/h)"),
            "zone": _("Zone type"),
            "speed_p85_kmh": _("Speed study: 85th-percentile speed (km/h)"),
            "share_over_limit": _("Speed study: share over the limit (0 to 1)"),
            "vulnerable_road_users": _("Vulnerable road users"),
            "alternatives_considered": _("Alternatives considered (traffic calming, signs)"),
            "justification": _("Justification"),
        }
        widgets = {
            "vulnerable_road_users": forms.Textarea(attrs={"rows": 3}),
            "alternatives_considered": forms.Textarea(attrs={"rows": 3}),
            "justification": forms.Textarea(attrs={"rows": 4}),
        }


class DecisionForm(UswdsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=PlacementDecision.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(label=_("Written reasons"), widget=forms.Textarea(attrs={"rows": 4}))


class CommentForm(UswdsMixin, forms.Form):
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=_("Name (optional)"), required=False)
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class SignageForm(UswdsMixin, forms.Form):
    photo = forms.ImageField(label=_("Photo of the signs"))
    installed_on = forms.DateField(
        label=_("Signs installed on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(UswdsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DryRunForm(UswdsMixin, forms.Form):
    candidate = forms.ChoiceField(label=_("Proposed rule set"))
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = candidates  # type: ignore[attr-defined]
