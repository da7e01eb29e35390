"""Speed from a finished track: road-plane fit over the zone, sanity checks, uncertainty.

A vehicle is located by its road-contact point - the bottom-centre of its box - projected
onto the road plane. The box centre would be wrong: it sits on the vehicle body, above the
road, and the homography is only valid *on* the road, so a centre point lands metres too far
away and its apparent speed is inflated by the height/camera-height ratio.

The along-road position is fitted against timestamp robustly, over the whole zone and over
its two halves independently. The halves must agree within 3 %, and the *lower* half speed
is reported: an over-reading can ticket an innocent driver, an under-reading cannot.
The expanded uncertainty U (k = 2) of the reading is built in ``budget``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from cameras.vision.measure.budget import MS_TO_KMH, BudgetInputs, reading_budget
from cameras.vision.measure.consistency import box_inconsistency
from cameras.vision.measure.fit import LineFit, robust_line_fit, step_noise
from cameras.vision.measure.geometry import (
    RoadPlane,
    box_contacts,
    points_in_polygon,
    zone_extent_at,
)
from cameras.vision.measure.passage import REJECT_REASONS, Passage
from cameras.vision.measure.screen import clean_samples, merge_run
from cameras.vision.measure.speed_config import SpeedConfig
from cameras.vision.measure.track import Track

__all__ = ["REJECT_REASONS", "Passage", "SpeedConfig", "SpeedEstimator", "points_in_polygon"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class SpeedEstimator:
    """Turn a finished :class:`Track` into a :class:`Passage` (or None if it never was in
    the zone). ``bounds`` is the image area the detector saw (x0, y0, x1, y1): boxes touching
    it are clipped and their bottom edge is not a contact point."""

    def __init__(
        self,
        plane: RoadPlane,
        zone: FloatArray,
        calibration_sigma_m: float,
        bounds: tuple[float, float, float, float] | None = None,
        config: SpeedConfig | None = None,
        readout_s: float = 0.0,
        frame_height: int | None = None,
    ) -> None:
        self.plane = plane
        self.zone = np.asarray(zone, dtype=np.float64)
        self.calibration_sigma_m = calibration_sigma_m
        self.bounds = bounds
        self.config = config or SpeedConfig()
        # A rolling shutter reads the sensor row by row over ``readout_s``, so a contact
        # point low in the picture was captured later than the frame's stamp says (see
        # ``capture_times``); the frame height turns rows into fractions of the readout.
        self.readout_s = readout_s
        self.frame_height = frame_height

    @property
    def row_time_s(self) -> float:
        """Seconds between the capture of two neighbouring image rows (0: global shutter)."""
        if self.readout_s <= 0 or not self.frame_height:
            return 0.0
        return self.readout_s / float(self.frame_height)

    def capture_times(self, stamps: FloatArray, boxes: FloatArray) -> FloatArray:
        """When each box's contact row was captured: the frame's stamp (its first row)
        plus the readout up to that row. For a fast vehicle crossing a quarter of the
        picture in half a second, a 30 ms readout left untimed is a 1.5 % speed error."""
        return np.asarray(stamps + self.row_time_s * boxes[:, 3], dtype=np.float64)

    # -- per-sample quantities -----------------------------------------------------------
    def contact_points(self, boxes: FloatArray) -> FloatArray:
        """Image road-contact points: bottom-centre of each (N, 4) xyxy box."""
        return box_contacts(boxes)

    def road_positions(
        self,
        boxes: FloatArray,
        usable: BoolArray,
        whole: BoolArray | None = None,
        contact_x: FloatArray | None = None,
    ) -> FloatArray:
        """(N, 2) road-plane positions of a track's contact points.

        Lateral ``x`` is the bottom-centre's. With ``row_contact`` the along-road ``y`` is
        read from the box bottom's row on one lateral line (see
        :meth:`RoadPlane.along_road_at_row`): the box's horizontal extent, which changes
        with perspective and with the vehicle's sides and roof, then cannot bend the
        trajectory of a vehicle seen obliquely. Where the detector says in which column
        the outline reaches the box bottom (``contact_x``, NaN where it does not), the row
        is read there and on that point's median lateral line: a vehicle seen obliquely
        reaches its box bottom at a corner, not at the bottom-centre, and on a lens with
        distortion, or off the camera's axis, a row is not square to the road, so reading
        it elsewhere shifts the position by an amount that changes along the zone.
        """
        contact = self.contact_points(boxes)
        world = self.plane.image_to_world(contact)
        ok = usable & np.all(np.isfinite(world), axis=1)
        if whole is not None and np.any(ok & whole):
            ok &= whole  # a box cut at the side has a biased centre: not for the lateral line
        if self.config.row_contact and np.any(ok):
            lateral = float(np.median(world[ok, 0]))
            if contact_x is not None and np.all(np.isfinite(contact_x[ok])):
                at = np.c_[contact_x, contact[:, 1]]
                corner = self.plane.image_to_world(at)[:, 0]
                line = corner[ok & np.isfinite(corner)]
                if len(line):
                    contact, lateral = at, float(np.median(line))
            world = np.c_[world[:, 0], self.plane.along_road_at_row(contact, lateral)]
        return np.asarray(world, dtype=np.float64)

    def contact_seen(self, boxes: FloatArray) -> BoolArray:
        """Boxes whose bottom edge - where the vehicle stands - is inside the view."""
        return np.asarray(~self._clipped_edges(boxes)[0])

    def _clipped_edges(self, boxes: FloatArray) -> tuple[BoolArray, BoolArray, BoolArray]:
        """(bottom, left or right, top) edge of each box on the edge of the detector's view.

        Only a cut bottom loses the contact point. A tall truck near the camera reaches
        above the view long before it leaves it, and its bottom row still places it; a
        cut side or top only makes the box's size and centre unreliable.
        """
        none = np.zeros(len(boxes), dtype=bool)
        if self.bounds is None:
            return none, none.copy(), none.copy()
        m = self.config.edge_margin_px
        x0, y0, x1, y1 = self.bounds
        sides = (boxes[:, 0] <= x0 + m) | (boxes[:, 2] >= x1 - m)
        return (
            np.asarray(boxes[:, 3] >= y1 - m),
            np.asarray(sides),
            np.asarray(boxes[:, 1] <= y0 + m),
        )

    def _clean(
        self,
        boxes: FloatArray,
        world: FloatArray,
        whole: BoolArray,
        overlap: FloatArray,
        cfg: SpeedConfig,
    ) -> BoolArray:
        """Samples whose box shows the vehicle alone (see :func:`clean_samples`)."""
        ppm = self.plane.pixels_per_metre(world)
        w_n = (boxes[:, 2] - boxes[:, 0]) / ppm
        h_n = (boxes[:, 3] - boxes[:, 1]) / ppm
        return clean_samples(
            w_n * h_n,
            w_n / np.maximum(h_n, 1e-9),
            whole & np.isfinite(ppm),
            overlap,
            cfg.area_change_ratio,
            cfg.aspect_change_ratio,
            cfg.overlap_share,
        )

    def road_track(self, track: Track) -> tuple[FloatArray, FloatArray]:
        """Times and (N, 2) road positions of a track's samples whose contact is seen."""
        boxes = track.boxes()
        cut_bottom, cut_side, cut_top = self._clipped_edges(boxes)
        usable = ~cut_bottom
        whole = ~(cut_bottom | cut_side | cut_top)
        world = self.road_positions(boxes, usable, whole, track.contact_xs())
        ok = usable & np.all(np.isfinite(world), axis=1)
        return self.capture_times(track.times(), boxes)[ok], world[ok]

    # -- the estimate --------------------------------------------------------------------
    def estimate(self, track: Track) -> Passage | None:
        """The track's passage. One rejected for its contact (``shade_retry``: a piece of
        a vehicle whose body matched the road, a dark body whose lower part came and went
        as "shadow") is measured again from the detector's second guess at each contact,
        the lowest shadow-coloured pixel in a run from the blob down to plain road (see
        ``shade``). The second reading stands only if it passes every check; otherwise
        the first verdict does."""
        passage = self._estimate(track)
        if passage is not None and passage.reject_reason in self.config.shade_retry:
            whole = track.with_shade_contact()
            retry = self._estimate(whole, shade_contact=True) if whole is not None else None
            if retry is not None and retry.valid:
                retry.details["contact_from_shade"] = 1.0
                return retry
        return passage

    def _estimate(self, track: Track, shade_contact: bool = False) -> Passage | None:
        cfg = self.config
        if shade_contact:
            # The box's top is a piece's (a window, a light bar, what is left of a dark
            # body), which comes and goes while the contact below it - a point of the
            # face's bottom edge or of the vehicle's own cast shadow - moves with the
            # vehicle: box size changes say nothing here. Nor does its height, which spans
            # the piece and the face below it (a van's lamps over its lower face: 0.75 m),
            # not the vehicle. Width, steps, lines, overlaps, the halves and U still judge
            # the contact.
            never = math.inf
            cfg = replace(
                cfg, area_change_ratio=never, aspect_change_ratio=never, min_vehicle_height_m=0
            )
        if len(track.samples) < 3:
            return None  # a blip, not a vehicle (e.g. a one-frame unconfirmed track)
        boxes_all = track.boxes()
        stamps = track.times()
        times_all = self.capture_times(stamps, boxes_all)
        frames_all = track.frames()
        overlap_all = track.overlaps()
        cut_bottom, cut_side, cut_top = self._clipped_edges(boxes_all)
        usable = ~cut_bottom
        if not cfg.row_contact:
            usable &= ~cut_side  # the bottom-centre of a side-cut box is off the vehicle
        whole_all = ~(cut_bottom | cut_side | cut_top)
        world_all = self.road_positions(boxes_all, usable, whole_all, track.contact_xs())
        usable &= np.all(np.isfinite(world_all), axis=1)
        inside = usable & points_in_polygon(world_all, self.zone)
        if not np.any(inside):
            return None
        # Something that stands still (a parked car, a background-model ghost) does not
        # pass through the zone: report nothing rather than a phantom.
        y_usable = world_all[usable, 1]
        if float(np.ptp(y_usable)) < cfg.min_travel_m:
            return None

        # Frames where the box was not the vehicle's alone (merged with a neighbour's
        # blob, partly hidden) are set aside when the rest of the track agrees on its size.
        # Judged over the whole track, so the frames before and after the zone vote too.
        seen = np.flatnonzero(usable)
        clean = self._clean(
            boxes_all[seen], world_all[seen], whole_all[seen], overlap_all[seen], cfg
        )
        set_aside = seen[~clean & inside[seen]]
        if len(set_aside) > (1.0 - cfg.min_clean_frac) * int(inside.sum()):
            set_aside = seen[:0]  # mostly not the vehicle's own box: judged (rejected) below
        usable[set_aside] = False
        inside[set_aside] = False
        # A merge that crept in over several frames: set aside the zone frames off the line
        # the track's frames agree on, while they are a minority of the zone's and the
        # track comes back to the line after them, in the zone or past it. A run it never
        # comes back from (a reversal, another vehicle taking the id, a merge lasting past
        # the zone) stays, to be judged below, unless the view's side cuts all its boxes
        # (the vehicle's lowest corner has left the picture).
        kept = np.flatnonzero(usable)
        t_k, y_k = times_all[kept], world_all[kept, 1]
        lim = (cfg.off_line_m, cfg.off_line_sigmas, cfg.min_samples, 1.0 - cfg.min_clean_frac)
        off = kept[merge_run(t_k, y_k, *lim, cut=cut_side[kept], within=inside[kept])]
        usable[off] = False
        inside[off] = False
        set_aside = np.concatenate([set_aside, off])

        t, y, x = times_all[inside], world_all[inside, 1], world_all[inside, 0]
        boxes = boxes_all[inside]
        side_ok, top_ok = ~cut_side[inside], ~cut_top[inside]
        n = int(inside.sum())
        dy_total = y[-1] - y[0]
        sign = 1.0 if dy_total >= 0 else -1.0
        contact_v = self.contact_points(boxes)[:, 1]
        direction = "unknown"
        if n >= 2 and contact_v[-1] != contact_v[0]:
            direction = "toward" if contact_v[-1] > contact_v[0] else "away"
        world_x = float(np.median(x))
        y_lo, y_hi = zone_extent_at(self.zone, world_x)
        y_entry, y_exit = (y_lo, y_hi) if sign > 0 else (y_hi, y_lo)
        passage = Passage(
            track_id=track.track_id,
            t_enter_s=float(t[0]),
            t_exit_s=float(t[-1]),
            speed_kmh=float("nan"),
            uncertainty_kmh=float("nan"),
            world_x_m=world_x,
            cls=track.cls,
            valid=False,
            reject_reason=None,
            direction=direction,
            n_samples=n,
            speed_first_half_kmh=float("nan"),
            speed_second_half_kmh=float("nan"),
            speed_fit_kmh=float("nan"),
            distance_m=float(abs(dy_total)),
            frame_indices=tuple(int(f) for f in frames_all[inside]),
            boxes=tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes),
            times_s=tuple(float(v) for v in t),
        )

        def reject(reason: str) -> Passage:
            passage.reject_reason = reason
            return passage

        if n < cfg.min_samples or np.ptp(t) <= 0:
            return reject("too_few_samples")
        fit = robust_line_fit(t, y)
        passage.speed_fit_kmh = abs(fit.slope) * MS_TO_KMH
        dt = np.diff(t)
        step = float(np.median(np.abs(np.diff(y)))) if n > 1 else 0.0
        t_enter, t_exit = fit.time_at(y_entry), fit.time_at(y_exit)
        dt_med = float(np.median(dt))
        if math.isfinite(t_enter) and math.isfinite(t_exit):
            passage.t_enter_s = float(np.clip(t_enter, t[0] - dt_med, t[0]))
            passage.t_exit_s = float(np.clip(t_exit, t[-1], t[-1] + dt_med))

        # Entry and exit must be seen: a track that starts mid-zone may have started on a
        # merged blob or after an occlusion; its speed would rest on part of the zone only.
        tol = max(0.5, 1.5 * step)
        y_seen = world_all[usable, 1] * sign
        if y_seen.min() > y_entry * sign + tol or y_seen.max() < y_exit * sign - tol:
            return reject("incomplete_zone")
        # A fast vehicle crosses a short zone in few frames: what counts is how much of
        # its transit was observed (detection dropouts), not a fixed count.
        transit_frames = abs(y_hi - y_lo) / max(abs(fit.slope), 1e-9) / max(dt_med, 1e-9)
        if n < cfg.min_coverage * transit_frames:
            return reject("too_few_samples")

        # Per-sample position noise from second differences: independent of how the
        # vehicle moves (a reversal or braking inflates line-fit residuals, not these).
        noise = step_noise(y)
        ppm = self.plane.pixels_per_metre(world_all[inside])
        reason = box_inconsistency(
            t, y, x, boxes, ppm, side_ok, top_ok, overlap_all[inside], fit.slope, noise, cfg
        )
        if reason is not None:
            return reject(reason)

        progress = y * sign
        back = np.maximum.accumulate(progress) - progress
        if np.any(back > max(cfg.reverse_m, 4.0 * noise)) or fit.slope * sign <= 0:
            return reject("non_monotonic")

        lat = side_ok if side_ok.sum() >= 3 and np.ptp(t[side_ok]) > 0 else np.ones(n, bool)
        lateral = robust_line_fit(t[lat], x[lat])
        drift = abs(lateral.slope) * float(np.ptp(t))  # over the whole transit
        if drift > cfg.lane_change_m:
            return reject("lane_change")

        # Two halves of the zone, in travel order, fitted independently.
        y_mid = 0.5 * (y_lo + y_hi)
        first = progress < y_mid * sign
        halves: list[LineFit] = []
        for mask in (first, ~first):
            if mask.sum() < cfg.min_half_samples or np.ptp(t[mask]) <= 0:
                return reject("too_few_samples")
            halves.append(robust_line_fit(t[mask], y[mask]))
        v1, v2 = (abs(h.slope) for h in halves)
        passage.speed_first_half_kmh = v1 * MS_TO_KMH
        passage.speed_second_half_kmh = v2 * MS_TO_KMH
        low = 0 if v1 <= v2 else 1
        v = (v1, v2)[low]
        passage.speed_kmh = v * MS_TO_KMH

        hmask = first if low == 0 else ~first
        budget = reading_budget(
            BudgetInputs(
                self.plane,
                self.calibration_sigma_m,
                cfg.timestamp_sigma_s,
                cfg.contact_bias_px,
                self.row_time_s,
                cfg.readout_rel_sigma,
            ),
            halves[low],
            fit,
            t[hmask],
            self.contact_points(boxes[hmask][[0, -1]]),
            world_x,
            stamps,
            (v1, v2)[1 - low],
        )
        passage.uncertainty_kmh = budget.expanded_kmh
        passage.details = {
            **budget.details(),
            "fit_sigma_m": fit.sigma,
            "lateral_drift_m": drift,
            "samples_set_aside": float(len(set_aside)),
        }

        if abs(v1 - v2) > cfg.halves_tolerance * max(min(v1, v2), 1e-9):
            return reject("halves_disagree")
        # Quality gate on the measurement's own noise (2u); the lower-half offset in U is
        # already bounded by the halves check above and only ever lowers the reading.
        limit = max(cfg.max_uncertainty_kmh, cfg.max_uncertainty_frac * passage.speed_kmh)
        if 2.0 * budget.u * MS_TO_KMH > limit:
            return reject("high_uncertainty")
        passage.valid = True
        return passage
