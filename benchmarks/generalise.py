"""Generalising suite: scenes drawn at random from seeds, measured by both detectors.

    python -m benchmarks.generalise [--set tuning|sealed] [--draws N] [--quick] [--steady]
                                    [--detectors motion yolo] [--scale S] [--vehicles N]

Each seed of ``benchmarks.generalise_scenes`` draws a camera (height, tilt, pan, roll, focal
length, lens distortion, resolution, fps), a road (1-4 lanes, both ways or one way), a zone
(15-40 m, centred, near the frame's edge or partly outside it), lighting, noise, codec
loss and traffic of cuboid and photo vehicles (``benchmarks.photo_vehicles``) at 20-200
km/h. Renders are cached under ``var/bench/generalise/`` keyed by scene, so a rerun only
measures again. Written to ``var/bench/generalise-<set>[-quick][-steady].json``.

``--steady`` renders the same draws with the exposure held still (no drift, no flicker):
``python -m benchmarks.generalise_spread`` then shows how far each reading moved.

The sealed set is never used for tuning: run it once, at the end of a change.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.accuracy import render_or_reuse
from benchmarks.common import OUT_DIR, YOLO_WEIGHTS, write_summary
from benchmarks.generalise_report import print_report, summarise
from benchmarks.generalise_scenes import Draw, draw_scene, seeds_of, speed_band, steady_exposure
from benchmarks.photo_check import scene_detection_rate
from benchmarks.photo_vehicles import photo_library
from benchmarks.scoring import score
from cameras.vision.measure.calibration import load_calibration
from cameras.vision.measure.pipeline import measure_video

WORK = OUT_DIR / "generalise"
DETECTORS = ("motion", "yolo")


def render_name(draw: Draw, scale: float, n: int) -> str:
    """The name a draw's render is cached under: it carries the photos' contents, so a new
    photo cut means a new render, and whether the exposure was held still."""
    h = hashlib.sha256()
    for v in draw.spec.vehicles:
        for p in (v.photo_front, v.photo_rear):
            if p:
                h.update(Path(p).read_bytes())
    steady = "-steady" if draw.meta.get("steady") else ""
    return f"g{draw.seed}-x{scale:g}-n{n}-{h.hexdigest()[:8]}{steady}"


def result_name(which: str, quick: bool, steady: bool) -> str:
    """The name a run's results are written under (``var/bench/<name>.json``)."""
    return f"generalise-{which}" + ("-quick" if quick else "") + ("-steady" if steady else "")


def _render(draw: Draw, work: Path, scale: float, n: int) -> tuple[Any, float, bool]:
    """Render (or reuse) one draw."""
    t0 = time.perf_counter()
    files, reused = render_or_reuse(draw.spec, work, render_name(draw, scale, n))
    return files, time.perf_counter() - t0, reused


@functools.cache
def _yolo_model() -> Any:
    from ultralytics import YOLO

    return YOLO(str(YOLO_WEIGHTS), task="detect")


def _left_zone_in_view(v: dict[str, Any]) -> bool:
    zone: dict[str, Any] = v.get("zone") or {}
    return bool(zone) and zone[v["near_contact"]]["t_exit_s"] is not None


def measure_draw(draw: Draw, files: Any, detector: str) -> dict[str, Any]:
    """One detector over one rendered draw: its passages scored against the truth."""
    truth = json.loads(Path(files.truth_path).read_text())
    cal = load_calibration(files.calibration_path)
    weights = YOLO_WEIGHTS if detector == "yolo" else None
    t0, c0 = time.perf_counter(), time.process_time()
    passages = list(
        measure_video(files.video_path, cal, detector=detector, weights=weights, progress=False)
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    duration = truth["scene"]["n_frames"] / truth["scene"]["fps"]
    # A vehicle already past the zone's first line when it came into view (the zone runs
    # off the picture) crosses the part seen: its reading there is its own, not a phantom.
    crossing = [v for v in truth["vehicles"] if v["crosses_zone"] or _left_zone_in_view(v)]
    s = score(passages, crossing, {})
    by_id = {v["id"]: v for v in crossing}
    for row in s.rows:
        v = by_id[row["id"]]
        row["band"] = speed_band(row["true_kmh"])
        row["body"] = "photo" if v.get("photo") else "cuboid"
        row["error_kmh"] = row["speed_kmh"] - row["true_kmh"] if row.get("valid") else None
    valid = [p for p in passages if p.valid]
    return {
        "seed": draw.seed,
        "detector": detector,
        "meta": draw.meta,
        "duration_s": round(duration, 3),
        "measure_s": round(wall, 2),
        "rtf": round(wall / duration, 3) if duration else None,
        # CPU seconds of this process (all its threads) per second of video: on a shared
        # machine the wall-clock figure also counts other programs' turns
        "cpu_per_video_s": round(cpu / duration, 3) if duration else None,
        "passages": len(passages),
        "valid_readings": len(valid),
        "matched_valid": len(s.errors),
        "errors": s.errors,
        "unoccluded": sum(bool(v.get("fully_visible_in_zone")) for v in crossing),
        "measured_unoccluded": s.measured,
        "phantoms": len(s.phantoms),
        "reject_reasons": dict(s.reasons),
        "vehicles": s.rows,
        "phantom_readings": [p.to_json() for p in s.phantoms],
    }


def _run_seed(
    job: tuple[int, int, float, Path, list[str], list[Any], bool],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Draw, render (or reuse) and measure one seed with every detector."""
    seed, n, scale, work, detectors, photos, steady = job
    draw = draw_scene(seed, n_vehicles=n, scale=scale, photos=photos)
    if steady:
        draw = steady_exposure(draw)
    files, t_render, reused = _render(draw, work, scale, n)
    render: dict[str, Any] = {"seed": seed, "render_s": round(t_render, 1), "reused": reused}
    print(
        f"[generalise] seed {seed}: {draw.meta['resolution']} @ {draw.meta['fps']:g} fps, "
        f"{draw.meta['lanes']} lanes, zone {draw.meta['zone_len_m']} m "
        f"({draw.meta['placement']}), {len(draw.spec.vehicles)} vehicles "
        f"({draw.meta['photo_vehicles']} photo); "
        + ("render reused" if reused else f"rendered in {t_render:.0f} s"),
        flush=True,
    )
    if "yolo" in detectors:
        render["yolo_detects"] = scene_detection_rate(
            files.video_path, files.calibration_path, files.truth_path, _yolo_model()
        )
    runs = []
    for det in detectors:
        r = measure_draw(draw, files, det)
        runs.append(r)
        print(
            f"[generalise]   seed {seed} {det}: {r['measured_unoccluded']}/{r['unoccluded']} "
            f"unoccluded measured, {r['valid_readings']} valid, {r['phantoms']} phantoms, "
            f"RTF {r['rtf']} (CPU {r['cpu_per_video_s']} s per video s)",
            flush=True,
        )
    return render, runs


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", dest="which", choices=("tuning", "sealed"), default="tuning")
    ap.add_argument("--draws", type=int, default=None, help="first N seeds of the set")
    ap.add_argument("--detectors", nargs="+", choices=DETECTORS, default=list(DETECTORS))
    ap.add_argument(
        "--quick", action="store_true", help="4 draws, 5 vehicles each, rendered at half size"
    )
    ap.add_argument("--scale", type=float, default=None, help="render at this share of size")
    ap.add_argument("--vehicles", type=int, default=None, help="vehicles per draw")
    ap.add_argument("--seeds", type=int, nargs="+", default=None, help="these seeds instead")
    ap.add_argument(
        "--steady", action="store_true", help="the same draws with the exposure held still"
    )
    ap.add_argument("--work", type=Path, default=WORK, help="render cache folder")
    ap.add_argument("--jobs", type=int, default=1, help="draws rendered and measured at once")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    scale = args.scale or (0.5 if args.quick else 1.0)
    n = args.vehicles or (5 if args.quick else 8)
    seeds = list(args.seeds or seeds_of(args.which))
    n_draws = args.draws or (4 if args.quick else len(seeds))
    seeds = seeds[:n_draws]
    if args.which == "sealed":
        print("[generalise] SEALED set: never tune on it; report it only at the end of a change")
    detectors = list(args.detectors)
    if "yolo" in detectors and not YOLO_WEIGHTS.is_file():
        print(f"[generalise] {YOLO_WEIGHTS} absent: the yolo detector is skipped")
        detectors.remove("yolo")
    photos = photo_library()
    jobs = [(seed, n, scale, args.work, detectors, photos, args.steady) for seed in seeds]
    if args.jobs > 1:
        # one process per draw at a time: on a shared machine each process gets its turn
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            done = pool.map(_run_seed, jobs, chunksize=1)
    else:
        done = [_run_seed(job) for job in jobs]
    seen_by_yolo: Counter[str] = Counter()
    looked: Counter[str] = Counter()
    runs: list[dict[str, Any]] = []
    renders: list[dict[str, Any]] = []
    for render, seed_runs in done:
        renders.append(render)
        runs += seed_runs
        for k, (hit, n_looked) in render.get("yolo_detects", {}).items():
            seen_by_yolo[k] += hit
            looked[k] += n_looked
    summary = summarise(runs, detectors)
    print_report(summary, runs, detectors)
    yolo_detects = {k: [seen_by_yolo[k], looked[k]] for k in sorted(looked)}
    if yolo_detects:
        print(
            "YOLO alone finds the vehicle (zone entry, middle, exit frames): "
            + ", ".join(f"{k} {a}/{b}" for k, (a, b) in yolo_detects.items())
        )
    out = {
        "set": args.which,
        "quick": bool(args.quick),
        "steady": bool(args.steady),
        "scale": scale,
        "vehicles_per_draw": n,
        "seeds": seeds,
        "photos_available": len(photos),
        "yolo_detects": yolo_detects,
        "renders": renders,
        "detectors": summary,
        "runs": [{k: v for k, v in r.items() if k != "errors"} for r in runs],
        "reasons_all": dict(sum((Counter(r["reject_reasons"]) for r in runs), Counter())),
    }
    path = write_summary(result_name(args.which, args.quick, args.steady), out)
    print(f"summary written to {path}")
    return out


if __name__ == "__main__":
    main()
