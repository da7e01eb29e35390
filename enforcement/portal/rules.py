"""What the portal lets a resident do under each rule set.

Kept beside ``enforcement.cases.terms`` (fines and deadlines) rather than inside it, so
the staff workflow's schedule stays as it is; both read the notice's ``ruleset`` code.
Decided 2026-12-06: paying keeps the right to contest in every rule set unless a row
says otherwise, because "paying waived my right to contest" is one of the complaints
residents make most often about camera programs (POLICY_ANCHORS.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortalRules:
    # A paid citation can still be contested until the contest deadline; a won
    # contest refunds the payment.
    pay_keeps_contest: bool = True


PORTAL_RULES: dict[str, PortalRules] = {
    "demo": PortalRules(),
    "ca-ab645": PortalRules(),
    "nyc": PortalRules(),
    "chicago": PortalRules(),
}


def portal_rules(ruleset: str) -> PortalRules:
    return PORTAL_RULES.get(ruleset, PortalRules())
