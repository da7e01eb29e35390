from __future__ import annotations

from pathlib import Path

import pytest

from enforcement.cases.owners import CsvOwnerRegistry, RegistryError, owner_registry

HEADER = "plate,state,make,model,colour,owner_name,address,email"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_plate_is_found_whatever_its_spacing_and_case(tmp_path: Path) -> None:
    reg = CsvOwnerRegistry(write(tmp_path, HEADER, "ABC 123,CA,Kia,Rio,White,A B,1 St,"))
    found = reg.lookup("abc123")
    assert found is not None and found.make == "Kia" and found.language == "en"
    assert reg.lookup("ZZZ999") is None
    assert reg.source == "csv:r.csv"


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "plate,state,make,model,owner_name,address,email", "A,CA,K,R,N,A,")
    with pytest.raises(RegistryError, match=r"missing column.*colour"):
        CsvOwnerRegistry(path)


def test_an_empty_owner_name_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "A1,CA,K,R,W,N,Addr,", "B2,CA,K,R,W,,Addr,")
    with pytest.raises(RegistryError, match=r"r.csv:3: owner_name is empty"):
        CsvOwnerRegistry(path)


def test_a_plate_listed_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER, "A1,CA,K,R,W,N,Addr,", "a 1,CA,K,R,W,M,Addr,")
    with pytest.raises(RegistryError, match="twice"):
        CsvOwnerRegistry(path)


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + ",language", "A1,CA,K,R,W,N,Addr,,fr")
    with pytest.raises(RegistryError, match="'fr' is not en or es"):
        CsvOwnerRegistry(path)


def test_a_missing_or_binary_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="No such file"):
        CsvOwnerRegistry(tmp_path / "absent.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 50)
    with pytest.raises(RegistryError):
        CsvOwnerRegistry(binary)


def test_no_configured_registry_is_a_clear_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FAIRSPEED = {**settings.FAIRSPEED, "OWNER_REGISTRY": ""}
    with pytest.raises(RegistryError, match="no owner registry configured"):
        owner_registry()
