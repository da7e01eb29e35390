"""Synthetic roadside-camera videos with exact ground truth (no Django; NumPy/OpenCV only).

Used by the demo, the tests and the benchmarks, never by a camera. ``camera`` holds the
camera model (projection, clipping), ``world`` the road, vehicles and background,
``scene`` the scene spec, zone and vehicle scheduling, ``render`` the per-frame drawing
and ``video`` composes them into a video, a calibration file and a ground-truth JSON.
"""

from cameras.vision.synth.camera import CameraRig
from cameras.vision.synth.scene import (
    SceneFiles,
    SceneSpec,
    auto_zone,
    build_scene,
    lane_direction,
    occluding_pair,
    place_vehicles,
    project,
    random_scene,
    schedule,
    unproject,
)
from cameras.vision.synth.video import render_scene
from cameras.vision.synth.world import COLOURS, VEHICLE_SIZES, RoadSpec, VehicleSpec

__all__ = [
    "COLOURS",
    "VEHICLE_SIZES",
    "CameraRig",
    "RoadSpec",
    "SceneFiles",
    "SceneSpec",
    "VehicleSpec",
    "auto_zone",
    "build_scene",
    "lane_direction",
    "occluding_pair",
    "place_vehicles",
    "project",
    "random_scene",
    "render_scene",
    "schedule",
    "unproject",
]
