"""YOLOv8 without ultralytics, at the size of the picture it is given (no Django); the
graph runs on OpenVINO or onnxruntime (``yolo_engine``).

The project's weights (``yolov8n_int8.onnx``) are YOLOv8n exported for one fixed 640x640
input and *dynamically* quantised: every convolution is ``DynamicQuantizeLinear`` +
``ConvInteger``, for which onnxruntime has no fast CPU kernel (266 ms a frame through
ultralytics on an AVX2 machine, 2.5 fps; still slower than float on one with VNNI).
Loaded through :func:`load_graph`, the same weights run as float convolutions: each
``ConvInteger`` becomes a ``Conv`` whose kernel is the quantised kernel's own values,
``(w_q - zero_point) * scale`` (the weights are not changed; only the activations are no
longer rounded to 8 bits). The graph's fixed-size box decoding is cut off and done here
in NumPy, so the input can be any multiple of 32: a crop of the zone and its margin, its
long side ``long_side`` pixels, costs a fraction of a 640x640 square. Decision and
measurements: ``docs/engine-decisions.md``.

The rewritten graph is kept on disk, named by the weights' SHA-256, under
``$FAIRSPEED_VAR_DIR/cache`` (``~/.cache/fairspeed`` without it): the rewrite needs the
``onnx`` package, whose import alone is 0.6-0.9 s of each camera worker's start.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import DetectorError
from cameras.vision.measure.yolo_engine import open_engine

__all__ = ["OnnxYolo", "Raw", "cached_graph", "load_graph"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
STRIDES = (8, 16, 32)
BOX_OUT = "/model.22/Concat_output_0"  # (1, 64, N): 4 sides x 16 bins of distance
CLS_OUT = "/model.22/Concat_1_output_0"  # (1, C, N): class logits


@dataclass(frozen=True)
class Raw:
    """Detections in the given picture's pixels: (N, 4) xyxy, scores and class ids."""

    xyxy: FloatArray
    scores: FloatArray
    classes: NDArray[np.int64]


def _float_convolutions(model: Any) -> int:
    """Replace each DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul(scale) chain by
    one float Conv with the dequantised kernel. Returns how many were replaced."""
    from onnx import helper, numpy_helper

    graph = model.graph
    init = {i.name: i for i in graph.initializer}
    producer = {out: n for n in graph.node for out in n.output}
    consumers: dict[str, list[Any]] = {}
    for n in graph.node:
        for name in n.input:
            consumers.setdefault(name, []).append(n)
    replaced, new = 0, []
    drop: set[int] = set()
    for conv in [n for n in graph.node if n.op_type == "ConvInteger"]:
        quant = producer[conv.input[0]]
        x_scale = quant.output[1]
        (cast,) = consumers[conv.output[0]]
        (rescale,) = [n for n in consumers[cast.output[0]] if n.op_type == "Mul"]
        scales = producer[next(i for i in rescale.input if i != cast.output[0])]
        w_scale_name = next(i for i in scales.input if i != x_scale)
        w_q = numpy_helper.to_array(init[conv.input[1]]).astype(np.float32)
        w_zp = (
            numpy_helper.to_array(init[conv.input[3]]).astype(np.float32)
            if len(conv.input) > 3 and conv.input[3]
            else np.float32(0.0)
        )
        w_scale = numpy_helper.to_array(init[w_scale_name]).astype(np.float32)
        if w_scale.ndim == 1:  # per output channel
            w_scale = w_scale.reshape(-1, 1, 1, 1)
            w_zp = np.asarray(w_zp).reshape(-1, 1, 1, 1) if np.ndim(w_zp) else w_zp
        kernel = numpy_helper.from_array((w_q - w_zp) * w_scale, conv.name + "_float_weight")
        graph.initializer.append(kernel)
        new.append(
            helper.make_node(
                "Conv",
                [quant.input[0], kernel.name],
                [rescale.output[0]],
                name=conv.name + "_float",
                **{a.name: helper.get_attribute_value(a) for a in conv.attribute},
            )
        )
        drop.update(id(n) for n in (conv, cast, rescale))
        replaced += 1
    kept = [n for n in graph.node if id(n) not in drop] + new
    del graph.node[:]
    graph.node.extend(kept)
    return replaced


def _prune_to(model: Any, outputs: tuple[str, ...]) -> None:
    """Keep only the nodes the named outputs need, in topological order."""
    from onnx import TensorProto, helper

    graph = model.graph
    producer = {out: n for n in graph.node for out in n.output}
    needed: set[int] = set()
    stack = list(outputs)
    while stack:
        node = producer.get(stack.pop())
        if node is None or id(node) in needed:
            continue
        needed.add(id(node))
        stack.extend(i for i in node.input if i)
    order: list[Any] = []
    done: set[str] = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending = [n for n in graph.node if id(n) in needed]
    while pending:  # topological: a node once all its inputs exist
        ready = [n for n in pending if all(i in done for i in n.input)]
        if not ready:
            raise DetectorError("the YOLO graph has a cycle or a missing input")
        for n in ready:
            order.append(n)
            done.update(n.output)
        pending = [n for n in pending if id(n) not in {id(r) for r in ready}]
    del graph.node[:]
    graph.node.extend(order)
    used = {i for n in order for i in n.input}
    keep_init = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep_init)
    del graph.output[:]
    graph.output.extend(helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs)
    del graph.value_info[:]  # shapes were for 640x640
    image = graph.input[0].type.tensor_type.shape.dim
    image[2].dim_param, image[3].dim_param = "height", "width"


@lru_cache(maxsize=4)
def load_graph(path: str) -> tuple[bytes, tuple[str, ...]]:
    """The weights at ``path`` as a float, any-size graph (serialised) and class names."""
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - onnx is a dependency
        raise DetectorError("the onnx package is needed to load YOLO .onnx weights") from exc
    try:
        model = onnx.load(path)
    except Exception as exc:
        raise DetectorError(f"cannot read YOLO weights {path}: {exc}") from exc
    names = _class_names(model)
    outputs = {n for node in model.graph.node for n in node.output}
    if BOX_OUT not in outputs or CLS_OUT not in outputs:
        raise DetectorError(f"{path} is not a YOLOv8 detection graph (no Detect head found)")
    _float_convolutions(model)
    _prune_to(model, (BOX_OUT, CLS_OUT))
    return model.SerializeToString(), names


def cache_dir() -> Path:
    """Where rewritten graphs are kept."""
    var = os.environ.get("FAIRSPEED_VAR_DIR")
    return Path(var) / "cache" if var else Path.home() / ".cache" / "fairspeed"


def cached_graph(path: str) -> str | bytes:
    """``load_graph(path)``'s graph, as the file that keeps it (written once per set of
    weights; later starts read it without the ``onnx`` package), or as bytes where no
    file can be written. The file is named by the weights' contents and written whole (a
    temporary file renamed), so it is never stale or torn."""
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise DetectorError(f"cannot read YOLO weights {path}: {exc}") from exc
    target = cache_dir() / f"yolov8-float-{digest}.onnx"
    if target.is_file():
        return str(target)
    graph, _ = load_graph(path)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(graph)
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):  # written but not renamed: leave no file behind
            tmp.unlink()
        log.warning("YOLO graph not kept in %s (%s): converted again at each start", target, exc)
        return graph
    return str(target)


def _class_names(model: Any) -> tuple[str, ...]:
    return _names_of({p.key: p.value for p in model.metadata_props})


def _names_of(meta: dict[str, str]) -> tuple[str, ...]:
    """Class names from the ultralytics export's ``names`` metadata."""
    import ast

    try:
        table = ast.literal_eval(meta.get("names", "{}"))
    except (ValueError, SyntaxError):
        table = {}
    if not isinstance(table, dict) or not table:
        return ()
    return tuple(str(table.get(k, k)) for k in range(max(table) + 1))


class OnnxYolo:
    """One YOLOv8 graph on an engine (``yolo_engine``: OpenVINO or onnxruntime):
    ``infer(picture)`` -> boxes in the picture's pixels.

    ``long_side`` is the network input's long side; the short side follows the picture's
    aspect, rounded up to a multiple of 32 (grey padding, as ultralytics' letterbox).
    """

    def __init__(
        self,
        weights: str | Path,
        long_side: int = 416,
        threads: int = 0,
        engine: str | None = None,
    ) -> None:
        self.engine = open_engine(weights, cached_graph, threads, engine)
        self.names = _names_of(self.engine.metadata)
        self.long_side = int(long_side)
        self._anchors: dict[tuple[int, int], tuple[FloatArray, FloatArray]] = {}
        self._lock = threading.Lock()

    def _letterbox(self, image: NDArray[np.uint8]) -> tuple[NDArray[np.float32], float]:
        h, w = image.shape[:2]
        scale = self.long_side / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        pw, ph = -(-nw // 32) * 32, -(-nh // 32) * 32
        canvas = np.full((ph, pw, 3), 114, np.uint8)
        canvas[:nh, :nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
        blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        return np.ascontiguousarray(blob), scale

    def _grid(self, ph: int, pw: int) -> tuple[FloatArray, FloatArray]:
        """Anchor centres (N, 2) and their strides (N,) for an input of ph x pw."""
        key = (ph, pw)
        if key not in self._anchors:
            centres, strides = [], []
            for s in STRIDES:
                gy, gx = np.mgrid[0 : ph // s, 0 : pw // s]
                centres.append(np.c_[gx.ravel() + 0.5, gy.ravel() + 0.5] * s)
                strides.append(np.full(gx.size, float(s)))
            self._anchors[key] = (np.vstack(centres), np.concatenate(strides))
        return self._anchors[key]

    def infer(
        self, image: NDArray[np.uint8], conf: float, classes: set[int], iou: float = 0.7
    ) -> Raw:
        blob, scale = self._letterbox(image)
        with self._lock:
            dist, logits = self.engine.run(blob, (BOX_OUT, CLS_OUT))
        logits = logits[0]
        wanted = np.array(sorted(classes), dtype=np.int64)
        sub = logits[wanted]
        best = sub.argmax(axis=0)
        score = 1.0 / (1.0 + np.exp(-sub[best, np.arange(sub.shape[1])]))
        keep = np.flatnonzero(score >= conf)
        if keep.size == 0:
            return Raw(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64))
        centres, strides = self._grid(blob.shape[2], blob.shape[3])
        bins = dist[0][:, keep].reshape(4, 16, -1)
        bins = np.exp(bins - bins.max(axis=1, keepdims=True))
        sides = (bins * np.arange(16, dtype=np.float32)[None, :, None]).sum(axis=1) / bins.sum(
            axis=1
        )
        c, st = centres[keep], strides[keep]
        xyxy = (
            np.c_[
                c[:, 0] - sides[0] * st,
                c[:, 1] - sides[1] * st,
                c[:, 0] + sides[2] * st,
                c[:, 1] + sides[3] * st,
            ]
            / scale
        )
        h, w = image.shape[:2]
        xyxy = np.clip(xyxy, 0.0, [w, h, w, h])  # as ultralytics: boxes end at the edges
        cls = wanted[best[keep]]
        kept = _nms(xyxy, score[keep], iou)
        boxes, scores, found = _join_nested(xyxy[kept], score[keep][kept], cls[kept])
        return Raw(boxes.astype(np.float64), scores.astype(np.float64), found)


def _nms(xyxy: FloatArray, scores: FloatArray, iou: float) -> NDArray[np.int64]:
    """Indices kept by non-maximum suppression over every class together: the classes
    asked for are all vehicles, and one vehicle read as both "car" and "truck" must stay
    one box (two would look like two vehicles merging, to the tracker)."""
    xywh = np.c_[xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]]
    idx = cv2.dnn.NMSBoxes(xywh.tolist(), scores.astype(float).tolist(), 0.0, iou)
    return np.asarray(idx, dtype=np.int64).reshape(-1)


def _join_nested(
    xyxy: NDArray[Any], scores: NDArray[Any], cls: NDArray[np.int64], inside: float = 0.8
) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.int64]]:
    """One vehicle boxed twice - its face, and the whole body around it - is one box: a
    box lying ``inside`` (share of its area) another whose bottom edge it shares (within
    a tenth of the outer box's height) is joined into the outer one. A farther vehicle
    seen over a nearer one's body does not share its bottom edge and stays apart (issue
    #20: a photo car boxed as "car" on its front and "truck" over its roof made two
    tracks of one vehicle)."""
    if len(xyxy) < 2:
        return xyxy, scores, cls
    order = np.argsort(-(xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1]))
    boxes, out_scores, out_cls = xyxy[order].copy(), scores[order].copy(), cls[order]
    alive = np.ones(len(boxes), dtype=bool)
    for i in range(len(boxes)):  # outer boxes first (largest area)
        if not alive[i]:
            continue
        outer = boxes[i]
        height = max(outer[3] - outer[1], 1e-6)
        for j in range(i + 1, len(boxes)):
            if not alive[j]:
                continue
            inner = boxes[j]
            ix = max(0.0, min(outer[2], inner[2]) - max(outer[0], inner[0]))
            iy = max(0.0, min(outer[3], inner[3]) - max(outer[1], inner[1]))
            area = max((inner[2] - inner[0]) * (inner[3] - inner[1]), 1e-6)
            if ix * iy / area >= inside and abs(outer[3] - inner[3]) <= 0.1 * height:
                boxes[i] = [
                    min(outer[0], inner[0]),
                    min(outer[1], inner[1]),
                    max(outer[2], inner[2]),
                    max(outer[3], inner[3]),
                ]
                out_scores[i] = max(out_scores[i], out_scores[j])
                alive[j] = False
    return boxes[alive], out_scores[alive], out_cls[alive]
