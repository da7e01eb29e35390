"""A mailed citation with evidence on disk, and its portal credentials."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image, ImageDraw

from enforcement.cases import transitions as t
from enforcement.cases.mailing import mailing_batch_create, mailing_batch_record_mailed
from enforcement.models import Notice
from enforcement.portal.payments import TestPaymentProvider
from tests.enforcement.cases.conftest import REGISTRY_ROWS, make_case
from tests.factories import UserFactory, enforceable_camera


def _jpeg() -> bytes:
    """A small real still: grey road, the target vehicle boxed in red."""
    image = Image.new("RGB", (480, 270), (90, 90, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((180, 120, 300, 200), fill=(30, 60, 140), outline=(220, 0, 0), width=4)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


JPEG = _jpeg()


@dataclass
class Mailed:
    notice: Notice
    pin: str

    @property
    def number(self) -> str:
        return self.notice.number


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("\n".join(REGISTRY_ROWS) + "\n")
    settings.FAIRSPEED = {**settings.FAIRSPEED, "OWNER_REGISTRY": str(path)}
    settings.STORAGES = {
        **settings.STORAGES,
        "notices": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "notices"), "base_url": None},
        },
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    TestPaymentProvider.reset()


def _with_evidence(tmp_path: Path, plate: str, **kw: Any) -> Any:
    v = make_case(plate=plate, camera=enforceable_camera(), **kw)
    folder = tmp_path / "evidence" / str(v.event_id)
    folder.mkdir(parents=True)
    files = []
    for role in ("entry", "exit", "plate"):
        (folder / f"{role}.jpg").write_bytes(JPEG)
        files.append({"role": role, "name": f"{role}.jpg"})
    v.evidence_dir, v.evidence_manifest = str(v.event_id), {"files": files}
    v.save(update_fields=["evidence_dir", "evidence_manifest"])
    return v


@pytest.fixture
def mailed(db: Any, tmp_path: Path) -> Any:
    """mailed(plate="ABC123", mailed_on=...) -> Mailed: a citation mailed to its owner."""
    reviewer, approver = UserFactory(roles=["reviewer"]), UserFactory(roles=["approver"])

    def make(plate: str = "ABC123", mailed_on: dt.date | None = None, **kw: Any) -> Mailed:
        v = _with_evidence(tmp_path, plate, **kw)
        t.violation_review(v.pk, reviewer, plate=plate)
        t.violation_approve(v.pk, approver)
        notice = t.violation_vehicle_confirm(v.pk, approver)
        day = mailed_on or timezone.localdate()
        result = mailing_batch_create(approver, day)
        assert result is not None
        mailing_batch_record_mailed(result.batch.pk, approver, day)
        notice.refresh_from_db()
        return Mailed(notice, result.pins[notice.number])

    return make
