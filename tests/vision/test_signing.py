"""Per-camera Ed25519 keys: generation, 0600 storage, canonical JSON signatures."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from cameras.vision.evidence import signing
from cameras.vision.evidence.signing import (
    PublicKey,
    SignatureError,
    SigningKey,
    canonical_json,
    generate_key,
    load_private_key,
    load_public_key,
    save_private_key,
    save_public_key,
    sign_json,
    verify_json,
)

# RFC 8032 section 7.1, test 1: a published known answer, not our own output.
RFC_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
    "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert canonical_json({"b": 1, "a": [1, 2], "c": "浙"}) == '{"a":[1,2],"b":1,"c":"浙"}'.encode()


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_json({"speed": float("nan")})


def test_it_matches_the_rfc_8032_known_answer() -> None:
    key = SigningKey(RFC_SEED)
    assert key.public_key.raw == RFC_PUBLIC
    assert signing.sign_bytes(key, b"") == RFC_SIGNATURE
    signing.verify_bytes(PublicKey(RFC_PUBLIC), b"", RFC_SIGNATURE)


def test_a_signed_payload_verifies_and_key_order_does_not_matter() -> None:
    key = generate_key()
    signature = sign_json(key, {"speed_kmh": 72.5, "camera_id": "cam-1"})
    verify_json(key.public_key, {"camera_id": "cam-1", "speed_kmh": 72.5}, signature)


def test_a_changed_payload_fails_with_a_clear_error() -> None:
    key = generate_key()
    signature = sign_json(key, {"speed_kmh": 72.5})
    with pytest.raises(SignatureError, match="does not verify"):
        verify_json(key.public_key, {"speed_kmh": 72.4}, signature)


def test_another_cameras_key_does_not_verify() -> None:
    signature = sign_json(generate_key(), {"x": 1})
    with pytest.raises(SignatureError, match="does not verify"):
        verify_json(generate_key().public_key, {"x": 1}, signature)


def test_a_flipped_signature_bit_is_rejected() -> None:
    key = generate_key()
    raw = bytearray(base64.b64decode(sign_json(key, {"x": 1})))
    raw[10] ^= 0x01
    with pytest.raises(SignatureError):
        verify_json(key.public_key, {"x": 1}, base64.b64encode(bytes(raw)).decode())


def test_malformed_signatures_are_rejected_clearly() -> None:
    key = generate_key()
    with pytest.raises(SignatureError, match="base64"):
        verify_json(key.public_key, {"x": 1}, "not base64!!")
    with pytest.raises(SignatureError, match="64 bytes"):
        verify_json(key.public_key, {"x": 1}, base64.b64encode(b"short").decode())


def test_the_private_key_is_saved_owner_only_and_loads_back(tmp_path: Path) -> None:
    key = generate_key()
    path = tmp_path / "cam-1.key"
    save_private_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_private_key(path).seed == key.seed
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()


def test_saving_never_overwrites_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "cam-1.key"
    save_private_key(generate_key(), path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        save_private_key(generate_key(), path)
    assert path.read_bytes() == before


def test_loading_a_group_readable_private_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cam-1.key"
    save_private_key(generate_key(), path)
    os.chmod(path, 0o640)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_private_key(path)


def test_public_key_round_trips_through_pem_and_is_interoperable(tmp_path: Path) -> None:
    key = SigningKey(RFC_SEED)
    path = tmp_path / "cam-1.pub"
    save_public_key(key.public_key, path)
    loaded = load_public_key(path)
    assert loaded == key.public_key
    from cryptography.hazmat.primitives import serialization

    other = serialization.load_pem_public_key(path.read_bytes())
    assert (
        other.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == RFC_PUBLIC
    )


def test_a_non_key_pem_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SignatureError, match="PEM"):
        SigningKey.from_pem(b"hello")
    with pytest.raises(SignatureError, match="PRIVATE KEY"):
        SigningKey.from_pem(PublicKey(RFC_PUBLIC).to_pem())


def test_the_secret_never_appears_in_repr() -> None:
    key = SigningKey(RFC_SEED)
    assert RFC_SEED.hex() not in repr(key)
    assert key.public_key.key_id in repr(key)
