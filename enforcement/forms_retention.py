"""Forms of the retention page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enforcement.models import HoldReason, Violation


class LegalHoldForm(forms.Form):
    violation = forms.IntegerField(
        label=_("Case number"),
        min_value=1,
        help_text=_("The violation's number in the back office"),
    )
    reason = forms.ChoiceField(label=_("Why"), choices=HoldReason.choices)
    explanation = forms.CharField(
        label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean_violation(self) -> Violation:
        number = self.cleaned_data["violation"]
        violation = Violation.objects.filter(pk=number).first()
        if violation is None:
            raise forms.ValidationError(_("There is no case with that number."))
        return violation


class ReleaseHoldForm(forms.Form):
    reason = forms.CharField(label=_("Why the hold ends"), max_length=2000)
