"""Run every benchmark: ``python -m benchmarks.run_all [--quick]`` (what ``make bench`` runs).

Each script prints its own table and writes var/bench/<name>.json; this writes
var/bench/summary.json with the headline numbers and the wall time of each part.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchmarks import accuracy, judge, real_footage, redaction, throughput
from benchmarks.common import write_summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="about 2 minutes instead of ~15")
    args = ap.parse_args(argv)
    flag = ["--quick"] if args.quick else []
    out: dict[str, Any] = {"quick": args.quick, "wall_s": {}}
    for name, mod in (
        ("accuracy", accuracy),
        ("throughput", throughput),
        ("real_footage", real_footage),
        ("judge", judge),
        ("redaction", redaction),
    ):
        print(f"\n===== {name} =====", flush=True)
        t0 = time.perf_counter()
        res = mod.main(flag)
        out["wall_s"][name] = round(time.perf_counter() - t0, 1)
        if name == "accuracy":
            out["accuracy"] = {"overall": res["overall"], "verdict": res["verdict"]}
        elif name == "throughput":
            out["throughput"] = [
                {k: r.get(k) for k in ("detector", "realtime_factor", "stage_fps", "peak_rss_mib")}
                for r in res.get("results", [])
            ]
        elif name == "judge":
            out["judge"] = {k: res[k] for k in ("slowest_judge_per_s", "target_per_s", "verdict")}
        elif name == "redaction":
            out["redaction"] = {"results": res["results"], "verdict": res["verdict"]}
        else:
            out["real_footage"] = [
                {
                    k: r[k]
                    for k in ("clip", "detector", "passages", "valid", "speed_kmh", "plausible")
                }
                for r in res.get("results", [])
            ]
    path = write_summary("summary", out)
    print(f"\nall benchmarks done in {sum(out['wall_s'].values()):.0f} s; summary in {path}")


if __name__ == "__main__":
    main()
