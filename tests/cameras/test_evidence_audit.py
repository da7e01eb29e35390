"""evidence_audit: the worker's own packages for every speeder in a video, no database."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cameras.vision.evidence.package import verify_package
from cameras.vision.evidence.signing import PublicKey
from cameras.worker import audit
from tests.cameras.clips import LIMIT_KMH, MIXED, Clip, render
from tests.cameras.stills import MAX_OUTSIDE_SHARPNESS, faces_found, outside_sharpness, stills

CONTRACT_KEYS = {"event_id", "track_id", "speed_kmh", "files", "plate", "obscured"}


@pytest.fixture(scope="session")
def mixed_clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    out = tmp_path_factory.getbasetemp() / "worker-clips"
    out.mkdir(exist_ok=True)
    return render(out, "mixed", MIXED)


def _args(clip: Clip, out: Path, calibration: Path, **extra: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    audit.add_arguments(parser)
    argv = [str(clip.video), "--calibration", str(calibration), "--out", str(out)]
    argv += ["--detector", "motion", "--limit-kmh", str(LIMIT_KMH)]
    for name, value in extra.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return parser.parse_args(argv)


def _run(args: argparse.Namespace) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = audit.run(args, stdout=out, stderr=err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


@pytest.fixture(scope="module")
def audited(
    mixed_clip: Clip, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dict[str, Any]], Path]:
    base = tmp_path_factory.mktemp("audit")
    calibration = base / "calib.json"
    calibration.write_text(json.dumps(mixed_clip.calibration))
    code, lines, err = _run(_args(mixed_clip, base / "out", calibration))
    assert code == audit.EXIT_OK, err
    return base / "out", lines, calibration


def test_it_writes_one_package_per_speeder_with_one_json_line_each(
    audited: tuple[Path, list[dict[str, Any]], Path], mixed_clip: Clip
) -> None:
    out, lines, _ = audited
    assert sorted(round(line["speed_kmh"]) for line in lines) == pytest.approx(
        sorted(mixed_clip.speeders), abs=3
    )
    for line in lines:
        assert line.keys() >= CONTRACT_KEYS
        folder = out / line["event_id"]
        assert sorted(Path(f).name for f in line["files"]) == [
            "01_entry.jpg", "02_exit.jpg", line["files"][2].rsplit("/", 1)[1]
        ]  # fmt: skip
        assert all(Path(f).parent == folder and Path(f).is_file() for f in line["files"])
        assert set(line["plate"]) >= {"text", "confidence"}
        assert set(line["obscured"]) == {"01_entry.jpg", "02_exit.jpg"}


def test_the_packages_verify_with_the_key_it_wrote_out(
    audited: tuple[Path, list[dict[str, Any]], Path],
) -> None:
    out, lines, _ = audited
    key = PublicKey.from_pem((out / "signing_key.pub.pem").read_bytes())
    for line in lines:
        assert verify_package(out / line["event_id"], key) == []


def test_no_face_and_nothing_sharp_survives_outside_the_target(
    audited: tuple[Path, list[dict[str, Any]], Path],
) -> None:
    out, lines, _ = audited
    checked = 0
    for line in lines:
        for image, entry in stills(out / line["event_id"]):
            assert faces_found(image) == 0, entry["name"]
            assert outside_sharpness(image, entry["target_box"]) < MAX_OUTSIDE_SHARPNESS
            checked += 1
    assert checked == 2 * len(lines) >= 4


def test_a_second_run_into_the_same_folder_changes_nothing(
    audited: tuple[Path, list[dict[str, Any]], Path], mixed_clip: Clip
) -> None:
    out, _, calibration = audited
    before = {p: p.read_bytes() for p in out.rglob("*.jpg")}
    code, again, _ = _run(_args(mixed_clip, out, calibration))
    assert code == audit.EXIT_OK and again == []  # same event ids: already there
    assert {p: p.read_bytes() for p in out.rglob("*.jpg")} == before


def test_bad_input_gets_a_clear_error_and_writes_no_package(
    tmp_path: Path, mixed_clip: Clip, audited: tuple[Path, list[dict[str, Any]], Path]
) -> None:
    _, _, calibration = audited
    broken = tmp_path / "broken.json"
    broken.write_text('{"image_points": [[0, 0]]}')
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video" * 100)
    cases = [
        (_args(mixed_clip, tmp_path / "a", broken), "calib"),
        (_args(mixed_clip, tmp_path / "b", tmp_path / "missing.json"), "missing.json"),
        (_args(Clip(garbage, {}, {}), tmp_path / "c", calibration), "garbage.mp4"),
        (_args(Clip(tmp_path / "none.mp4", {}, {}), tmp_path / "d", calibration), "none.mp4"),
    ]
    for args, named in cases:
        code, lines, err = _run(args)
        assert code == audit.EXIT_BAD_INPUT and lines == [], err
        assert err.startswith("error:") and named in err
        assert not list(Path(args.out).glob("*/manifest.json"))


def test_the_management_command_wraps_it(tmp_path: Path, mixed_clip: Clip) -> None:
    with pytest.raises(CommandError, match="evidence audit failed"):
        call_command(
            "evidence_audit", str(mixed_clip.video), calibration=str(tmp_path / "none.json"),
            out=str(tmp_path / "out"), stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
