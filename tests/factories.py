from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cameras.models import Calibration, CalibrationCertificate, Camera, SelfTest, Site
from policy.models import PlacementProposal, PlacementStatus

SQUARE_CALIBRATION = {
    "image_points": [[100, 400], [540, 400], [420, 100], [220, 100]],
    "world_points": [[0, 0], [10, 0], [10, 40], [0, 40]],
    "zone": [[0, 5], [10, 5], [10, 35], [0, 35]],
    "speed_limit_kmh": 50,
    "fps": 30.0,
}


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))
        self.save()


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    jurisdiction = "demo"


class CameraFactory(factory.django.DjangoModelFactory[Camera]):
    class Meta:
        model = Camera

    code = factory.Sequence(lambda n: f"cam-{n}")
    name = factory.Sequence(lambda n: f"Camera {n}")
    site = factory.SubFactory(SiteFactory)
    source_url = "/dev/null"
    speed_limit_kmh = 50


class CalibrationFactory(factory.django.DjangoModelFactory[Calibration]):
    class Meta:
        model = Calibration

    camera = factory.SubFactory(CameraFactory)
    version = 1
    data = factory.LazyFunction(lambda: dict(SQUARE_CALIBRATION))
    residual_rms_m = 0.01
    max_residual_m = 0.02


class CertificateFactory(factory.django.DjangoModelFactory[CalibrationCertificate]):
    class Meta:
        model = CalibrationCertificate

    camera = factory.SubFactory(CameraFactory)
    issuer = "Independent Metrology Lab"
    certificate_number = factory.Sequence(lambda n: f"CERT-{n:05d}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=335))


class SelfTestFactory(factory.django.DjangoModelFactory[SelfTest]):
    class Meta:
        model = SelfTest

    camera = factory.SubFactory(CameraFactory)
    ran_at = factory.LazyFunction(timezone.now)
    passed = True
    checks = factory.LazyFunction(list)


class PlacementFactory(factory.django.DjangoModelFactory[PlacementProposal]):
    class Meta:
        model = PlacementProposal

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"Placement {n}")
    justification = "Crash history and speed survey."
    status = PlacementStatus.APPROVED
    active_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=400))


def enforceable_camera(**kwargs: object) -> Camera:
    """A camera that passes every non-measurement gate check today."""
    camera = CameraFactory(**kwargs)
    PlacementFactory(site=camera.site)
    CalibrationFactory(camera=camera)
    CertificateFactory(camera=camera)
    SelfTestFactory(camera=camera)
    return camera
