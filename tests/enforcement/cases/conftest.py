from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from enforcement.models import Violation, ViolationStatus
from tests.factories import CalibrationFactory, CameraFactory

REGISTRY_ROWS = [
    "plate,state,make,model,colour,owner_name,address,email,language",
    'ABC123,CA,Toyota,Corolla,Blue,Ana Ruiz,"12 Oak St, Springfield",ana@example.org,es',
    'XYZ789,CA,Ford,Focus,Red,Bo Chen,"3 Elm Rd, Springfield",,en',
]


def make_case(
    *, status: str = ViolationStatus.AWAITING_REVIEW, plate: str = "ABC123", **kw: Any
) -> Violation:
    camera = kw.pop("camera", None) or CameraFactory()
    CalibrationFactory(camera=camera) if not camera.calibrations.exists() else None
    fields: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "camera": camera,
        "calibration": camera.calibrations.first(),
        "measured_at": timezone.now(),
        "speed_kmh": 84.0,
        "uncertainty_kmh": 1.4,
        "limit_kmh": 50.0,
        "vehicle_class": "car",
        "plate_text": plate,
        "plate_confidence": 0.97,
        "status": status,
        "status_reason": "all checks passed",
    }
    fields.update(kw)
    return Violation.objects.create(**fields)


@pytest.fixture
def case(db: Any) -> Any:
    return make_case


@pytest.fixture
def registry(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "registry.csv"
    path.write_text("\n".join(REGISTRY_ROWS) + "\n")
    settings.FAIRSPEED = {**settings.FAIRSPEED, "OWNER_REGISTRY": str(path)}
    return path


@pytest.fixture
def people(staff: Any) -> dict[str, Any]:
    return {
        "reviewer": staff("reviewer"),
        "approver": staff("approver"),
        "both": staff("reviewer", "approver"),
        "auditor": staff("auditor"),
    }
