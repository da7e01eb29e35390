"""evidence_audit on the real clips in ../shared/data (skipped when absent): in every
stored still no face is found and the area outside the target is obscured."""

from __future__ import annotations

import argparse
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from cameras.worker import audit
from tests.cameras.stills import MAX_OUTSIDE_SHARPNESS, faces_found, outside_sharpness, stills

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("FAIRSPEED_DATA_DIR", REPO.parent / "shared" / "data"))
CALIBRATIONS = REPO / "benchmarks" / "calibrations"
# (clip, frames read): the motion detector (no weights needed) and a low limit, so that
# every valid passage makes a package; the urban clip is cut to keep the test short.
CLIPS = [("uk_road_cars_go-rknnlite-data.mp4", None), ("urban_road_cars_kraten.mp4", 400)]


def _audit(clip: str, max_frames: int | None, out: Path) -> list[dict[str, Any]]:
    video = DATA / clip
    if not video.is_file():
        pytest.skip(f"shared data {clip} is not available")
    parser = argparse.ArgumentParser()
    audit.add_arguments(parser)
    argv = [str(video), "--calibration", str(CALIBRATIONS / f"{video.stem}.json")]
    argv += ["--out", str(out), "--detector", "motion", "--limit-kmh", "20"]
    if max_frames is not None:
        argv += ["--max-frames", str(max_frames)]
    stdout, stderr = io.StringIO(), io.StringIO()
    assert audit.run(parser.parse_args(argv), stdout, stderr) == audit.EXIT_OK, stderr.getvalue()
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


@pytest.mark.parametrize(("clip", "max_frames"), CLIPS)
def test_no_face_and_no_sharp_background_in_any_stored_still(
    clip: str, max_frames: int | None, tmp_path: Path
) -> None:
    lines = _audit(clip, max_frames, tmp_path)
    assert lines, f"{clip}: no package to check"
    checked = 0
    for line in lines:
        for image, entry in stills(tmp_path / line["event_id"]):
            where = f"{clip} {line['event_id']}/{entry['name']}"
            assert faces_found(image) == 0, where
            sharpness = outside_sharpness(image, entry["target_box"])
            assert sharpness < MAX_OUTSIDE_SHARPNESS, (where, sharpness)
            checked += 1
    print(f"{clip}: {checked} stills in {len(lines)} packages checked")
