"""Receiving a violation's evidence in the back office.

The camera worker's signed evidence package is verified on arrival; until the edge
evidence format is wired in, an event without evidence is stored and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cameras.models import Camera


@dataclass
class EvidenceResult:
    verified: bool
    manifest: dict[str, Any] = field(default_factory=dict)
    stored_dir: str = ""
    problems: list[str] = field(default_factory=list)


def evidence_receive(
    camera: Camera, event_id: str, evidence: dict[str, Any] | None
) -> EvidenceResult:
    if not evidence:
        return EvidenceResult(verified=False, problems=["no evidence attached to the event"])
    return EvidenceResult(
        verified=False,
        manifest=evidence.get("manifest", {}),
        problems=["evidence format not recognised"],
    )
