"""What the portal lets a resident do under each rule set.

Kept beside ``enforcement.cases.terms`` (fines and deadlines) rather than inside it, so
the staff workflow's schedule stays as it is; both read the notice's ``ruleset`` code.
Decided 2026-12-06: paying keeps the right to contest in every rule set unless a row
says otherwise, because "paying waived my right to contest" is one of the complaints
residents make most often about camera programs (POLICY_ANCHORS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

GROUNDS: dict[str, Promise] = {
    "not_my_vehicle": _("The vehicle in the photos is not mine"),
    "plate_misread": _("The plate was read wrongly"),
    "stolen": _("The vehicle or its plates had been reported stolen"),
    "sold": _("I had sold the vehicle before that day"),
    "emergency": _("An emergency or a police instruction"),
    "measurement": _("The speed measurement is wrong"),
    "signs": _("The speed limit or the camera was not signed"),
    "other": _("Another reason"),
}


@dataclass(frozen=True)
class ReliefTier:
    code: str
    percent: int  # off the fine
    label: Promise


# AB 645 (Veh. Code 22429): 80 % off for indigent people, 50 % off up to 250 % of the
# federal poverty level; payment plans of at most $25 a month with a fee of at most $5.
AB645_TIERS = (
    ReliefTier("indigent", 80, _("Receiving public benefits, or unable to meet basic needs")),
    ReliefTier("low_income", 50, _("Household income up to 250% of the federal poverty level")),
)


@dataclass(frozen=True)
class PortalRules:
    # A paid citation can still be contested until the contest deadline; a won
    # contest refunds the payment.
    pay_keeps_contest: bool = True
    contest_grounds: tuple[str, ...] = tuple(GROUNDS)
    # AB 645 (Veh. Code 22427): the initial review answers within 60 days; a hearing is
    # requested within 21 days of that answer.
    relief_tiers: tuple[ReliefTier, ...] = AB645_TIERS
    plan_max_monthly: Decimal = Decimal(25)
    plan_fee: Decimal = Decimal(5)
    # Hours of community service offered instead of the fine (None: not offered).
    # AB 645 (Veh. Code 22429) offers community service to indigent people; the hours
    # are the program's choice: 4 h follows Albuquerque's option (POLICY_ANCHORS.md).
    service_hours: Decimal | None = Decimal(4)
    review_answer_days: int = 60
    hearing_request_days: int = 21
    appeal: Promise = field(
        default=_(
            "You can appeal a hearing decision to the superior court within 30 days "
            "(Cal. Veh. Code 22428; filing fee $25)."
        )
    )


PORTAL_RULES: dict[str, PortalRules] = {
    "demo": PortalRules(),
    "ca-ab645": PortalRules(),
    # NYC has no income-based reduction in VTL 1180-b.
    "nyc": PortalRules(relief_tiers=(), service_hours=None),
    # Chicago's Clear Path Relief: 50 % off for households up to 300 % of poverty.
    "chicago": PortalRules(
        relief_tiers=(
            ReliefTier("clear_path", 50, _("Household income up to 300% of the poverty level")),
        ),
        service_hours=None,
    ),
}


def portal_rules(ruleset: str) -> PortalRules:
    return PORTAL_RULES.get(ruleset, PortalRules())
