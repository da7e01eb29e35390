"""Helpers shared by the benchmark scripts: paths, JSON output, timing, matching."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"  # real clips + weights; referenced, never copied
OUT_DIR = REPO / "var" / "bench"
YOLO_WEIGHTS = DATA / "yolov8n_int8.onnx"

# Run offline: ultralytics must never try to download anything during a benchmark.
os.environ.setdefault("YOLO_OFFLINE", "1")


def write_summary(name: str, summary: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    summary = {
        "benchmark": name,
        "host": platform.node(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **summary,
    }
    path = OUT_DIR / f"{name}.json"
    path.write_text(json.dumps(summary, indent=1, default=_jsonable))
    return path


def _jsonable(x: Any) -> Any:
    if hasattr(x, "tolist"):
        return x.tolist()
    if hasattr(x, "__float__"):
        return float(x)
    return str(x)


def fmt(x: float | None, nd: int = 2) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def scratch_postgres(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``server_url``; its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def django_scratch(tmp: Path, database_url: str | None, name: str) -> None:
    """Set Django up on a scratch database, migrated: ``name`` on the PostgreSQL server of
    ``database_url`` (dropped and made anew), or SQLite under ``tmp`` without it."""
    os.environ["FAIRSPEED_VAR_DIR"] = str(tmp / "var")
    if database_url:
        os.environ["DATABASE_URL"] = scratch_postgres(database_url, name)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
