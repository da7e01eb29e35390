"""Demo data: one user per role, a site with an approved placement, a certified camera
calibrated from a synthetic clip with known speeds. Idempotent: re-running reuses it.

The camera's daily self-test is not seeded: the camera worker runs the real one when it
starts on the clip, and the policy gate refuses violations if it fails."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from cameras.models import Calibration, CalibrationCertificate, Camera, Site
from enforcement.roles import ROLE_PERMISSIONS
from policy.audit import audit_record
from policy.models import PlacementProposal, PlacementStatus

DEMO_CAMERA = "demo-main-st"


def demo_users(var_dir: Path) -> dict[str, dict[str, str]]:
    """One user per role plus an admin; passwords are random, kept in var/ for re-runs."""
    path = var_dir / "demo_users.json"
    saved: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
    users: dict[str, dict[str, str]] = {}
    for role in [*ROLE_PERMISSIONS, "admin"]:
        username = f"demo_{role}"
        password = saved.get(role, {}).get("password") or secrets.token_urlsafe(9)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        if role == "admin":
            user.is_staff = user.is_superuser = True
        else:
            user.groups.add(Group.objects.get(name=role))
        user.save()
        users[role] = {"username": username, "password": password}
    path.write_text(json.dumps(users, indent=2))
    path.chmod(0o600)
    return users


def demo_scene(out_dir: Path) -> dict[str, Path]:
    """Render (once) a 12-second rear-view clip: three speeders and three legal drivers."""
    from cameras.vision.synth import CameraRig, SceneSpec, VehicleSpec, build_scene, render_scene

    video = out_dir / "demo.mp4"
    files = {
        "video": video,
        "calibration": out_dir / "demo.calib.json",
        "truth": out_dir / "demo.truth.json",
    }
    if all(p.exists() for p in files.values()):
        return files
    out_dir.mkdir(parents=True, exist_ok=True)
    rig = CameraRig(
        height_m=7.0,
        tilt_deg=16.0,
        pan_deg=4.0,
        focal_px=700.0,
        width=960,
        height=540,
        fps=30.0,
        x_m=-4.0,
    )
    base = SceneSpec(
        rig=rig, vehicles=[], duration_s=12.0, speed_limit_kmh=50.0, noise_sigma=2.0, seed=7
    )
    plan = [
        (88.0, "car", 1.0),
        (42.0, "suv", 2.5),
        (103.0, "car", 4.5),
        (48.0, "van", 6.0),
        (79.0, "car", 8.0),
        (35.0, "car", 9.0),
    ]
    wanted = [
        (VehicleSpec(speed_kmh=v, lane_x_m=1.75, direction=1, t_start_s=0.0, kind=k), t)
        for v, k, t in plan
    ]
    spec = build_scene(base, wanted)
    scene = render_scene(spec, out_dir, name="demo")
    files = {
        "video": scene.video_path,
        "calibration": scene.calibration_path,
        "truth": scene.truth_path,
    }
    return files


@transaction.atomic
def demo_seed(calibration: dict[str, Any], video: Path) -> Camera:
    site, _ = Site.objects.get_or_create(
        name="Main St between 3rd and 5th (demo)",
        defaults={"jurisdiction": "demo", "zone_kind": "school", "address": "Main St"},
    )
    camera, _ = Camera.objects.get_or_create(
        code=DEMO_CAMERA,
        defaults={
            "name": "Main St eastbound",
            "site": site,
            "source_url": str(video),
            "speed_limit_kmh": int(calibration.get("speed_limit_kmh", 50)),
        },
    )
    camera.source_url = str(video)
    camera.save(update_fields=["source_url"])
    today = timezone.localdate()
    if not site.placements.filter(status=PlacementStatus.APPROVED).exists():
        placement = PlacementProposal.objects.create(
            site=site,
            title="Main St school zone",
            status=PlacementStatus.APPROVED,
            justification="Demo: 14 injury crashes in 5 years; 85th percentile 61 km/h in 50.",
            decided_at=timezone.now(),
            decision_reason="Demo placement approved",
            active_from=today - dt.timedelta(days=365),
        )
        audit_record(
            actor=None,
            actor_label="demo",
            action="placement.approved",
            obj=placement,
            reason=placement.decision_reason,
        )
    if not camera.calibrations.exists():
        cal = Calibration.objects.create(
            camera=camera,
            version=1,
            data=calibration,
            residual_rms_m=0.0,
            max_residual_m=0.0,
            note="Demo: exact synthetic survey",
        )
        audit_record(actor=None, actor_label="demo", action="calibration.created", obj=cal)
    if not camera.certificates.filter(valid_until__gte=today).exists():
        CalibrationCertificate.objects.create(
            camera=camera,
            issuer="Demo Metrology Lab",
            certificate_number="DEMO-0001",
            valid_from=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=335),
        )
    return camera
