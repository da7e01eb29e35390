"""Where the rewritten YOLO graph runs (no Django): OpenVINO where it is installed,
onnxruntime otherwise, or the one ``FAIRSPEED_YOLO_ENGINE`` names.

Both run the same float graph (``yolo_onnx.cached_graph``). OpenVINO computes it at the
precision its CPU plugin picks for the machine: bfloat16 on a CPU with native bfloat16
arithmetic (AVX-512 BF16, AMX), float32 elsewhere; onnxruntime always in float32. The
engine and its precision are part of the detector's description, so a reading says what
computed it. Decision and measurements: ``docs/engine-decisions.md`` (2026-12-07).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from cameras.vision.errors import DetectorError

__all__ = ["ENGINES", "ENGINE_ENV", "GraphEngine", "open_engine"]

log = logging.getLogger(__name__)

ENGINE_ENV = "FAIRSPEED_YOLO_ENGINE"
ENGINES = ("auto", "openvino", "onnxruntime")
Outputs = tuple[NDArray[np.float32], ...]


class GraphEngine(Protocol):
    """A loaded graph: ``run(blob, outputs)`` -> those outputs, copies the caller keeps."""

    label: str  # e.g. "openvino, bf16"
    metadata: dict[str, str]

    def run(self, blob: NDArray[np.float32], outputs: tuple[str, ...]) -> Outputs: ...


class _OnnxRuntime:
    def __init__(self, graph: str | bytes, threads: int) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads  # 0: onnxruntime decides (one per core)
        # Idle threads sleep instead of spinning: the camera worker's decoder, tracker and
        # evidence thread share the same cores.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(graph, opts, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        self.label = "onnxruntime, f32"

    def run(self, blob: NDArray[np.float32], outputs: tuple[str, ...]) -> Outputs:
        return tuple(self.session.run(list(outputs), {self.input_name: blob}))


class _OpenVino:
    def __init__(self, graph: str, threads: int) -> None:
        import openvino as ov

        core = ov.Core()
        model = core.read_model(graph)
        names = model.get_rt_info(["framework", "names"]).astype(str)
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        compiled = core.compile_model(model, "CPU", config)
        self.request = compiled.create_infer_request()
        self.ports = {o.get_any_name(): o for o in compiled.outputs}
        self.metadata = {"names": names}
        precision = compiled.get_property("INFERENCE_PRECISION_HINT")  # an openvino Type
        self.label = f"openvino, {precision.get_type_name()}"  # "bf16" or "f32"

    def run(self, blob: NDArray[np.float32], outputs: tuple[str, ...]) -> Outputs:
        result = self.request.infer({0: blob})
        # The request reuses its output buffers at the next inference: copy them out.
        return tuple(np.array(result[self.ports[name]]) for name in outputs)


def chosen_engine(engine: str | None = None) -> str:
    """``engine``, else ``FAIRSPEED_YOLO_ENGINE``, else ``auto``; refused when unknown."""
    name = (engine or os.environ.get(ENGINE_ENV) or "auto").strip().lower()
    if name not in ENGINES:
        raise DetectorError(f"unknown YOLO engine {name!r}: use one of {', '.join(ENGINES)}")
    return name


def _openvino_installed() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def open_engine(
    weights: str | Path,
    convert: Callable[[str], str | bytes],
    threads: int = 0,
    engine: str | None = None,
) -> GraphEngine:
    """The graph of ``weights`` (``convert``: ``yolo_onnx.cached_graph``) loaded on
    ``engine``. ``auto`` is OpenVINO where it is installed and the graph is a kept file,
    onnxruntime otherwise. A kept file that neither can read (written by something else)
    is converted again, once."""
    name = chosen_engine(engine)
    if name == "auto":
        name = "openvino" if _openvino_installed() else "onnxruntime"
    elif name == "openvino" and not _openvino_installed():
        raise DetectorError("the YOLO engine openvino: the openvino package is not installed")
    graph = convert(str(weights))
    try:
        return _load(name, graph, threads)
    except Exception:
        if not isinstance(graph, str):
            raise
        log.warning("YOLO graph %s unreadable: converting the weights again", graph)
        Path(graph).unlink(missing_ok=True)
        return _load(name, convert(str(weights)), threads)


def _load(name: str, graph: str | bytes, threads: int) -> GraphEngine:
    if name == "openvino" and isinstance(graph, str):
        return _OpenVino(graph, threads)
    # A graph held only in memory (no file could be kept) runs on onnxruntime.
    return _OnnxRuntime(graph, threads)
