"""Pictures are opened by their own Pillow plugin, never through ``PIL.Image.open``, which
ultralytics replaces with a version that tries to pip-install a HEIF plugin when Pillow
cannot identify a file (a disguised upload would then cost a network call and a 500)."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image, UnidentifiedImageError

from config.uploads import picture_open


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.zeros((height, width, 3), dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def test_ultralytics_replaces_pillows_open_which_is_why_it_is_not_used() -> None:
    from ultralytics.utils import patches

    assert Image.open is patches.image_open


def test_a_disguised_file_is_unidentified_without_any_install_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ultralytics.utils.checks as checks

    def no_install(*args: object, **kwargs: object) -> None:
        raise AssertionError("a package install was attempted")

    monkeypatch.setattr(checks, "check_requirements", no_install)
    with pytest.raises(UnidentifiedImageError):
        picture_open(b"MZ\x90\x00 this is a program, not a picture")


def test_a_png_is_opened_from_its_header_with_its_size() -> None:
    with picture_open(_png(40, 30)) as picture:
        assert (picture.format, picture.size) == ("PNG", (40, 30))


def test_a_png_header_that_claims_a_huge_canvas_is_refused_before_decoding() -> None:
    data = bytearray(_png(10, 10))
    data[16:24] = (60000).to_bytes(4, "big") + (60000).to_bytes(4, "big")  # IHDR width, height
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # the chunk's CRC
    with pytest.raises(Image.DecompressionBombError):
        picture_open(bytes(data))
