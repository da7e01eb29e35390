"""The demo loads the fictional city, adopts the demo rule set and leaves placement
proposals in every review state, made through the review services."""

from __future__ import annotations

from pathlib import Path

import pytest

from enforcement.demo import demo_placements, demo_policy, demo_seed, demo_users
from policy.models import District, PlacementProposal, RuleSetVersion
from tests.factories import SQUARE_CALIBRATION

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_the_city_the_rule_set_and_proposals_in_every_state(
    tmp_path: Path,
) -> None:
    demo_policy()
    demo_seed(dict(SQUARE_CALIBRATION), tmp_path / "demo.mp4")
    demo_users(tmp_path)
    counts = demo_placements()
    assert District.objects.count() == 8 and all(d.fictional for d in District.objects.all())
    assert RuleSetVersion.objects.filter(code="demo").count() == 1
    states = set(PlacementProposal.objects.values_list("status", flat=True))
    assert states == {"draft", "submitted", "approved", "changes_requested", "rejected"}
    assert counts == {"proposed": 6, "approved": 2}
    main_st = PlacementProposal.objects.get(title="Main St school zone")
    assert main_st.district is not None and main_st.district.code == "harbour"
    # Re-running changes nothing.
    demo_policy()
    assert demo_placements() == counts
