"""Moving and checking evidence packages: atomic writes, verification against the
camera's public key, and the bounded zip that travels when the worker and the back
office share no filesystem. Package bytes are untrusted input here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from cameras.vision.evidence.signing import PublicKey, SignatureError, verify_bytes

FORMAT = "fairspeed-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DEFAULT_MAX_PACKAGE_BYTES = 8 * 1024 * 1024


class EvidenceError(ValueError):
    """The inputs cannot make a valid package, or bytes are not a valid package."""


class PackageTooLarge(EvidenceError):
    pass


def write_atomically(directory: Path, blobs: Sequence[tuple[str, bytes]]) -> None:
    """Fill a sibling temp dir, fsync, then rename: a crash leaves no half package."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        for name, data in blobs:
            with open(tmp / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fd = os.open(directory.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _safe_name(name: object) -> bool:
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
    )


def verify_package(directory: Path, public_key: PublicKey) -> list[str]:
    """Every problem found, each naming the file; an empty list means intact."""
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory}: not a directory"]
    problems: list[str] = []
    manifest_path, sig_path = directory / MANIFEST, directory / SIGNATURE
    if not manifest_path.is_file():
        return [f"{MANIFEST}: missing"]
    manifest_bytes = manifest_path.read_bytes()
    if not sig_path.is_file():
        problems.append(f"{SIGNATURE}: missing, the manifest is unsigned")
    else:
        try:
            signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
            verify_bytes(public_key, manifest_bytes, signature)
        except (SignatureError, ValueError) as exc:
            problems.append(f"{MANIFEST}: signature check failed ({exc})")
    try:
        manifest = json.loads(manifest_bytes)
        entries = manifest["files"]
        names = [e["name"] for e in entries]
    except (ValueError, KeyError, TypeError) as exc:
        return [*problems, f"{MANIFEST}: not a readable evidence manifest ({exc})"]
    if manifest.get("format") != FORMAT:
        problems.append(f"{MANIFEST}: unknown format {manifest.get('format')!r}")
    for entry in entries:
        name = entry.get("name")
        if not _safe_name(name):
            problems.append(f"{MANIFEST}: unsafe file name {name!r}")
            continue
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.get("sha256"):
            problems.append(
                f"{name}: SHA-256 mismatch (manifest {str(entry.get('sha256'))[:12]}"
                f"..., file {digest[:12]}...)"
            )
        elif len(data) != entry.get("bytes"):
            problems.append(f"{name}: size {len(data)} differs from manifest {entry.get('bytes')}")
    expected = {*names, MANIFEST, SIGNATURE}
    for extra in sorted(p.name for p in directory.iterdir() if p.name not in expected):
        problems.append(f"{extra}: extra file not listed in the manifest")
    return problems


def package_to_bytes(directory: Path, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES) -> bytes:
    """A deterministic zip (stored: JPEGs do not compress) of a package directory."""
    directory = Path(directory)
    paths = sorted(directory.iterdir())
    for path in paths:
        if not path.is_file() or not _safe_name(path.name):
            raise EvidenceError(f"{path.name}: a package holds plain files only")
    total = sum(p.stat().st_size for p in paths)
    if total > max_bytes:
        raise PackageTooLarge(
            f"package {directory.name} is {total} bytes, over the "
            f"{max_bytes}-byte limit for a message"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for path in paths:
            info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, path.read_bytes())
    data = buf.getvalue()
    if len(data) > max_bytes:
        raise PackageTooLarge(
            f"zipped package is {len(data)} bytes, over the {max_bytes}-byte limit for a message"
        )
    return data


def package_from_bytes(
    data: bytes, directory: Path, max_bytes: int = DEFAULT_MAX_PACKAGE_BYTES
) -> Path:
    """Unpack bytes from `package_to_bytes` into `directory` (must not exist).

    Untrusted input: sizes are bounded before and while reading (zip bombs), names must
    be plain file names (no path traversal). Verify the result with `verify_package`.
    """
    if len(data) > max_bytes:
        raise PackageTooLarge(f"package is {len(data)} bytes, over the {max_bytes}-byte limit")
    directory = Path(directory)
    if directory.exists():
        raise FileExistsError(f"{directory} already exists")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise EvidenceError(f"not an evidence package: {exc}") from exc
    blobs: list[tuple[str, bytes]] = []
    total = 0
    with zf:
        names = [info.filename for info in zf.infolist()]
        if len(set(names)) != len(names):
            raise EvidenceError("package lists a file name twice")
        for info in zf.infolist():
            if not _safe_name(info.filename):
                raise EvidenceError(f"unsafe file name in package: {info.filename!r}")
            try:
                with zf.open(info) as fh:
                    content = fh.read(max_bytes - total + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                raise EvidenceError(f"{info.filename}: cannot be read ({exc})") from exc
            total += len(content)
            if total > max_bytes:
                raise PackageTooLarge(f"package unpacks to over {max_bytes} bytes")
            blobs.append((info.filename, content))
    write_atomically(directory, blobs)
    return directory
