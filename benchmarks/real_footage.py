"""Real clips: track and measure with the motion and YOLO detectors, check plausibility.

    python -m benchmarks.real_footage [--quick] [--detectors motion yolo]

For every clip in ../shared/data (*.avi, *.mp4) with a calibration in
benchmarks/calibrations/<clip stem>.json (built from lane-marking standards, see the
README there), runs ``measure_video`` and prints: vehicles tracked (passages), valid vs
rejected readings and why, the speed distribution of valid readings, and whether it is
plausible for the road type. There is no ground truth: plausibility is all we can say.
Clips without a calibration are listed with the reason.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import DATA, YOLO_WEIGHTS, fmt, table, write_summary

CALIB_DIR = Path(__file__).resolve().parent / "calibrations"
# Plausible free-flow speeds per road (km/h): a reading far outside says the calibration or
# the measurement is wrong, not that the driver was.
ROAD_RANGE = {
    "urban_road_cars_kraten": ("Chinese urban arterial, design speed < 60", 15.0, 90.0),
    "highway_video2_andrewssobral": ("French autoroute (T3 lane line), limit 130", 60.0, 170.0),
    "highway_video1_andrewssobral": ("US freeway, limit ~65 mph", 50.0, 150.0),
    "uk_road_cars_go-rknnlite-data": ("UK dual carriageway, limit 70 mph", 40.0, 140.0),
}


def clips() -> list[Path]:
    if not DATA.is_dir():
        return []
    return sorted([*DATA.glob("*.avi"), *DATA.glob("*.mp4")])


def run_clip(clip: Path, calib: Path, detector: str) -> dict[str, Any]:
    from cameras.vision.measure.calibration import load_calibration
    from cameras.vision.measure.pipeline import MeasurementPipeline, measure_video

    cal = load_calibration(calib)
    pipes: list[MeasurementPipeline] = []
    t0 = time.perf_counter()
    passages = list(
        measure_video(
            clip,
            cal,
            detector=detector,
            weights=YOLO_WEIGHTS if detector == "yolo" else None,
            progress=False,
            pipeline_out=pipes,
        )
    )
    wall = time.perf_counter() - t0
    valid = [p for p in passages if p.valid]
    speeds = np.array([p.speed_kmh for p in valid])
    name, lo, hi = ROAD_RANGE.get(clip.stem, ("unknown road", 10.0, 200.0))
    in_range = int(np.sum((speeds >= lo) & (speeds <= hi))) if len(speeds) else 0
    return {
        "clip": clip.name,
        "detector": detector,
        "road": name,
        "plausible_kmh": [lo, hi],
        "frames": pipes[0].timings.frames if pipes else 0,
        "wall_s": round(wall, 1),
        "tracks_finished": pipes[0].tracks_finished if pipes else 0,
        "passages": len(passages),
        "valid": len(valid),
        "rejected": dict(Counter(str(p.reject_reason) for p in passages if not p.valid)),
        "speed_kmh": {
            "min": float(speeds.min()) if len(speeds) else None,
            "median": float(np.median(speeds)) if len(speeds) else None,
            "max": float(speeds.max()) if len(speeds) else None,
        },
        "valid_in_plausible_range": in_range,
        "plausible": bool(len(speeds) and in_range == len(speeds)),
        "readings": [p.to_json() for p in passages],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="motion detector only")
    ap.add_argument("--detectors", nargs="*", default=None)
    args = ap.parse_args(argv)
    dets = args.detectors or (["motion"] if args.quick else ["motion", "yolo"])
    if "yolo" in dets and not YOLO_WEIGHTS.exists():
        print(f"[real] no YOLO weights at {YOLO_WEIGHTS}: motion only")
        dets = [d for d in dets if d != "yolo"]
    found = clips()
    if not found:
        print(f"[real] no clips under {DATA}: skipped")
        return {"skipped": f"no clips under {DATA}"}
    results, skipped = [], {}
    for clip in found:
        calib = CALIB_DIR / f"{clip.stem}.json"
        if not calib.exists():
            why = CALIB_DIR / f"{clip.stem}.uncalibrated.txt"
            skipped[clip.name] = (
                why.read_text().strip().splitlines()[0]
                if why.exists()
                else "no calibration (see benchmarks/calibrations/README.md)"
            )
            continue
        for det in dets:
            print(f"[real] {clip.name} with {det} ...", flush=True)
            results.append(run_clip(clip, calib, det))
    rows = []
    for r in results:
        s = r["speed_kmh"]
        rows.append(
            [
                r["clip"][:28],
                r["detector"],
                str(r["frames"]),
                str(r["passages"]),
                str(r["valid"]),
                ", ".join(f"{k}:{v}" for k, v in r["rejected"].items()),
                fmt(s["min"], 0),
                fmt(s["median"], 0),
                fmt(s["max"], 0),
                f"{r['valid_in_plausible_range']}/{r['valid']} in "
                f"{r['plausible_kmh'][0]:.0f}-{r['plausible_kmh'][1]:.0f}",
            ]
        )
    print()
    print("Real footage (no ground truth): passages = vehicles measured or rejected in the zone")
    print(
        table(
            rows,
            [
                "clip",
                "detector",
                "frames",
                "passages",
                "valid",
                "rejected (why)",
                "min",
                "median",
                "max",
                "plausible",
            ],
        )
    )
    for k, v in skipped.items():
        print(f"skipped {k}: {v}")
    summary = {"detectors": dets, "results": results, "skipped": skipped}
    print(f"summary written to {write_summary('real_footage', summary)}")
    return summary


if __name__ == "__main__":
    main()
