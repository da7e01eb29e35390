"""``python -m benchmarks.judge [--quick] [--n N]``: decisions per second of ``judge``.

Builds N deterministic, varied facts (every preset, every zone, speeds around each
threshold, captures across a year so windows, DST and warning periods all take their
branches) and times (1) ``judge`` alone over decoded facts and (2) the ``judge``
command's path per line: JSON decode, judge, JSON encode. Target: >= 20,000 decisions/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

import msgspec

from benchmarks.common import table, write_summary
from policy.rules.book import rulebook_preset
from policy.rules.judge import Facts, decision_encode, facts_decode, judge

CODES = ["ca-ab645", "albuquerque", "nyc", "chicago", "philadelphia", "demo"]
ZONES = ["school", "park", "corridor", "other"]
TARGET = 20_000


def make_facts(n: int, seed: int = 16) -> list[bytes]:
    rng = random.Random(seed)
    start = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    lines = []
    for _ in range(n):
        limit = rng.choice([40.2336, 48.2803, 56.327, 50.0, 30.0])
        captured = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
        recent = [
            (captured - dt.timedelta(minutes=rng.randrange(1, 90))).isoformat()
            for _ in range(rng.choice([0, 0, 1, 3]))
        ]
        facts: dict[str, Any] = {
            "captured_at": captured.isoformat(),
            "speed_kmh": round(limit + rng.uniform(0, 60), 2),
            "uncertainty_kmh": round(rng.uniform(0.3, 2.5), 2),
            "limit_kmh": limit,
            "zone": rng.choice(ZONES),
            "program_started_on": "2027-01-01",
            "camera_activated_on": (start + dt.timedelta(days=rng.randrange(200)))
            .date()
            .isoformat(),
            "prior_notices": rng.choice([0, 0, 1, 2, 5]),
            "measurement_valid": rng.random() > 0.03,
            "plate_confidence": round(rng.uniform(0.85, 1.0), 3),
            "recent_notices": recent,
        }
        lines.append(msgspec.json.encode(facts))
    return lines


def run(n: int) -> dict[str, Any]:
    lines = make_facts(n)
    books = {code: rulebook_preset(code) for code in CODES}
    decoded: list[Facts] = [facts_decode(line) for line in lines]
    rows: list[list[str]] = []
    results: list[dict[str, Any]] = []
    for code in CODES:
        book = books[code]
        t0 = time.perf_counter()
        outcomes: dict[str, int] = {}
        for item in decoded:
            outcome = judge(item, book).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        judge_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for line in lines:
            decision_encode(judge(facts_decode(line), book))
        command_s = time.perf_counter() - t0
        result = {
            "ruleset": code,
            "facts": n,
            "judge_per_s": round(n / judge_s),
            "decode_judge_encode_per_s": round(n / command_s),
            "outcomes": outcomes,
        }
        results.append(result)
        rows.append([code, str(n), f"{n / judge_s:,.0f}", f"{n / command_s:,.0f}", str(outcomes)])
    print(table(rows, ["ruleset", "facts", "judge/s", "decode+judge+encode/s", "outcomes"]))
    slowest = min(r["judge_per_s"] for r in results)
    verdict = "meets" if slowest >= TARGET else "misses"
    print(f"slowest preset: {slowest:,} decisions/s ({verdict} the {TARGET:,}/s target)")
    return {"results": results, "slowest_judge_per_s": slowest, "target_per_s": TARGET,
            "verdict": verdict}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 facts instead of 100,000")
    ap.add_argument("--n", type=int, default=None)
    args = ap.parse_args(argv)
    n = args.n or (10_000 if args.quick else 100_000)
    summary = run(n)
    write_summary("judge", summary)
    return summary


if __name__ == "__main__":
    main()
