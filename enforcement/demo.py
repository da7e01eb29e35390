"""Demo data: one user per role, Port Halden (a fictional city: districts, tracts,
crashes), the demo rule set adopted, placement proposals in every review state, a site
with an approved placement, a certified camera calibrated from a synthetic clip with
known speeds. Idempotent: re-running reuses it.

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
from policy.demo_city import ORIGIN_LAT, ORIGIN_LON, TRACT_DEG
from policy.management.commands.demo_city import demo_city_load
from policy.models import District, PlacementProposal, PlacementStatus, RuleSetVersion
from policy.placement_selectors import tract_at
from policy.services.placements import (
    placement_comment,
    placement_decide,
    placement_propose,
    placement_submit,
)
from policy.services.rulesets import ruleset_adopt

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
        lat, lon = demo_point(0, 2)
        tract = tract_at(lat, lon)
        placement = PlacementProposal.objects.create(
            site=site,
            title="Main St school zone",
            jurisdiction="demo",
            address="Main St between 3rd and 5th, Port Halden (fictional)",
            latitude=lat,
            longitude=lon,
            road="Main St",
            direction="eastbound",
            posted_limit_kmh=int(calibration.get("speed_limit_kmh", 50)),
            zone="school",
            speed_p85_kmh=61.0,
            share_over_limit=0.38,
            tract=tract,
            district=tract.district if tract is not None else None,
            status=PlacementStatus.APPROVED,
            justification="Demo: 14 injury crashes in 5 years; 85th percentile 61 km/h in 50.",
            decided_at=timezone.now(),
            decision_reason="Demo placement approved",
            active_from=today - dt.timedelta(days=365),
            review_due_on=today + dt.timedelta(days=200),
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


def demo_point(col: int, row: int) -> tuple[float, float]:
    """The centre of a Port Halden tract: column = district (0-7), row 0-4; (lat, lon)."""
    return ORIGIN_LAT + (row + 0.5) * TRACT_DEG, ORIGIN_LON + (col + 0.5) * TRACT_DEG


def demo_policy() -> None:
    """The fictional city and the demo rule set, loaded once (before demo_seed)."""
    if not District.objects.exists():
        demo_city_load()
    if not RuleSetVersion.objects.filter(code="demo").exists():
        ruleset_adopt(
            "demo",
            effective_from=timezone.localdate() - dt.timedelta(days=400),
            actor=None,
            note="demo: the fictional city adopts the demo preset",
        )


# (title, district column, tract row, zone, where the review stops)
DEMO_PROPOSALS = [
    ("Millbrook Rd by the primary school", 2, 1, "school", "draft"),
    ("Eastgate Ave by Riverside Park", 3, 3, "park", "submitted"),
    ("Hillcrest Blvd safety corridor", 5, 2, "corridor", "approved"),
    ("Old Town Row", 1, 0, "other", "changes_requested"),
    ("Southmoor Way", 7, 4, "corridor", "rejected"),
]


@transaction.atomic
def demo_placements() -> dict[str, int]:
    """Proposals in each review state, made through the review services themselves: the
    admin proposes, the equity reviewer and the admin decide (a quorum of two)."""
    admin = User.objects.get(username="demo_admin")
    reviewer = User.objects.get(username="demo_equity_reviewer")
    proposer = User.objects.get(username="demo_operator")
    today = timezone.localdate()
    for title, col, row, zone, state in DEMO_PROPOSALS:
        if PlacementProposal.objects.filter(title=title).exists():
            continue
        lat, lon = demo_point(col, row)
        placement = placement_propose(
            actor=proposer,
            title=title,
            jurisdiction="demo",
            address=f"{title}, Port Halden (fictional)",
            latitude=lat,
            longitude=lon,
            road=title.split(" by ")[0],
            direction="both",
            posted_limit_kmh=40 if zone in ("school", "park") else 50,
            zone=zone,
            speed_p85_kmh=52.0 + col,
            share_over_limit=0.2 + 0.03 * row,
            vulnerable_road_users="Children walking to school; older residents crossing.",
            alternatives_considered="Speed humps (2024) and a driver-feedback sign (2025).",
            justification="Demo: fatal and serious crashes along this road in the last 5 years; "
            "speed humps did not bring the 85th percentile under the limit.",
        )
        if state == "draft":
            continue
        opened = today if state == "submitted" else today - dt.timedelta(days=45)
        placement_submit(placement, actor=proposer, today=opened)
        if state == "submitted":
            placement_comment(placement, body="Please do: my children cross here.", name="")
            continue
        decision = {"approved": "approve", "changes_requested": "request_changes"}.get(
            state, "reject"
        )
        deciders = [reviewer, admin] if decision == "approve" else [reviewer]
        for who in deciders:
            placement_decide(
                placement,
                reviewer=who,
                decision=decision,
                reasons=f"Demo: {decision.replace('_', ' ')} after the crash and speed data.",
                today=today,
            )
    return {
        "proposed": PlacementProposal.objects.count(),
        "approved": PlacementProposal.objects.filter(status=PlacementStatus.APPROVED).count(),
    }


# --- The staff half of the demo: two people clear each case through the services the
# pages call, then a mailing batch is printed and recorded as mailed. -----------------

# The synthetic vehicles carry blank plates (nothing for OCR to read), so the demo's
# reviewer types these, in order of measurement; the demo registry knows them.
DEMO_PLATES = ["7DEM001", "7DEM002", "7DEM003", "7DEM004", "7DEM005", "7DEM006"]
DEMO_REGISTRY = [
    (
        "Toyota",
        "Corolla",
        "Blue",
        "Ana Ruiz",
        "12 Oak St; Springfield, CA 90001",
        "ana@example.org",
        "es",
    ),
    ("Ford", "Focus", "Red", "Bo Chen", "3 Elm Rd; Springfield, CA 90002", "", "en"),
    (
        "Kia",
        "Rio",
        "White",
        "Cy Diaz",
        "40 Pine Ave; Springfield, CA 90003",
        "cy@example.org",
        "en",
    ),
]


def demo_registry(path: Path) -> Path:
    """The demo's owner registry (CSV), one owner per demo plate."""
    rows = ["plate,state,make,model,colour,owner_name,address,email,language"]
    for n, plate in enumerate(DEMO_PLATES):
        make, model, colour, name, address, email, lang = DEMO_REGISTRY[n % len(DEMO_REGISTRY)]
        rows.append(f'{plate},CA,{make},{model},{colour},{name},"{address}",{email},{lang}')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n")
    return path


def demo_review(camera: Camera) -> int:
    """The demo reviewer and approver clear every waiting case; returns how many."""
    from enforcement.cases import transitions as t
    from enforcement.models import Violation

    reviewer = User.objects.get(username="demo_reviewer")
    approver = User.objects.get(username="demo_approver")
    waiting = Violation.objects.filter(camera=camera, status__in=t.FIRST_REVIEW)
    done = Violation.objects.filter(camera=camera).exclude(plate_text="").count()
    cleared = 0
    for v in waiting.order_by("measured_at"):
        plate = v.plate_text or DEMO_PLATES[(done + cleared) % len(DEMO_PLATES)]
        t.violation_claim(v.pk, reviewer)
        t.violation_review(v.pk, reviewer, plate=plate)
        if t.violation_approve(v.pk, approver).status == "owner_found":
            t.violation_vehicle_confirm(v.pk, approver)
        cleared += 1
    return cleared


def demo_mail(var_dir: Path) -> dict[str, str]:
    """Print and mail what was issued; return portal credentials for one citation
    (kept in var/ so a second run shows the same, checked against the stored hash)."""
    from enforcement.cases.mailing import (
        mailing_batch_create,
        mailing_batch_record_mailed,
        notice_pin_reissue,
        notices_sweep,
    )
    from enforcement.cases.numbers import pin_check
    from enforcement.models import Notice

    approver = User.objects.get(username="demo_approver")
    result = mailing_batch_create(approver, timezone.localdate())
    if result is not None:
        mailing_batch_record_mailed(result.batch.pk, approver, timezone.localdate())
    notices_sweep()
    path = var_dir / "demo_portal.json"
    saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    pins = {
        **({saved["citation"]: saved["pin"]} if saved else {}),
        **(result.pins if result else {}),
    }
    citations = Notice.objects.filter(violation__camera__code=DEMO_CAMERA, kind="citation")
    notice = citations.filter(number=saved.get("citation")).first() or citations.first()
    if notice is None:
        return {"citation": "", "plate": "", "pin": ""}
    pin = pins.get(notice.number, "")
    if not pin_check(pin, notice.pin_hash):
        pin = notice_pin_reissue(notice, approver, reason="demo credentials file was missing")
    portal = {"citation": notice.number, "plate": notice.plate, "pin": pin}
    path.write_text(json.dumps(portal))
    path.chmod(0o600)
    return portal


def demo_sample_notices(var_dir: Path, portal: dict[str, str]) -> list[Path]:
    """The portal citation's notice as PDF in English and in Spanish, for a look."""
    from enforcement.cases.notice_pdf import Printed, notices_pdf
    from enforcement.models import Notice

    notice = Notice.objects.filter(number=portal["citation"]).first()
    if notice is None:
        return []
    out = var_dir / "notices" / "samples"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for lang in ("en", "es"):
        printed = Printed(pin=portal["pin"], deadlines=notice.deadlines)
        path = out / f"notice-{notice.number}-{lang}.pdf"
        path.write_bytes(notices_pdf([(notice, printed)], language=lang))
        paths.append(path)
    return paths
