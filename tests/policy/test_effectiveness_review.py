"""The effectiveness review 18 months after activation compares the speed study with the
camera's own counts and the crashes before and after; keeping it or suspending it is a
decision with written reasons, and a suspension stops notices."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import cast

import pytest
from django.utils import timezone

from cameras.models import Camera, TrafficCount
from policy.effectiveness import percentile_from_histogram, placement_effectiveness
from policy.models import AuditEvent, Crash, PlacementProposal, PlacementStatus
from policy.selectors import placement_active
from policy.services.placements import PlacementError, placement_review_effectiveness
from tests.factories import CameraFactory, PlacementFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2027, 9, 1)
ACTIVE = TODAY - dt.timedelta(days=560)


def placement_with_counts():  # type: ignore[no-untyped-def]
    camera = cast(Camera, CameraFactory())
    placement = PlacementFactory(
        site=camera.site,
        active_from=ACTIVE,
        latitude=-29.975,
        longitude=-19.995,
        speed_p85_kmh=61.0,
        share_over_limit=0.4,
    )
    at = dt.datetime.combine(TODAY - dt.timedelta(days=5), dt.time(8), tzinfo=dt.UTC)
    TrafficCount.objects.create(
        camera=camera,
        interval_start=at,
        vehicles=100,
        over_limit=10,
        speed_histogram={"35": 20, "40": 50, "45": 20, "50": 10},
    )
    for n, day in enumerate(
        [
            ACTIVE - dt.timedelta(days=30),
            ACTIVE - dt.timedelta(days=200),
            ACTIVE + dt.timedelta(days=100),
        ]
    ):
        Crash.objects.create(
            record_id=f"c{n}",
            occurred_on=day,
            latitude=-29.975,
            longitude=-19.9951,
            severity="serious",
            road_user="pedestrian",
        )
    return placement


def test_the_85th_percentile_is_interpolated_in_its_bin() -> None:
    assert percentile_from_histogram(Counter({35: 20, 40: 50, 45: 20, 50: 10}), 0.85) == 48.75
    assert percentile_from_histogram(Counter(), 0.85) is None


def test_the_figures_compare_the_speed_study_with_the_counts_and_crashes() -> None:
    figures = placement_effectiveness(placement_with_counts(), TODAY)
    assert (figures.before_p85_kmh, figures.after_p85_kmh) == (61.0, 48.75)
    assert (figures.before_share_over, figures.after_share_over) == (0.4, 0.1)
    assert (figures.crashes_before, figures.crashes_after) == (2, 1)
    assert figures.due_on == ACTIVE + dt.timedelta(days=548)


def test_the_review_is_not_due_before_18_months(staff) -> None:  # type: ignore[no-untyped-def]
    placement = placement_with_counts()
    with pytest.raises(PlacementError, match="is due on"):
        placement_review_effectiveness(
            placement,
            actor=staff("equity_reviewer"),
            keep=True,
            reasons="early",
            today=ACTIVE + dt.timedelta(days=400),
        )


def test_a_review_that_does_not_keep_the_camera_suspends_it(staff) -> None:  # type: ignore[no-untyped-def]
    placement = placement_with_counts()
    placement_review_effectiveness(
        placement,
        actor=staff("equity_reviewer"),
        keep=False,
        reasons="speeds did not fall enough",
        today=TODAY,
    )
    assert PlacementProposal.objects.get().status == PlacementStatus.SUSPENDED
    assert placement_active(placement.site_id, timezone.localdate()) is None
    event = AuditEvent.objects.get(action="placement.effectiveness_reviewed")
    assert event.details["after_p85_kmh"] == 48.75 and event.details["keep"] is False
