"""On the YOLO path, a vehicle YOLO does not name is measured from its motion blobs.

YOLO is told to look for motorcycles only, so it names no car in the clip: the car is, to
it, what a body unlike COCO's cars is to the real detector. Skipped without the weights.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.common import YOLO_WEIGHTS
from cameras.vision.measure.calibration import Calibration, load_calibration
from cameras.vision.measure.detect import UNRECOGNISED
from cameras.vision.measure.passage import Passage
from cameras.vision.measure.pipeline import detector_for, measure_video
from cameras.vision.synth import CameraRig, RoadSpec, SceneSpec, VehicleSpec, render_scene

MOTORCYCLE = 3  # COCO


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Calibration]:
    """A red drawn car approaching at 72 km/h through an 18 m zone, 640x360 at 30 fps."""
    if not YOLO_WEIGHTS.is_file():
        pytest.skip("YOLO weights absent")
    rig = CameraRig(
        height_m=6.0, tilt_deg=12.0, pan_deg=4.0, focal_px=666.7, width=640, height=360,
        fps=30.0, x_m=-4.0,
    )  # fmt: skip
    car = VehicleSpec(
        72.0, -1.75, -1, kind="car", colour="red", colour_bgr=(40, 40, 170), t_start_s=0.0,
        y_start_m=60.0,
    )  # fmt: skip
    scene = SceneSpec(
        rig=rig, vehicles=[car], duration_s=3.6, road=RoadSpec(n_lanes=2, x0_m=-3.5),
        zone=[(-3.5, 18.0), (0.0, 18.0), (0.0, 36.0), (-3.5, 36.0)], noise_sigma=1.5, seed=3,
    )  # fmt: skip
    files = render_scene(scene, tmp_path_factory.mktemp("movers"))
    return files.video_path, load_calibration(files.calibration_path)


def measured(clip: tuple[Path, Calibration], movers: bool) -> list[Passage]:
    video, cal = clip
    det = detector_for(cal, "yolo", YOLO_WEIGHTS, 640, 360, movers=movers)
    det.classes = [MOTORCYCLE]  # type: ignore[attr-defined]
    return list(measure_video(video, cal, detector=det, progress=False))


@pytest.mark.slow
def test_a_car_yolo_does_not_name_is_measured_from_its_motion_blobs(
    clip: tuple[Path, Calibration],
) -> None:
    valid = [p for p in measured(clip, movers=True) if p.valid]

    assert [p.cls for p in valid] == [UNRECOGNISED]
    assert valid[0].speed_kmh == pytest.approx(72.0, abs=2.5)


@pytest.mark.slow
def test_without_movers_the_yolo_path_misses_the_car_it_does_not_name(
    clip: tuple[Path, Calibration],
) -> None:
    assert not [p for p in measured(clip, movers=False) if p.valid]
