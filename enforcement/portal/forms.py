"""The portal's forms: field names follow the contract (ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from enforcement.portal.models import HearingMode


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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's documented pattern for several files in one field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class ContestForm(forms.Form):
    ground = forms.ChoiceField(label=_("Why is the notice wrong?"), widget=forms.RadioSelect)
    statement = forms.CharField(
        label=_("Your statement"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=_("Say what happened in your own words."),
    )
    documents = MultipleFileField(
        label=_("Documents (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        help_text=_("PDF, JPEG or PNG, up to 8 MB each, at most 5 files."),
    )

    def __init__(self, *args: Any, grounds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ground = self.fields["ground"]
        assert isinstance(ground, forms.ChoiceField)
        ground.choices = grounds


class HearingForm(forms.Form):
    mode = forms.ChoiceField(label=_("How do you want to be heard?"), widget=forms.RadioSelect)
    availability = forms.CharField(
        label=_("Days and times you can attend"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Evenings and weekends are offered too. Not needed for a written hearing."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mode = self.fields["mode"]
        assert isinstance(mode, forms.ChoiceField)
        mode.choices = HearingMode.choices


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("dismiss", _("Dismiss the notice")), ("uphold", _("Uphold the notice"))],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons (the resident reads these)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class NominationForm(forms.Form):
    driver_name = forms.CharField(label=_("The driver's full name"), max_length=200)
    driver_address = forms.CharField(
        label=_("The driver's postal address"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=_("The new notice is mailed here."),
    )
    driver_email = forms.EmailField(label=_("The driver's email"), required=False)
    statement = forms.CharField(
        label=_("Your statement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Who was driving, and why they had the vehicle."),
    )
    signed_name = forms.CharField(
        label=_("Sign with your full name"),
        max_length=200,
        help_text=_("Typing your name signs the statement."),
    )
    declared = forms.BooleanField(
        label=_("I declare that this statement is true and that I was not driving."),
    )


class ReliefForm(forms.Form):
    tier = forms.ChoiceField(label=_("Which applies to you?"), widget=forms.RadioSelect)
    household_size = forms.IntegerField(
        label=_("People in your household"), min_value=1, max_value=30
    )
    monthly_income = forms.DecimalField(
        label=_("Household income per month (USD)"), min_value=0, max_digits=10, decimal_places=2
    )
    statement = forms.CharField(
        label=_("Anything else we should know (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
    )
    documents = MultipleFileField(
        label=_("Proof of income"),
        help_text=_(
            "A pay stub, bank statement or benefits letter: PDF, JPEG or PNG, up to 8 MB each."
        ),
    )

    def __init__(self, *args: Any, tiers: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tier = self.fields["tier"]
        assert isinstance(tier, forms.ChoiceField)
        tier.choices = tiers


class PlanForm(forms.Form):
    monthly = forms.DecimalField(
        label=_("How much can you pay each month (USD)?"),
        min_value=1,
        max_digits=6,
        decimal_places=2,
    )
