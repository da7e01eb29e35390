"""How far the generalising suite's readings move between two renders of the same draws.

    python -m benchmarks.generalise_spread [--set tuning|sealed] [--quick] [A.json B.json]

By default it compares a set's renders as drawn (``python -m benchmarks.generalise``)
with the same draws rendered with the exposure held still (``... --steady``): same
cameras, traffic, noise and codec, only the exposure's drift and flicker taken away. Per
detector: each render's readings, MAE and largest over-read; for the vehicles read in
both, the mean and largest change of the reading; the readings only one of them gave;
then the vehicles whose reading moved most.

A change to the engine that moves the suite's MAE by less than these two renders differ
by is inside the suite's own noise. Written to ``var/bench/generalise-<set>-spread.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.common import OUT_DIR, fmt, table, write_summary
from benchmarks.generalise import result_name
from benchmarks.scoring import error_stats

Key = tuple[str, int, int]  # detector, seed, vehicle id
MOVED_KMH = 1.0  # a reading that moved this far between renders counts as moved
LISTED = 12


def _rows(result: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    """Each crossing vehicle's scored row in one result file, by detector, seed and id."""
    return {
        (run["detector"], run["seed"], row["id"]): row
        for run in result["runs"]
        for row in run["vehicles"]
    }


def _error(row: dict[str, Any] | None) -> float | None:
    return row["error_kmh"] if row is not None and row.get("valid") else None


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Per detector, the figures of renders ``a`` and ``b`` and what moved between them."""
    ra, rb = _rows(a), _rows(b)
    out: dict[str, Any] = {"detectors": {}, "moves": []}
    for det in sorted({k[0] for k in ra} & {k[0] for k in rb}):
        keys = sorted(k for k in ra.keys() & rb.keys() if k[0] == det)
        ea = {k: e for k in keys if (e := _error(ra[k])) is not None}
        eb = {k: e for k in keys if (e := _error(rb[k])) is not None}
        both = sorted(ea.keys() & eb.keys())
        deltas = [eb[k] - ea[k] for k in both]
        sa, sb = error_stats(list(ea.values())), error_stats(list(eb.values()))
        out["detectors"][det] = {
            "valid": [len(ea), len(eb)],
            "mae_kmh": [sa["mae_kmh"], sb["mae_kmh"]],
            "max_over_kmh": [sa["max_over_kmh"], sb["max_over_kmh"]],
            "read_in_both": len(both),
            "mean_abs_change_kmh": error_stats(deltas)["mae_kmh"],
            "max_abs_change_kmh": max(map(abs, deltas), default=None),
            "moved": sum(abs(d) >= MOVED_KMH for d in deltas),
            "only_first": len(ea.keys() - eb.keys()),
            "only_second": len(eb.keys() - ea.keys()),
        }
        for k in keys:
            first, second = ea.get(k), eb.get(k)
            if first is None and second is None:
                continue
            change = None if first is None or second is None else second - first
            if change is not None and abs(change) < MOVED_KMH:
                continue
            out["moves"].append(_move(k, ra[k], rb[k], first, second, change))
    # readings that changed first, largest first; then those only one render gave
    out["moves"].sort(key=lambda m: (m["change_kmh"] is None, -abs(m["change_kmh"] or 0.0)))
    return out


def _move(
    key: Key,
    row_a: dict[str, Any],
    row_b: dict[str, Any],
    first: float | None,
    second: float | None,
    change: float | None,
) -> dict[str, Any]:
    det, seed, vid = key
    return {
        "detector": det,
        "seed": seed,
        "id": vid,
        "kind": row_a.get("kind"),
        "body": row_a.get("body"),
        "true_kmh": row_a["true_kmh"],
        "error_kmh": [first, second],
        "reasons": [row_a.get("reason"), row_b.get("reason")],
        "change_kmh": change,
    }


def _shown(error: float | None, reason: str | None) -> str:
    return fmt(error) if error is not None else str(reason)


def print_comparison(cmp: dict[str, Any], names: tuple[str, str]) -> None:
    a, b = names
    hdr = ["detector", "valid", "MAE", "max over", "read in both", "mean |change|",
           "max |change|", f"moved >= {MOVED_KMH:g}", f"only {a}", f"only {b}"]  # fmt: skip
    rows = []
    for det, s in cmp["detectors"].items():
        rows.append(
            [
                det,
                "{} / {}".format(*s["valid"]),
                " / ".join(fmt(x) for x in s["mae_kmh"]),
                " / ".join(fmt(x) for x in s["max_over_kmh"]),
                str(s["read_in_both"]),
                fmt(s["mean_abs_change_kmh"]),
                fmt(s["max_abs_change_kmh"]),
                str(s["moved"]),
                str(s["only_first"]),
                str(s["only_second"]),
            ]
        )
    print(f"Readings of {a} / {b}:")
    print(table(rows, hdr))
    moves = cmp["moves"][:LISTED]
    if not moves:
        return
    print(f"\nLargest moves (error km/h, {a} -> {b}; a reason where not read):")
    mrows = [
        [
            m["detector"],
            str(m["seed"]),
            str(m["id"]),
            f"{m['body']} {m['kind']}",
            fmt(m["true_kmh"]),
            *map(_shown, m["error_kmh"], m["reasons"]),
        ]
        for m in moves
    ]
    print(table(mrows, ["detector", "seed", "id", "vehicle", "true km/h", a, b]))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", dest="which", choices=("tuning", "sealed"), default="tuning")
    ap.add_argument("--quick", action="store_true", help="compare the --quick results")
    ap.add_argument("files", nargs="*", type=Path, help="two result files, instead")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    stem = result_name(args.which, args.quick, steady=False)
    if args.files and len(args.files) != 2:
        raise SystemExit("give two result files, or none")
    steady = result_name(args.which, args.quick, steady=True)
    paths = args.files or [OUT_DIR / f"{stem}.json", OUT_DIR / f"{steady}.json"]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(
            f"no results at {', '.join(missing)}: run python -m benchmarks.generalise "
            f"--set {args.which} (and again with --steady) first"
        )
    results = [json.loads(p.read_text()) for p in paths]
    names = ("drawn", "steady") if not args.files else (paths[0].stem, paths[1].stem)
    cmp = compare(*results)
    print_comparison(cmp, names)
    out = {"set": args.which, "files": [str(p) for p in paths], "names": list(names), **cmp}
    path = write_summary(f"{stem}-spread", out)
    print(f"\nsummary written to {path}")
    return out


if __name__ == "__main__":
    main()
