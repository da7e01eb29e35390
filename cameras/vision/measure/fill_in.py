"""Frames YOLO misses, filled in from the motion foreground.

A small or far vehicle, or one in an unusual view, comes and goes in YOLO's output: on
the tuning draws a photo car YOLO found at 0.12-0.29 was missed for 11 frames in a row
across the zone's entry line, and its track came back ``incomplete_zone``. The YOLO path
keeps a motion background model anyway (the gate, the box bottoms), so in such a frame
the vehicle's motion blob is there. :class:`FillIn` hands a blob on as a detection when
it continues a vehicle YOLO saw: it overlaps a box YOLO gave in the frame before, or a
blob handed on in the frame before, for at most ``max_run`` frames since YOLO last saw
it. A blob that holds a box of YOLO's, or lies mostly inside one (half the smaller of
the two, see ``_holds``), is YOLO's vehicle (or merged with it) and is not handed on; a
blob that only grazes a box (a near truck's top under a far car YOLO boxed) is another
vehicle. The blob's box is the motion detector's (bottom placed from the foreground as
the motion detector places it), its class YOLO's, its score YOLO's floor; its size is
another detector's outline, not comparable with YOLO's boxes, so it is marked not
``sized``: its bottom and contact place the vehicle, the engine's box-size checks pass
it by.

With ``movers`` (the default), a blob that holds no vehicle of YOLO's, in this frame
or the frame before, is handed on as well, as an :data:`UNRECOGNISED` vehicle with the
motion detector's own score (a blob that holds one but is not its size is that vehicle
merged with another, or a piece of it, and is not handed on). A vehicle YOLO does not
recognise (a body unlike COCO's cars, a view it rarely saw) is measured from its motion
blobs as the motion path measures it, and a vehicle YOLO recognises only late has a
track from its first blob. The tracker and the engine judge these tracks as they judge
the motion path's, so what the motion path would measure, this path now measures too;
within a track YOLO also boxed, they are not ``sized`` (see ``Track.sized``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cameras.vision.boxes import iou, smaller_share
from cameras.vision.measure.detect import UNRECOGNISED, Detection


@dataclass(frozen=True)
class _Seen:
    """A vehicle box of the previous frame and how many frames YOLO has not seen it."""

    xyxy: tuple[float, float, float, float]
    cls: str
    run: int


class FillIn:
    """Motion blobs that continue a YOLO vehicle through the frames YOLO misses, and
    (``movers``) those of vehicles YOLO never named."""

    def __init__(
        self,
        conf: float,
        max_run: int = 30,
        min_iou: float = 0.3,
        max_size_ratio: float = 1.3,
        movers: bool = True,
        min_share: float = 0.5,
    ) -> None:
        self.conf = conf
        self.movers = movers
        self.max_run = max_run
        self.min_iou = min_iou
        self.max_size_ratio = max_size_ratio
        self.min_share = min_share
        self.previous: list[_Seen] = []
        self.filled = 0  # blobs handed on for a vehicle of YOLO's, over the whole video
        self.moved = 0  # blobs handed on as unrecognised vehicles

    def step(self, found: list[Detection], blobs: list[Detection]) -> list[Detection]:
        """This frame's detections: YOLO's ``found``, the ``blobs`` that continue a
        vehicle of the frame before and, with ``movers``, those that hold no box of YOLO's;
        remembers YOLO's vehicles for the next frame."""
        added: list[Detection] = []
        unrecognised: list[Detection] = []
        seen = [_Seen(d.xyxy, d.cls, 0) for d in found]
        for blob in blobs:
            if any(self._holds(d.xyxy, blob.xyxy) for d in found):
                continue
            before = self._continued(blob)
            if before is not None:
                added.append(replace(blob, conf=self.conf, cls=before.cls, sized=False))
                seen.append(_Seen(blob.xyxy, before.cls, before.run + 1))
            elif self.movers and not any(self._holds(p.xyxy, blob.xyxy) for p in self.previous):
                unrecognised.append(replace(blob, cls=UNRECOGNISED))
        self.previous = seen
        self.filled += len(added)
        self.moved += len(unrecognised)
        return found + added + unrecognised

    def missing(self, found: list[Detection]) -> bool:
        """Whether a vehicle of the previous frame that may still be continued has no box
        of YOLO's continuing it in ``found``: only then are this frame's blobs worth
        finding (a blob continuing a vehicle YOLO boxed again would touch that box)."""
        return any(
            p.run < self.max_run and not any(iou(d.xyxy, p.xyxy) >= self.min_iou for d in found)
            for p in self.previous
        )

    def reset(self) -> None:
        """Forget the previous frame (a frame the gate skipped: nothing moved)."""
        self.previous = []

    def _continued(self, blob: Detection) -> _Seen | None:
        """The previous frame's vehicle this blob continues, if any may be continued: it
        overlaps its box and is about its size (a vehicle's box grows or shrinks a few per
        cent a frame; a blob merged with a neighbour's, or a fragment, does not continue it)."""
        best, best_iou = None, self.min_iou
        for p in self.previous:
            if p.run >= self.max_run or not self._same_size(blob.xyxy, p.xyxy):
                continue
            share = iou(blob.xyxy, p.xyxy)
            if share >= best_iou:
                best, best_iou = p, share
        return best

    def _holds(self, box: tuple[float, ...], blob: tuple[float, ...]) -> bool:
        """Whether ``blob`` is the vehicle of YOLO's ``box``, or holds it: one covers at
        least ``min_share`` of the other (a blob that only grazes a box, a farther
        vehicle's above a nearer one's roof, is a vehicle of its own)."""
        return smaller_share(box, blob) >= self.min_share

    def _same_size(self, a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        for lo, hi in ((0, 2), (1, 3)):
            ea, eb = a[hi] - a[lo], b[hi] - b[lo]
            if min(ea, eb) <= 0 or max(ea, eb) > self.max_size_ratio * min(ea, eb):
                return False
        return True


__all__ = ["FillIn"]
