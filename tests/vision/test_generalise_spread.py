"""The generalising suite's second render of each draw (exposure held still) and the
comparison of two renders' readings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from benchmarks import generalise_scenes as gs
from benchmarks.generalise import render_name
from benchmarks.generalise_report import summarise
from benchmarks.generalise_spread import compare, main, print_comparison


@pytest.mark.parametrize("seed", [1002, 1012])  # one flickers, one drifts
def test_a_steady_draw_is_its_draw_with_the_exposure_held_still(seed: int) -> None:
    draw = gs.draw_scene(seed, 5)
    steady = gs.steady_exposure(draw)
    assert draw.spec.exposure_ramp or draw.spec.flicker
    assert steady.spec == replace(draw.spec, exposure_ramp=0.0, flicker=0.0)
    assert steady.meta["exposure_ramp"] == 0.0 and steady.meta["flicker"] == 0.0
    assert draw.meta["exposure_ramp"] == draw.spec.exposure_ramp  # the draw is untouched


def test_the_steady_render_is_cached_apart_from_the_drawn_one() -> None:
    draw = gs.draw_scene(1012, 5)
    drawn, steady = render_name(draw, 1.0, 5), render_name(gs.steady_exposure(draw), 1.0, 5)
    assert steady == drawn + "-steady"


def _result(errors: dict[int, float | None]) -> dict[str, Any]:
    rows = [
        {"id": vid, "kind": "car", "body": "cuboid", "true_kmh": 50.0 + vid,
         "valid": e is not None, "error_kmh": e, "reason": None if e is not None else "fragment"}
        for vid, e in errors.items()
    ]  # fmt: skip
    return {"runs": [{"detector": "motion", "seed": 1001, "vehicles": rows}]}


def test_compare_counts_what_moved_and_what_only_one_render_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = _result({0: -0.5, 1: 0.2, 2: 1.0, 3: None})
    b = _result({0: 1.5, 1: 0.3, 2: None, 3: -0.4})
    cmp = compare(a, b)
    s = cmp["detectors"]["motion"]
    assert s["valid"] == [3, 3]
    assert s["mae_kmh"] == pytest.approx([(0.5 + 0.2 + 1.0) / 3, (1.5 + 0.3 + 0.4) / 3])
    assert s["max_over_kmh"] == [1.0, 1.5]
    assert s["read_in_both"] == 2
    assert s["mean_abs_change_kmh"] == pytest.approx((2.0 + 0.1) / 2)
    assert s["moved"] == 1 and s["only_first"] == 1 and s["only_second"] == 1
    # the largest change first, then the readings one render did not give
    assert [(m["id"], m["change_kmh"]) for m in cmp["moves"]] == [(0, 2.0), (2, None), (3, None)]
    print_comparison(cmp, ("drawn", "steady"))
    shown = capsys.readouterr().out
    assert "0.57 / 0.73" in shown and "fragment" in shown


def test_spread_without_both_results_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--steady"):
        main([str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    with pytest.raises(SystemExit, match="two result files"):
        main([str(tmp_path / "a.json")])


def test_the_report_shows_what_the_halves_mean_would_read() -> None:
    rows = [
        {"id": 0, "true_kmh": 50.0, "halves_kmh": [51.0, 49.0], "error_kmh": -1.0},
        {"id": 1, "true_kmh": 60.0, "halves_kmh": [62.0, 60.0], "error_kmh": 0.0},
        {"id": 2, "true_kmh": 70.0, "halves_kmh": [None, None], "error_kmh": None},
    ]
    for r in rows:
        r.update(valid=r["error_kmh"] is not None, u_kmh=1.5, direction=1, band="40-60",
                 body="cuboid", fully_visible=True)  # fmt: skip
    run = {"detector": "motion", "vehicles": rows, "errors": [-1.0, 0.0], "valid_readings": 2,
           "matched_valid": 2, "unoccluded": 3, "measured_unoccluded": 2, "phantoms": 0,
           "reject_reasons": {"fragment": 1}, "duration_s": 10.0, "measure_s": 5.0,
           "rtf": 0.5, "cpu_per_video_s": 0.5}  # fmt: skip
    s = summarise([run], ["motion"])["motion"]
    assert s["mae_kmh"] == pytest.approx(0.5)
    assert s["halves_mean"]["mae_kmh"] == pytest.approx(0.5)  # errors 0 and +1
    assert s["halves_mean"]["max_over_kmh"] == pytest.approx(1.0)
    assert s["halves_mean"]["lower_half_offset_kmh"] == pytest.approx(1.0)
