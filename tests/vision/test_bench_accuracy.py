"""The accuracy benchmark renders a scene once and measures it many times (--keep)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import accuracy
from benchmarks.suite import geometries, scene_for
from cameras.vision.synth import SceneFiles, SceneSpec


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the renderer with one that writes placeholder files and logs each call."""
    calls: list[str] = []

    def fake_render(spec: SceneSpec, out: Path, name: str = "scene") -> SceneFiles:
        calls.append(name)
        files = SceneFiles(
            out / f"{name}.mp4", out / f"{name}.calib.json", out / f"{name}.truth.json"
        )
        for p in (files.video_path, files.calibration_path, files.truth_path):
            p.write_text(repr(spec.seed))
        return files

    monkeypatch.setattr(accuracy, "render_scene", fake_render)
    return calls


def spec(seed: int = 1) -> SceneSpec:
    return scene_for(geometries(640, 360)[0], 2, seed)


def test_a_kept_scene_is_rendered_once_and_then_reused(tmp_path: Path, renders: list[str]) -> None:
    first, reused_first = accuracy.render_or_reuse(spec(), tmp_path, "g")
    second, reused_second = accuracy.render_or_reuse(spec(), tmp_path, "g")
    assert renders == ["g"]
    assert (reused_first, reused_second) == (False, True)
    assert second == first


def test_a_changed_scene_is_rendered_again(tmp_path: Path, renders: list[str]) -> None:
    accuracy.render_or_reuse(spec(), tmp_path, "g")
    _, reused = accuracy.render_or_reuse(replace(spec(), noise_sigma=3.0), tmp_path, "g")
    assert not reused and renders == ["g", "g"]


def test_a_render_with_a_missing_file_is_not_reused(tmp_path: Path, renders: list[str]) -> None:
    files, _ = accuracy.render_or_reuse(spec(), tmp_path, "g")
    files.truth_path.unlink()
    _, reused = accuracy.render_or_reuse(spec(), tmp_path, "g")
    assert not reused and renders == ["g", "g"]


def test_the_scene_key_follows_the_renderer_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    src = tmp_path / "synth_fake.py"
    src.write_text("A = 1\n")
    monkeypatch.setattr(accuracy, "SYNTH_SOURCES", [src])
    before = accuracy.scene_key(spec())
    src.write_text("A = 2\n")
    assert accuracy.scene_key(spec()) != before
    assert accuracy.scene_key(spec()) != accuracy.scene_key(spec(seed=2))
