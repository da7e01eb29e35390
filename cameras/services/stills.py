"""Calibration stills: a picture of the road, grabbed from the camera or uploaded."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from cameras.models import CalibrationStill, Camera
from cameras.services import Actor, acting_user
from cameras.vision.errors import VideoSourceError
from cameras.vision.measure.source import FrameSource
from config.uploads import picture_open
from policy.audit import audit_file_open, audit_record

MAX_STILL_BYTES = 15 * 1024 * 1024
MIN_SIDE_PX = 64
MAX_SIDE_PX = 8192
# Stream sources may start with a few grey or black frames while the decoder syncs.
GRAB_MAX_FRAMES = 50
JPEG_QUALITY = 92
# Pillow refuses outright (DecompressionBombError) a header claiming over twice this.
Image.MAX_IMAGE_PIXELS = MAX_SIDE_PX * MAX_SIDE_PX
_FORMATS = {"JPEG", "PNG"}


class StillError(ValueError):
    """The picture cannot be used; the message says why and what to do."""


def source_arg(source_url: str) -> str | int:
    # A bare number is a local capture device (/dev/videoN), as OpenCV expects it.
    return int(source_url) if source_url.strip().isdigit() else source_url.strip()


def _usable(image: NDArray[np.uint8] | None) -> bool:
    """A frame worth clicking on: decoded, not a flat grey/black sync frame."""
    return image is not None and image.size > 0 and float(image.std()) > 2.0


def still_store(
    *, camera: Camera, image: NDArray[np.uint8], origin: str, actor: Actor
) -> CalibrationStill:
    """Re-encode ``image`` as JPEG and store it as a new still of ``camera`` (audited).

    Re-encoding (rather than keeping the uploaded bytes) drops EXIF metadata such as the
    GPS position of the phone that took an uploaded photo.
    """
    height, width = image.shape[:2]
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise StillError("the picture could not be encoded as JPEG")
    data = buf.tobytes()
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        still = CalibrationStill(
            camera=camera,
            width=width,
            height=height,
            origin=origin,
            sha256=digest,
            created_by=acting_user(actor),
        )
        still.image.save(f"{camera.code}-{digest[:16]}.jpg", ContentFile(data), save=False)
        still.save()
        audit_record(
            actor=actor,
            action="calibration_still.created",
            obj=still,
            details={
                "camera": camera.code,
                "origin": origin,
                "sha256": digest,
                "width": width,
                "height": height,
            },
        )
    return still


def still_grab(
    *,
    camera: Camera,
    actor: Actor,
    source_factory: Callable[..., FrameSource] = FrameSource,
) -> CalibrationStill:
    """Store the first good frame of the camera's own source as a still."""
    try:
        source = source_factory(source_arg(camera.source_url), max_frames=GRAB_MAX_FRAMES)
        for frame in source:
            if _usable(frame.image):
                return still_store(camera=camera, image=frame.image, origin="grab", actor=actor)
    except VideoSourceError as exc:
        raise StillError(
            f"No picture could be read from the camera source: {exc}. Check the source URL "
            "on the camera's page, or upload a picture instead."
        ) from exc
    raise StillError(
        f"The camera source gave no usable picture in its first {GRAB_MAX_FRAMES} frames "
        "(all blank). Check the camera, or upload a picture instead."
    )


def _header_size(data: bytes, name: str) -> tuple[int, int]:
    """(width, height) from the picture's header, without decoding a pixel.

    ``Image.open`` reads only the header; the dimensions are checked before anything
    (Pillow or OpenCV) allocates the canvas, so a small file claiming 20000 x 20000
    pixels costs microseconds, not gigabytes.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with picture_open(data) as header:
                fmt, size = header.format, header.size
    except Image.DecompressionBombError:
        raise StillError(
            f"{name} claims more than {2 * MAX_SIDE_PX * MAX_SIDE_PX} pixels; the limit is "
            f"{MAX_SIDE_PX} pixels on a side."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
            raise StillError(
                "The picture could not be decoded: the file is damaged or truncated."
            ) from None
        fmt, size = None, (0, 0)
    if fmt not in _FORMATS:
        raise StillError(f"{name} is not a JPEG or PNG picture; only those can be used.")
    return size


def still_upload(*, camera: Camera, upload: UploadedFile, actor: Actor) -> CalibrationStill:
    """Validate an uploaded JPEG/PNG picture and store it as a still."""
    size = upload.size or 0
    if size > MAX_STILL_BYTES:
        raise StillError(
            f"The picture is {size / 2**20:.1f} MiB; the limit is "
            f"{MAX_STILL_BYTES // 2**20} MiB. Export a smaller JPEG."
        )
    if size == 0:
        raise StillError("The uploaded file is empty.")
    data = upload.read(MAX_STILL_BYTES + 1)
    width, height = _header_size(data, Path(upload.name or "file").name)
    if min(width, height) < MIN_SIDE_PX or max(width, height) > MAX_SIDE_PX:
        raise StillError(
            f"The picture is {width}x{height} pixels; it must be between {MIN_SIDE_PX} and "
            f"{MAX_SIDE_PX} pixels on each side."
        )
    decoded = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise StillError("The picture could not be decoded: the file is damaged or truncated.")
    image = np.asarray(decoded, dtype=np.uint8)
    # OpenCV applies the EXIF orientation, which may swap the sides.
    if sorted(image.shape[:2]) != sorted((width, height)):
        raise StillError("The picture's pixels do not match its header: the file is damaged.")
    return still_store(camera=camera, image=image, origin="upload", actor=actor)


def still_image(still: CalibrationStill) -> NDArray[np.uint8]:
    """Decode a stored still (BGR)."""
    with still.image.open("rb") as fh:
        data: Any = fh.read()
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise StillError(f"stored still {still.pk} cannot be decoded")
    return np.asarray(image, dtype=np.uint8)


def still_open(*, still: CalibrationStill, actor: Actor) -> File[bytes]:
    """Open a stored still for someone to look at, and audit who looked."""
    return audit_file_open(
        still.image,
        actor=actor,
        action="calibration_still.viewed",
        obj=still,
        details={"camera": still.camera.code, "sha256": still.sha256},
    )
