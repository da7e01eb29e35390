"""Scoring the accuracy suite: passages matched to the ground truth's vehicles, each
vehicle's error or reject reason, and the error figures over many."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from cameras.vision.measure.speed import Passage

LATERAL_TOL_M = 2.0  # a passage belongs to a vehicle whose lane centre is this close
TIME_SLACK_S = 0.5


def zone_times(v: dict[str, Any]) -> tuple[float | None, float | None]:
    """When the vehicle's near contact entered and left the zone. Where the zone runs off
    the picture, the truth has no time for the end it never saw there; it is taken from
    the other end and the vehicle's speed, so that a reading over the part seen is matched
    to its vehicle instead of counting as a phantom."""
    z = v["zone"][v["near_contact"]]
    te, tx = z["t_enter_s"], z["t_exit_s"]
    if (te is None) == (tx is None) or not v.get("speed_kmh"):
        return te, tx
    crossing_s = abs(z["y_exit_m"] - z["y_enter_m"]) / (v["speed_kmh"] / 3.6)
    return (tx - crossing_s, tx) if te is None else (te, te + crossing_s)


def match(
    passages: list[Passage], truth: list[dict[str, Any]]
) -> tuple[dict[int, Passage], list[Passage], list[Passage]]:
    """One-to-one greedy match, nearest first. Returns ({truth id: passage}, unmatched,
    duplicates: valid passages of a vehicle already matched to another valid passage)."""
    cands: list[tuple[float, int, int]] = []
    for pi, p in enumerate(passages):
        for v in truth:
            if not v["zone"]:
                continue
            te, tx = zone_times(v)
            if te is None or tx is None:
                continue
            dx = abs(p.world_x_m - v["lane_x_m"]) if np.isfinite(p.world_x_m) else 99.0
            overlap = min(tx, p.t_exit_s) - max(te, p.t_enter_s)
            if dx > LATERAL_TOL_M or overlap < -TIME_SLACK_S:
                continue
            dt = abs(0.5 * (te + tx) - 0.5 * (p.t_enter_s + p.t_exit_s))
            cands.append((dx + dt, pi, v["id"]))
    # A valid reading claims its vehicle before a rejected passage of the same vehicle
    # (a fragment of its track): the vehicle was measured, and the rejected fragment
    # tickets nobody. Two valid readings of one vehicle still leave one a duplicate.
    cands.sort(key=lambda c: (not passages[c[1]].valid, c[0]))
    by_truth: dict[int, Passage] = {}
    used: set[int] = set()
    dup: list[Passage] = []
    for _, pi, vid in cands:
        if pi in used:
            continue
        if vid in by_truth:
            continue
        by_truth[vid] = passages[pi]
        used.add(pi)
    for pi, p in enumerate(passages):
        if pi in used:
            continue
        # a second reading of an already matched vehicle (split track) is a duplicate
        if any(vid in by_truth and pi == ci for _, ci, vid in cands):
            dup.append(p)
            used.add(pi)
    unmatched = [p for pi, p in enumerate(passages) if pi not in used]
    return by_truth, unmatched, dup


@dataclass
class Score:
    """One geometry's passages scored against the vehicles crossing its zone."""

    # valid readings minus truth, km/h
    errors: list[float] = dataclasses.field(default_factory=list)
    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # one per vehicle
    reasons: Counter[str] = dataclasses.field(default_factory=Counter)
    peer_err: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    measured: int = 0  # unoccluded vehicles validly measured
    phantoms: list[Passage] = dataclasses.field(default_factory=list)


def score(
    passages: list[Passage],
    crossing: list[dict[str, Any]],
    peer_speeds: dict[str, dict[int, float]],
) -> Score:
    """Match passages to vehicles, then each vehicle's row and error; a valid passage
    matched to no vehicle, or a second one for a vehicle, is a phantom."""
    by_truth, unmatched, dup = match(passages, crossing)
    out = Score(peer_err={k: [] for k in peer_speeds})
    for v in crossing:
        p = by_truth.get(v["id"])
        row: dict[str, Any] = {
            "id": v["id"],
            "kind": v["kind"],
            "colour": v.get("colour"),
            "true_kmh": v["speed_kmh"],
            "direction": v["direction"],
            "lane_x_m": v["lane_x_m"],
            "fully_visible": v.get("fully_visible_in_zone"),
        }
        if p is None:
            out.reasons["not_tracked"] += 1
            row["result"] = "missed"
        else:
            _score_passage(out, row, v, p, peer_speeds)
        out.rows.append(row)
    out.phantoms = [p for p in unmatched if p.valid] + [p for p in dup if p.valid]
    for p in unmatched:
        if not p.valid:
            out.reasons[f"unmatched:{p.reject_reason}"] += 1
    return out


def _score_passage(
    out: Score,
    row: dict[str, Any],
    v: dict[str, Any],
    p: Passage,
    peer_speeds: dict[str, dict[int, float]],
) -> None:
    """A vehicle's matched passage: its reading on the row, its error or reject reason."""
    row.update(
        speed_kmh=p.speed_kmh,
        u_kmh=p.uncertainty_kmh,
        valid=p.valid,
        reason=p.reject_reason,
        track_id=p.track_id,
        # read from the motion detector's second contact guess (``shade``)
        from_shade=bool(p.details.get("contact_from_shade")),
        # the two halves the reading is the lower of, and the zone's straight-line fit
        halves_kmh=[p.speed_first_half_kmh, p.speed_second_half_kmh],
        fit_kmh=p.speed_fit_kmh,
    )
    if not p.valid:
        out.reasons[str(p.reject_reason)] += 1
        return
    out.errors.append(p.speed_kmh - v["speed_kmh"])
    out.measured += bool(v.get("fully_visible_in_zone"))
    # The peer is scored on the same vehicles our engine measured validly.
    for k, sp in peer_speeds.items():
        if p.track_id in sp:
            out.peer_err[k].append(sp[p.track_id] - v["speed_kmh"])
            row[k] = sp[p.track_id]


def error_stats(errors: list[float]) -> dict[str, float | None]:
    if not errors:
        return {
            "n": 0,
            "mae_kmh": None,
            "max_over_kmh": None,
            "max_under_kmh": None,
            "bias_kmh": None,
        }
    e = np.asarray(errors)
    return {
        "n": len(e),
        "mae_kmh": float(np.mean(np.abs(e))),
        "max_over_kmh": float(max(0.0, e.max())),
        "max_under_kmh": float(max(0.0, -e.min())),
        "bias_kmh": float(e.mean()),
    }


def coverage_by(results: list[dict[str, Any]]) -> dict[str, dict[str, tuple[int, int]]]:
    """Unoccluded vehicles measured / present, per kind and per body colour: a hard
    colour (road-grey on asphalt) must show up as such, not hide in the total."""
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for field in ("kind", "colour"):
        seen: Counter[str] = Counter()
        ok: Counter[str] = Counter()
        for r in results:
            for v in r["vehicles"]:
                if v.get("fully_visible"):
                    seen[str(v.get(field))] += 1
                    ok[str(v.get(field))] += bool(v.get("valid"))
        out[field] = {k: (ok[k], seen[k]) for k in sorted(seen)}
    return out
