"""Synthetic accuracy suite: our engine vs ultralytics' SpeedEstimator on exact ground truth.

    python -m benchmarks.accuracy [--quick] [--keep DIR]

Renders every geometry of ``benchmarks.suite`` with ``cameras.vision.synth``, runs
``measure_video(..., detector="motion")`` on it, matches passages to the ground truth by
lane position and zone time, and prints per geometry and overall: MAE, largest over- and
under-read, share of unoccluded vehicles measured, phantoms, reject reasons - and the same
error figures for the peer driven by the same tracks (see ``benchmarks.peer``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import YOLO_WEIGHTS, fmt, table, write_summary
from benchmarks.scoring import coverage_by, error_stats, score
from benchmarks.suite import geometries, scene_for
from cameras.vision.measure.calibration import Calibration, load_calibration
from cameras.vision.measure.pipeline import measure_video
from cameras.vision.measure.source import Frame
from cameras.vision.measure.speed import Passage
from cameras.vision.measure.track import Track
from cameras.vision.synth import SceneFiles, SceneSpec, render_scene

if TYPE_CHECKING:
    from benchmarks.peer import PeerSpeed

TARGETS = {"mae_kmh": 0.75, "max_over_kmh": 2.0, "measured_pct": 95.0, "phantoms": 0}

SYNTH_SOURCES = sorted(Path(__file__).resolve().parents[1].glob("cameras/vision/synth/*.py"))


def scene_key(spec: SceneSpec) -> str:
    """Fingerprint of a scene: its full spec and the renderer's source. Any change to
    either means the rendered files on disk no longer show this scene."""
    h = hashlib.sha256(repr(spec).encode())
    for src in SYNTH_SOURCES:
        h.update(src.read_bytes())
    return h.hexdigest()


def render_or_reuse(spec: SceneSpec, work: Path, name: str) -> tuple[SceneFiles, bool]:
    """Render ``spec`` into ``work`` unless a render of the very same scene (same key) is
    already there; returns the files and whether they were reused."""
    key_path = work / f"{name}.scene-key"
    key = scene_key(spec)
    if key_path.is_file() and key_path.read_text().strip() == key:
        videos = [work / f"{name}{ext}" for ext in (".mp4", ".avi")]
        files = SceneFiles(
            next((v for v in videos if v.is_file()), videos[0]),
            work / f"{name}.calib.json",
            work / f"{name}.truth.json",
        )
        if all(p.is_file() for p in (files.video_path, files.calibration_path, files.truth_path)):
            return files, True
    key_path.unlink(missing_ok=True)  # never a key beside a half-written render
    files = render_scene(spec, work, name=name)
    key_path.write_text(key)
    return files, False


def _peers(cal: Calibration) -> dict[str, PeerSpeed]:
    from benchmarks.peer import PeerSpeed

    if not YOLO_WEIGHTS.exists():  # the peer's constructor wants a model file, even unused
        return {}
    return {
        "peer_as_shipped": PeerSpeed(cal, YOLO_WEIGHTS, zone_only=False),
        "peer_zone_fed": PeerSpeed(cal, YOLO_WEIGHTS, zone_only=True),
    }


def _measure(video: Path, cal: Calibration, peers: dict[str, PeerSpeed]) -> list[Passage]:
    """Our engine's passages over the video, its tracks fed to the peers as it goes."""

    def observer(frame: Frame, active: list[Track]) -> None:
        for p in peers.values():
            p.observe(frame, active)

    return list(measure_video(video, cal, detector="motion", progress=False, observer=observer))


def run_geometry(
    geo: Any,
    n_vehicles: int,
    seed: int,
    work: Path,
    readout_s: float = 0.0,
    untimed: bool = False,
) -> dict[str, Any]:
    """One geometry: render (or reuse), measure, score. ``readout_s`` renders a rolling
    shutter; ``untimed`` then measures as if the calibration did not know of it."""
    spec = replace(scene_for(geo, n_vehicles, seed), readout_s=readout_s)
    name = f"{geo.name}-readout{readout_s * 1000:g}ms" if readout_s else geo.name
    t0 = time.perf_counter()
    files, reused = render_or_reuse(spec, work, name)
    t_render = time.perf_counter() - t0
    truth = json.loads(files.truth_path.read_text())["vehicles"]
    cal = load_calibration(files.calibration_path)
    if untimed:
        cal = replace(cal, readout_s=0.0)
    peers = _peers(cal)
    t0 = time.perf_counter()
    passages = _measure(files.video_path, cal, peers)
    t_measure = time.perf_counter() - t0

    crossing = [v for v in truth if v["crosses_zone"]]
    unocc = [v for v in crossing if v.get("fully_visible_in_zone")]
    s = score(passages, crossing, {k: p.speeds() for k, p in peers.items()})
    out: dict[str, Any] = {
        "geometry": geo.name,
        "note": geo.note,
        "zone": spec.zone,
        "frames": round(spec.duration_s * geo.rig.fps),
        "render_s": round(t_render, 1),
        "render_reused": reused,
        "measure_s": round(t_measure, 1),
        "vehicles_crossing": len(crossing),
        "unoccluded": len(unocc),
        "measured_unoccluded": s.measured,
        "measured_pct": 100.0 * s.measured / len(unocc) if unocc else None,
        "phantoms": len(s.phantoms),
        "reject_reasons": dict(s.reasons),
        "ours": error_stats(s.errors),
        "vehicles": s.rows,
        "phantom_readings": [p.to_json() for p in s.phantoms],
    }
    for k, errs in s.peer_err.items():
        out[k] = error_stats(errs)
    out["_errors"] = {"ours": s.errors, **s.peer_err}
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="640x360, fewer vehicles (~2 min)")
    ap.add_argument("--vehicles", type=int, default=None, help="vehicles per geometry")
    ap.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep rendered scenes here and reuse them on the next run "
        "when neither the scene nor the renderer changed",
    )
    ap.add_argument("--only", nargs="*", default=None, help="geometry names to run")
    ap.add_argument(
        "--draw",
        type=int,
        default=0,
        help="another draw of the suite: same geometries, other speeds per lane, noise "
        "and occluded pair (0 = the reference suite whose numbers the README quotes)",
    )
    ap.add_argument(
        "--readout",
        type=float,
        default=0.0,
        help="render a rolling shutter with this readout time (s, first row to last); the "
        "calibration carries it, so each contact is timed by its row",
    )
    ap.add_argument(
        "--untimed",
        action="store_true",
        help="with --readout: measure as if the calibration did not know the readout",
    )
    return ap.parse_args(argv)


def overall_of(results: list[dict[str, Any]], keys: list[str]) -> dict[str, Any]:
    """Every geometry's errors, shares and reasons together."""
    overall: dict[str, Any] = {}
    for k in keys:
        overall[k] = error_stats([e for r in results for e in r["_errors"][k]])
    unocc = sum(r["unoccluded"] for r in results)
    meas = sum(r["measured_unoccluded"] for r in results)
    overall["measured_pct"] = 100.0 * meas / unocc if unocc else None
    overall["phantoms"] = sum(r["phantoms"] for r in results)
    overall["reject_reasons"] = dict(
        sum((Counter(r["reject_reasons"]) for r in results), Counter())
    )
    return overall


def error_table(results: list[dict[str, Any]], overall: dict[str, Any], keys: list[str]) -> str:
    """A row per geometry and engine, then the overall rows."""
    hdr = ["geometry", "who", "n", "MAE", "max over", "max under", "bias", "measured%", "phantoms"]
    rows: list[list[str]] = []
    for r in [*results, {"geometry": "OVERALL", **overall}]:
        for k in keys:
            s = r[k]
            mine = k == "ours"
            rows.append(
                [
                    r["geometry"] if mine else "",
                    k,
                    str(s["n"]),
                    fmt(s["mae_kmh"]),
                    fmt(s["max_over_kmh"]),
                    fmt(s["max_under_kmh"]),
                    fmt(s["bias_kmh"]),
                    fmt(r["measured_pct"], 1) if mine else "",
                    str(r["phantoms"]) if mine else "",
                ]
            )
    return table(rows, hdr)


def verdict_of(overall: dict[str, Any]) -> dict[str, bool]:
    o = overall["ours"]
    return {
        "mae_ok": o["mae_kmh"] is not None and o["mae_kmh"] <= TARGETS["mae_kmh"],
        "over_ok": o["max_over_kmh"] is not None and o["max_over_kmh"] <= TARGETS["max_over_kmh"],
        "measured_ok": (overall["measured_pct"] or 0) >= TARGETS["measured_pct"],
        "phantoms_ok": overall["phantoms"] == TARGETS["phantoms"],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    w, h = (640, 360) if args.quick else (960, 540)
    n = args.vehicles or (5 if args.quick else 10)
    untimed = bool(args.untimed and args.readout)
    # Each geometry keeps its seed (its place in the full list) when --only picks some.
    geos = [(i, g) for i, g in enumerate(geometries(w, h)) if not args.only or g.name in args.only]
    tmp = tempfile.TemporaryDirectory(prefix="fairspeed-acc-")
    work = args.keep or Path(tmp.name)
    results = []
    for gi, geo in geos:
        print(f"[accuracy] {geo.name}: rendering and measuring ...", flush=True)
        seed = gi + 1 + 100 * args.draw
        results.append(run_geometry(geo, n, seed, work, args.readout, untimed))
    tmp.cleanup()

    keys = ["ours", *[k for k in ("peer_as_shipped", "peer_zone_fed") if k in results[0]]]
    overall = overall_of(results, keys)
    for r in results:
        del r["_errors"]
    print()
    print(
        f"Synthetic accuracy, {w}x{h}, {n} vehicles + an occluded pair per geometry, "
        "motion detector (errors in km/h; over = reading above truth)"
        + (
            f"; rolling shutter, {args.readout * 1000:g} ms readout, "
            + ("measured untimed" if args.untimed else "timed by row")
            if args.readout
            else ""
        )
    )
    print(error_table(results, overall, keys))
    print("reject reasons (ours):", overall["reject_reasons"] or "none")
    overall["measured_by"] = coverage_by(results)
    for field, shares in overall["measured_by"].items():
        print(f"measured by {field}:", ", ".join(f"{k} {m}/{n}" for k, (m, n) in shares.items()))
    verdict = verdict_of(overall)
    print("targets", TARGETS, "->", verdict)
    summary = {
        "resolution": [w, h],
        "vehicles_per_geometry": n,
        "draw": args.draw,
        "readout_s": args.readout,
        "untimed": untimed,
        "targets": TARGETS,
        "verdict": verdict,
        "overall": overall,
        "geometries": results,
    }
    name = "accuracy" if args.draw == 0 else f"accuracy-draw{args.draw}"
    if args.readout:
        name += f"-readout{args.readout * 1000:g}ms" + ("-untimed" if args.untimed else "")
    path = write_summary(name, summary)
    print(f"summary written to {path}")
    return summary


if __name__ == "__main__":
    main()
