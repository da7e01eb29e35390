"""Photographs of real vehicles for the synthetic renderer, cut from the shared clips.

    python -m benchmarks.photo_vehicles [--refresh] [--check]

YOLO (the shared YOLOv8n int8 ONNX) runs on frames of each real clip in ``../shared/data``;
its boxes are linked frame to frame (nearest box of the same class), and a linked
vehicle's direction on screen says which end the camera saw: a box moving down the picture
is approaching (a front view), moving up is receding (a rear view). Per vehicle the best
box is kept when it is confident, whole (clear of the frame's edges), unoccluded (no other
box touches it) and sharp (Laplacian variance at least the clip's median). Crops are
cached under ``var/bench/photo_vehicles/`` with an ``index.json`` (never committed: they
are frames of third-party footage) and reused until ``--refresh``.

``--check`` renders the photo vehicles into a few still frames of a synthetic road and
prints the share YOLO detects as a vehicle: the point of photo vehicles.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from benchmarks.common import DATA, OUT_DIR, YOLO_WEIGHTS

PHOTO_DIR = OUT_DIR / "photo_vehicles"
INDEX_VERSION = 3  # bump when the selection rules change: the cache is then rebuilt
# clip, frame step (frames between YOLO runs)
CLIPS = (
    ("uk_road_cars_go-rknnlite-data.mp4", 2),
    ("urban_road_cars_kraten.mp4", 4),
    ("highway_video1_andrewssobral.avi", 3),
    ("highway_video2_andrewssobral.avi", 3),
)
COCO_CLASS = {2: "car", 5: "bus", 7: "truck"}
WIDTH_M = {"car": 1.8, "bus": 2.5, "truck": 2.5}
LENGTH_M = {"car": 4.5, "bus": 12.0, "truck": 10.0}
HEIGHT_RANGE_M = {"car": (1.3, 2.0), "bus": (2.8, 3.6), "truck": (2.6, 3.8)}
MIN_CONF = 0.45
# Narrower crops (the 320x240 clips' distant cars) turn into blurs when drawn at the size of
# a near vehicle: YOLO found 43-47 % of rendered rear photos with them in, most of them tiny.
MIN_WIDTH_PX = 40
PER_CLIP_VIEW = 8  # at most this many photos per clip and view


@dataclass(frozen=True)
class Photo:
    """One cached crop: file, which end of the vehicle it shows, its class and real size."""

    path: str
    view: str  # "front" (approaching traffic) or "rear" (receding)
    cls: str  # car / bus / truck
    size_m: tuple[float, float, float]  # length, width, height
    colour_bgr: tuple[int, int, int]  # for the faces without a photo
    source: str  # clip and frame

    @property
    def kind(self) -> str:
        """The renderer's kind (decals on the plain faces)."""
        return "car" if self.cls == "car" else "truck"


def _frames(path: Path, step: int) -> Iterator[tuple[int, NDArray[np.uint8]]]:
    cap = cv2.VideoCapture(str(path))
    i = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            if i % step == 0:
                yield i, np.asarray(frame, np.uint8)
            i += 1
    finally:
        cap.release()


def _sharpness(crop: NDArray[np.uint8]) -> float:
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _isolated(box: NDArray[np.float64], others: NDArray[np.float64], pad: float) -> bool:
    """No other box comes within ``pad`` (fraction of this box's size) of it."""
    w, h = box[2] - box[0], box[3] - box[1]
    x0, y0, x1, y1 = box[0] - pad * w, box[1] - pad * h, box[2] + pad * w, box[3] + pad * h
    return all(not (o[0] < x1 and o[2] > x0 and o[1] < y1 and o[3] > y0) for o in others)


def _link(
    tracks: list[dict[str, Any]], dets: list[dict[str, Any]], frame_i: int, step: int
) -> None:
    """Extend the tracks seen on the previous run with this run's boxes (nearest centre,
    within 60 % of the box's width); unmatched boxes start tracks."""
    live = [t for t in tracks if t["last"] == frame_i - step]
    for d in sorted(dets, key=lambda d: -d["box"][2] + d["box"][0]):
        c = 0.5 * (d["box"][:2] + d["box"][2:])
        best, best_dist = None, 0.6 * (d["box"][2] - d["box"][0])
        for t in live:
            b = t["dets"][-1]["box"]
            dist = float(np.linalg.norm(0.5 * (b[:2] + b[2:]) - c))
            if dist < best_dist:
                best, best_dist = t, dist
        if best is None:
            tracks.append({"dets": [d], "last": frame_i})
        else:
            best["dets"].append(d)
            best["last"] = frame_i
            live = [t for t in live if t is not best]


def _clip_candidates(model: Any, clip: Path, step: int) -> list[dict[str, Any]]:
    """The best box of every linked vehicle of one clip that passes the filters."""
    tracks: list[dict[str, Any]] = []
    for fi, frame in _frames(clip, step):
        res = model.predict(frame, conf=0.2, verbose=False)[0]
        if res.boxes is None or len(res.boxes) == 0:
            continue
        boxes = res.boxes.xyxy.cpu().numpy().astype(np.float64)
        confs = res.boxes.conf.cpu().numpy()
        clss = res.boxes.cls.cpu().numpy().astype(int)
        h, w = frame.shape[:2]
        dets = []
        for k, (b, c, cl) in enumerate(zip(boxes, confs, clss, strict=True)):
            if cl not in COCO_CLASS:
                continue
            bw, bh = b[2] - b[0], b[3] - b[1]
            whole = b[0] > 3 and b[1] > 3 and b[2] < w - 4 and b[3] < h - 4
            ok = (
                c >= MIN_CONF
                and whole
                and bw >= MIN_WIDTH_PX
                and 0.6 <= bw / max(bh, 1.0) <= 2.2
                and _isolated(b, np.delete(boxes, k, axis=0), 0.04)
            )
            x0, y0, x1, y1 = (round(float(v)) for v in b)
            crop = frame[y0:y1, x0:x1]
            dets.append(
                {
                    "box": b,
                    "conf": float(c),
                    "cls": COCO_CLASS[cl],
                    "ok": ok and crop.size > 0,
                    "crop": crop.copy() if ok and crop.size > 0 else None,
                    "frame": fi,
                    "sharp": _sharpness(crop) if ok and crop.size > 0 else 0.0,
                }
            )
        _link(tracks, dets, fi, step)
    out = []
    for t in tracks:
        ds = t["dets"]
        if len(ds) < 3:
            continue  # too short to know its direction
        dy = float(ds[-1]["box"][3] - ds[0]["box"][3])
        grow = float((ds[-1]["box"][2] - ds[-1]["box"][0]) - (ds[0]["box"][2] - ds[0]["box"][0]))
        if abs(dy) < 3 or (dy > 0) != (grow > 0):
            continue  # direction unclear
        good = [d for d in ds if d["ok"]]
        if not good:
            continue
        best = max(good, key=lambda d: (d["box"][2] - d["box"][0]) * d["conf"])
        # the class most of the track's boxes were given (one box may call a car a bus)
        votes = Counter(d["cls"] for d in ds)
        out.append(
            {**best, "cls": votes.most_common(1)[0][0], "view": "front" if dy > 0 else "rear"}
        )
    return _distinct(out)


def _distinct(cands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop crops that look like one already kept (a vehicle whose track was split)."""
    kept: list[dict[str, Any]] = []
    thumbs: list[NDArray[np.float32]] = []
    for c in sorted(cands, key=lambda c: -(c["box"][2] - c["box"][0]) * c["conf"]):
        t = cv2.resize(c["crop"], (24, 24), interpolation=cv2.INTER_AREA).astype(np.float32)
        t = (t - t.mean()) / max(float(t.std()), 1e-6)
        if any(float(np.mean(t * o)) > 0.85 for o in thumbs):
            continue
        kept.append(c)
        thumbs.append(t)
    return kept


def _photo_of(cand: dict[str, Any], clip: str, n: int) -> Photo:
    crop: NDArray[np.uint8] = cand["crop"]
    cls = cand["cls"]
    ch, cw = crop.shape[:2]
    width = WIDTH_M[cls]
    lo, hi = HEIGHT_RANGE_M[cls]
    height = float(np.clip(width * ch / cw, lo, hi))
    body = crop[: max(1, int(0.8 * ch)), int(0.2 * cw) : max(int(0.2 * cw) + 1, int(0.8 * cw))]
    colour = tuple(int(c) for c in np.median(body.reshape(-1, 3), axis=0))
    name = f"{Path(clip).stem}-{cand['view']}-{cls}-{n:02d}.png"
    PHOTO_DIR.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(PHOTO_DIR / name), crop)
    return Photo(
        str(PHOTO_DIR / name),
        cand["view"],
        cls,
        (LENGTH_M[cls], width, round(height, 3)),
        (colour[0], colour[1], colour[2]),
        f"{clip}#{cand['frame']}",
    )


def extract(data: Path = DATA, weights: Path = YOLO_WEIGHTS) -> list[Photo]:
    """Cut photos from every clip present; write the index."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    model = YOLO(str(weights), task="detect")
    photos: list[Photo] = []
    for clip, step in CLIPS:
        path = data / clip
        if not path.is_file():
            continue
        cands = _clip_candidates(model, path, step)
        if not cands:
            continue
        median_sharp = float(np.median([c["sharp"] for c in cands]))
        n = 0
        for view in ("front", "rear"):
            mine = [c for c in cands if c["view"] == view and c["sharp"] >= median_sharp * 0.7]
            mine.sort(key=lambda c: -(c["box"][2] - c["box"][0]) * c["conf"])
            for c in mine[:PER_CLIP_VIEW]:
                photos.append(_photo_of(c, clip, n))
                n += 1
        print(f"[photos] {clip}: {len(cands)} vehicles seen whole, {n} photos kept", flush=True)
    PHOTO_DIR.mkdir(parents=True, exist_ok=True)
    (PHOTO_DIR / "index.json").write_text(
        json.dumps({"version": INDEX_VERSION, "photos": [asdict(p) for p in photos]}, indent=1)
    )
    return photos


def _width_px(path: str) -> int:
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    return 0 if img is None else int(img.shape[1])


def photo_library(refresh: bool = False, quiet: bool = False) -> list[Photo]:
    """The cached photos (extracted on first use); empty, with a printed note, when the
    shared clips or the weights are absent."""
    index = PHOTO_DIR / "index.json"
    if not refresh and index.is_file():
        doc = json.loads(index.read_text())
        if doc.get("version") == INDEX_VERSION:
            photos = [
                Photo(**{**p, "size_m": tuple(p["size_m"]), "colour_bgr": tuple(p["colour_bgr"])})
                for p in doc["photos"]
            ]
            if all(Path(p.path).is_file() for p in photos):
                return [p for p in photos if _width_px(p.path) >= MIN_WIDTH_PX]
    if not DATA.is_dir() or not YOLO_WEIGHTS.is_file():
        if not quiet:
            print(f"[photos] {DATA} or its YOLO weights absent: cuboid vehicles only")
        return []
    print("[photos] cutting vehicle photos from the shared clips (once) ...", flush=True)
    return extract()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--refresh", action="store_true", help="cut the photos afresh")
    ap.add_argument("--check", action="store_true", help="YOLO detection rate when rendered")
    args = ap.parse_args(argv)
    photos = photo_library(refresh=args.refresh)
    for view in ("front", "rear"):
        mine = [p for p in photos if p.view == view]
        kinds = {c: sum(p.cls == c for p in mine) for c in ("car", "bus", "truck")}
        print(f"[photos] {view}: {len(mine)} {kinds}")
    if args.check and photos:
        from benchmarks.photo_check import detection_rate

        detection_rate(photos, verbose=True)


if __name__ == "__main__":
    main()
