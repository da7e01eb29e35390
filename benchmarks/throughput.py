"""Throughput: real-time factor and per-stage fps at 1280x720@30, motion and YOLO paths.

    python -m benchmarks.throughput [--quick] [--seconds N]

Renders one synthetic 1280x720 clip, then measures it in a fresh child process per
detector (so each peak RSS is that path's own): real-time factor = processing wall time /
video duration (< 1 keeps up with the camera), fps of decode/detect/track/measure from the
pipeline's own stage timers, and peak resident memory (VmHWM of the child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.common import YOLO_WEIGHTS, fmt, table, write_summary
from benchmarks.suite import geometries, scene_for

if TYPE_CHECKING:
    from cameras.vision.synth import SceneFiles, SceneSpec


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM belongs to the address space, which exec
    replaces; ru_maxrss is carried over from the parent across exec on Linux and would
    report the (larger) benchmark driver instead."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# The paths measured: the motion detector; YOLO's graph on its default engine (OpenVINO
# where installed, ``yolo_engine``) as the engine runs it, then on onnxruntime (the
# default until 2026-12-07), then without the motion gate, then without the foreground
# contact either (the engine's default until 2026-12-06); through ultralytics as before
# 2026-12-06; without filling in the frames YOLO misses; and without measuring what moves
# that YOLO never named.
VARIANTS: tuple[str, ...] = ("motion", "yolo", "yolo-onnxruntime", "yolo-ungated", "yolo-box")
VARIANTS += ("yolo-ultralytics", "yolo-no-fill", "yolo-no-movers")


def make_variant(name: str, video: Path, cal: Any) -> Any:
    """The detector of one variant, built as the engine builds it
    (``pipeline.detector_for``): ``motion`` and ``yolo`` are the engine's defaults;
    ``yolo-onnxruntime`` runs the default on onnxruntime (``FAIRSPEED_YOLO_ENGINE``);
    ``yolo-ungated`` runs YOLO on every frame; ``yolo-box`` also keeps YOLO's own box
    bottoms (no background model at all); ``yolo-ultralytics`` the path before
    2026-12-06 (ultralytics at its 640 px input); ``yolo-no-fill`` the default without
    the motion blobs in the frames YOLO misses (``fill_in``); ``yolo-no-movers`` without
    the blobs of vehicles YOLO never named."""
    import cv2

    from cameras.vision.measure.pipeline import detector_for
    from cameras.vision.measure.yolo import YoloDetector
    from cameras.vision.measure.yolo_engine import ENGINE_ENV

    if name in ("motion", "yolo"):
        return name
    if name == "yolo-onnxruntime":
        os.environ[ENGINE_ENV] = "onnxruntime"  # this child process only
        return "yolo"
    cap = cv2.VideoCapture(str(video))
    size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    cap.release()
    if name == "yolo-ungated":
        return detector_for(cal, "yolo", YOLO_WEIGHTS, *size, motion_gate=False)
    if name == "yolo-box":
        return detector_for(
            cal, "yolo", YOLO_WEIGHTS, *size, motion_gate=False, foreground_contact=False
        )
    if name == "yolo-no-fill":
        return detector_for(cal, "yolo", YOLO_WEIGHTS, *size, fill_in=False)
    if name == "yolo-no-movers":
        return detector_for(cal, "yolo", YOLO_WEIGHTS, *size, movers=False)
    roi = cal.plane.image_roi(cal.zone, *size)
    return YoloDetector(YOLO_WEIGHTS, roi=roi, runtime="ultralytics")


def child(detector: str, video: Path, calib: Path, duration_s: float) -> dict[str, Any]:
    """Runs inside the child process; prints one JSON line."""
    from cameras.vision.measure.calibration import load_calibration
    from cameras.vision.measure.pipeline import MeasurementPipeline, measure_video

    cal = load_calibration(calib)
    pipes: list[MeasurementPipeline] = []
    det = make_variant(detector, video, cal)
    c0, t0 = time.process_time(), time.perf_counter()
    weights = YOLO_WEIGHTS if det == "yolo" else None
    passages = list(
        measure_video(video, cal, detector=det, weights=weights, progress=False, pipeline_out=pipes)
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    tm = pipes[0].timings
    return {
        "detector": detector,
        "frames": tm.frames,
        "wall_s": wall,
        "cpu_s": cpu,
        "realtime_factor": wall / duration_s,
        # A camera worker starts once and then runs for hours: the frames' own time (decode,
        # detect, track, measure) per video second is what must stay under 1; the rest of
        # the wall time is start-up (imports, model load, the background seed).
        "steady_rtf": tm.total_s / duration_s,
        "startup_s": max(0.0, wall - tm.total_s),
        "cpu_per_video_s": cpu / duration_s,
        "skipped_frames": getattr(det, "frames_skipped", 0),
        "stage_s": dict(tm.seconds),
        "stage_fps": tm.fps(),
        "passages": len(passages),
        "valid": sum(p.valid for p in passages),
        "peak_rss_mib": peak_rss_mib(),
    }


def scene(seconds: float) -> SceneSpec:
    """The overhead gantry, all four lanes busy, with denser traffic than the accuracy
    suite: it starts mid-scene, where several cars are in view."""
    geo = geometries(1280, 720)[0]
    spec = scene_for(geo, n_vehicles=12, seed=5)
    return replace(
        spec,
        duration_s=seconds,
        vehicles=[replace(v, t_start_s=v.t_start_s - 2.0) for v in spec.vehicles],
    )


def run_child(det: str, files: SceneFiles, seconds: float) -> dict[str, Any]:
    """Measure the clip with ``det`` in a fresh process: its result, or its error."""
    print(f"[throughput] measuring with {det} ...", flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.throughput", "--child", det,
         str(files.video_path), str(files.calibration_path), str(seconds)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not line:
        print(f"[throughput] {det} failed:\n{proc.stderr[-2000:]}")
        return {"detector": det, "error": proc.stderr[-2000:]}
    return dict(json.loads(line[-1]))


def fps_table(results: list[dict[str, Any]]) -> str:
    hdr = [
        "detector",
        "frames",
        "RTF",
        "steady RTF",
        "start-up s",
        "CPU s / video s",
        "total fps",
        "decode",
        "detect",
        "track",
        "measure",
        "peak RSS MiB",
    ]
    rows = []
    for r in results:
        if "error" in r:
            rows.append([r["detector"], "failed", *[""] * 10])
            continue
        f = r["stage_fps"]
        rows.append(
            [
                r["detector"],
                str(r["frames"]),
                fmt(r["realtime_factor"]),
                fmt(r["steady_rtf"]),
                fmt(r["startup_s"], 1),
                fmt(r["cpu_per_video_s"]),
                fmt(f["total"], 1),
                fmt(f["decode"], 0),
                fmt(f["detect"], 1),
                fmt(f["track"], 0),
                fmt(f["measure"], 0),
                fmt(r["peak_rss_mib"], 0),
            ]
        )
    return table(rows, hdr)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3 s clip instead of 10 s")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument(
        "--child", nargs=4, metavar=("DET", "VIDEO", "CALIB", "DUR"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.child:
        det, video, calib, dur = args.child
        print(json.dumps(child(det, Path(video), Path(calib), float(dur))))
        return {}

    from cameras.vision.synth import render_scene

    seconds = args.seconds or (3.0 if args.quick else 10.0)
    spec = scene(seconds)
    with tempfile.TemporaryDirectory(prefix="fairspeed-tp-") as tmp:
        t0 = time.perf_counter()
        files = render_scene(spec, tmp, name="throughput")
        render_s = time.perf_counter() - t0
        print(
            f"[throughput] rendered {seconds:.0f} s of 1280x720@30 in {render_s:.1f} s", flush=True
        )
        dets = list(VARIANTS) if YOLO_WEIGHTS.exists() else ["motion"]
        results = [run_child(det, files, seconds) for det in dets]
    print()
    print(
        "Throughput, 1280x720 @ 30 fps synthetic traffic (RTF = processing time / video "
        "time, start-up included; < 1 is faster than real time; steady RTF = the frames' "
        "own time (decode, detect, track, measure) / video time, what a camera running "
        "for hours sees; start-up s = the rest: imports, model load, background seed; "
        "CPU s / video s = the process's CPU time "
        "(all its threads) per second of video, what a shared machine cannot inflate; stage "
        "columns are fps of that stage alone)"
    )
    print(fps_table(results))
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    summary = {
        "load_avg": load,
        "resolution": [1280, 720],
        "fps": 30.0,
        "seconds": seconds,
        "render_s": render_s,
        "results": results,
    }
    print(f"summary written to {write_summary('throughput', summary)}")
    return summary


if __name__ == "__main__":
    main()
