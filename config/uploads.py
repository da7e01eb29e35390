"""The request body limit, files included, enforced before the body is read.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` counts only the non-file part of a form, so a
100 MiB "picture" used to be received whole (and spooled to disk) before a view refused
it. Two guards close that:

- ``RequestSizeLimitMiddleware`` answers 413 from the ``Content-Length`` header alone,
  before any middleware (CSRF reads ``request.POST``) or view touches the body;
- ``LimitedUploadHandler`` counts the bytes actually received, for a request that sends
  no ``Content-Length`` (chunked) or lies in it, and stops the upload at the limit.

The limit is ``settings.MAX_REQUEST_BYTES`` (env ``MAX_UPLOAD_BYTES``); each upload type
has its own, smaller limit in its service (docs/uploads.md lists them all).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin, UnidentifiedImageError


def max_request_bytes() -> int:
    return int(settings.MAX_REQUEST_BYTES)


def _too_large(length: int) -> HttpResponse:
    limit = max_request_bytes()
    return HttpResponse(
        f"Request body of {length} bytes is over the {limit}-byte limit "
        f"({limit / 2**20:.0f} MiB); nothing was read or stored.\n",
        status=413,
        content_type="text/plain; charset=utf-8",
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return HttpResponse("Content-Length is not a number.\n", status=400)
        if length > max_request_bytes():
            return _too_large(length)
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: counts every file byte of the request and
    stops at the limit, whatever the headers said. Stores nothing itself."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_request_bytes():
            raise RequestDataTooBig(
                f"uploaded files are over the {max_request_bytes()}-byte request limit"
            )
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler builds the file


# JPEG and PNG are the only pictures accepted anywhere; each opened by its own plugin.
_PICTURE_PLUGINS: tuple[tuple[bytes, type[ImageFile.ImageFile]], ...] = (
    (b"\xff\xd8\xff", JpegImagePlugin.JpegImageFile),
    (b"\x89PNG\r\n\x1a\n", PngImagePlugin.PngImageFile),
)


def picture_open(data: bytes) -> ImageFile.ImageFile:
    """A JPEG or PNG picture opened from its header alone (nothing decoded yet).

    Not ``PIL.Image.open``: where ultralytics has been imported it replaces that function
    with one that, on a file Pillow cannot identify, tries to install a HEIF plugin from
    the network, so a disguised upload would cost a pip run and a server error. Raises
    ``UnidentifiedImageError`` for anything else, ``SyntaxError``/``OSError`` for a
    damaged header, and ``DecompressionBombError`` for a picture claiming more than twice
    Pillow's pixel limit.
    """
    for magic, plugin in _PICTURE_PLUGINS:
        if data.startswith(magic):
            picture = plugin(io.BytesIO(data))
            width, height = picture.size
            limit = Image.MAX_IMAGE_PIXELS
            if limit and width * height > 2 * limit:
                raise Image.DecompressionBombError(
                    f"the picture claims {width * height} pixels, over twice the limit {limit}"
                )
            return picture
    raise UnidentifiedImageError("not a JPEG or PNG picture")
