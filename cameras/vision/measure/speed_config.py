"""The speed estimator's thresholds, in one place for whoever has to defend them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SpeedConfig"]


@dataclass(frozen=True)
class SpeedConfig:
    """Thresholds of the estimator; each one is a decision someone may have to defend."""

    min_samples: int = 6
    min_half_samples: int = 3
    min_coverage: float = 0.6  # samples in the zone / frames its transit should take
    row_contact: bool = True  # along-road position from the box bottom's row alone
    # The halves agree within the tolerance a reading is held to (PTB's in-service one):
    # max(3 km/h, 3 %). A light barrier's 3 % alone is finer than a video half resolves
    # at 30 km/h (0.9 km/h), and the lower half is what is reported.
    halves_tolerance: float = 0.03  # relative disagreement allowed between the halves
    halves_tolerance_kmh: float = 3.0  # ... or this much, whichever is larger
    max_uncertainty_kmh: float = 3.0  # U above max(this, frac * speed) is rejected
    max_uncertainty_frac: float = 0.03
    lane_change_m: float = 1.2  # lateral drift across the zone
    jump_m: float = 1.5  # position step off the fitted line: another vehicle took the id
    jump_sigmas: float = 8.0
    size_jump_ratio: float = 1.8  # width AND height change at once: another vehicle
    area_change_ratio: float = 1.4  # scale-normalised box area step: occlusion or merge
    aspect_change_ratio: float = 1.4
    # Share of a box's bottom band another track's box covers (``track.bottom_overlap``)
    # beyond which the frame is not the vehicle's alone.
    overlap_share: float = 0.15
    min_clean_frac: float = 0.6  # frames merged/occluded beyond this share: whole track out
    # A frame this far off the line the others agree on (m, or sigmas of the track's own
    # noise, 0.03-0.07 m in the suite) is not the vehicle's own box (``screen.off_line``).
    off_line_m: float = 0.5
    off_line_sigmas: float = 6.0
    # A sample further across the road than this (m) from the zone samples' median does
    # not show the vehicle at the zone's entry or exit (``verdict.check_seen``): half the
    # narrowest lane (3 m), more than a vehicle may drift over the whole zone
    # (``lane_change_m``); a box merged with the next lane's vehicle is pulled 1.9-2.3 m.
    seen_lateral_m: float = 1.5
    reverse_m: float = 0.6  # backward travel beyond noise: reversal
    min_travel_m: float = 3.0  # tracks that moved less are not vehicles passing (ghosts)
    # A box (perspective-normalised, m) narrower or lower than any vehicle's - a
    # motorcycle seen from behind is about 0.8 m wide and 1.4 m high - is a fragment
    # (plate, light, window); the smallest vehicles of the synthetic suite measure
    # 1.2 x 1.6 m this way, the one fragment that got through before this check 0.6 x 0.4.
    min_vehicle_width_m: float = 0.6
    min_vehicle_height_m: float = 0.9
    edge_margin_px: float = 2.0  # boxes this close to the frame/roi edge are clipped
    # Timing error of one frame timestamp: the scatter of the track's own stamps about a
    # steady clock (``fit.timestamp_scatter``), never less than this floor - below the
    # resolution any container keeps (0.1 ms); the pipeline raises it to 2 ms when the
    # stamps are nominal (frame index / fps) and their scatter says nothing.
    timestamp_sigma_s: float = 0.0001
    # Standard uncertainty of a systematic offset of the box bottom (a shadow hugging the
    # vehicle, blur, codec ringing): constant in pixels, it is a speed error wherever a
    # pixel spans a different road length at the two ends of a half.
    contact_bias_px: float = 0.5
    # Relative standard uncertainty of a rolling shutter's stated readout time (a data
    # sheet's figure, not measured on the unit): what is left of the row-timing error
    # once each contact is timed by its row.
    readout_rel_sigma: float = 0.1
    # Verdicts on the *contact* that the detector's second guess at it (``shade``) may
    # answer: a body partly lost into the background or taken for shadow gives a box
    # bottom that lags, jumps or ends above the road. A verdict on the *track* (it did
    # not cross the whole zone, switched vehicles, reversed, changed lane) it cannot.
    shade_retry: frozenset[str] = frozenset(
        {"fragment", "occlusion_or_merge", "too_few_samples", "halves_disagree", "high_uncertainty"}
    )
    # A fragment (a box smaller than any vehicle: a window, a bumper) stands on the road
    # only where the second guess took its contact down to it. Its retry is kept only when
    # at least this share of the zone's samples did; the rest keep the piece's own bottom,
    # above the road, which runs ahead of the vehicle (over-reads; a road-grey SUV's
    # window read 49.3 km/h beside the body's 43.5, a second reading of one vehicle).
    fragment_shade_share: float = 0.5
