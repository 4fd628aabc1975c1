"""A YOLO-format ONNX model run with onnxruntime: frames of several cameras in, one
batched run, :class:`~walkout.vision.decoding.Detections` per frame out."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from walkout.vision.decoding import Detections, Layout, decode, to_frame
from walkout.vision.letterbox import letterbox_batch

DEFAULT_SIZE = (640, 640)


@dataclass(frozen=True)
class RuntimeOptions:
    """Where and how onnxruntime runs the model.

    ``device``: ``"auto"`` (CUDA when onnxruntime has it, CPU otherwise), ``"cuda"`` or
    ``"cpu"``; ``providers`` overrides it with an explicit onnxruntime provider list.
    ``intra_op_threads`` / ``inter_op_threads``: 0 lets onnxruntime choose.
    """

    device: str = "auto"
    providers: tuple[str, ...] | None = None
    intra_op_threads: int = 0
    inter_op_threads: int = 0

    def resolve_providers(self, available: Sequence[str]) -> list[str]:
        """The provider list to hand to onnxruntime, given the ones it has."""
        if self.providers is not None:
            return list(self.providers)
        has_cuda = "CUDAExecutionProvider" in available
        if self.device == "cuda":
            if not has_cuda:
                raise RuntimeError(
                    "device='cuda' but onnxruntime has no CUDAExecutionProvider "
                    f"(available: {list(available)}); install onnxruntime-gpu"
                )
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if self.device == "auto" and has_cuda:
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if self.device not in ("auto", "cpu"):
            raise ValueError(f"device must be 'auto', 'cuda' or 'cpu' (got {self.device!r})")
        return ["CPUExecutionProvider"]


class YoloModel:
    """A YOLOv8 / YOLO11-format ONNX export (detection or pose) under onnxruntime.

    The layout comes from the export's metadata (``kpt_shape``, ``names``, ``imgsz``, as
    the ultralytics exporter writes them) or from the output shape; pass ``layout`` /
    ``input_size`` to override. Frames of any size are letterboxed to ``input_size``
    ``(h, w)``; a model with a dynamic batch axis runs all frames of one call in one
    batch (up to ``max_batch``), a fixed-batch model one frame per run.
    ``containment_threshold`` also suppresses boxes mostly inside a better one, and
    ``keypoint_threshold`` boxes whose keypoints match a better one's (see
    :func:`~walkout.vision.decoding.decode`).
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        runtime: RuntimeOptions | None = None,
        layout: Layout | None = None,
        input_size: tuple[int, int] | None = None,
        conf_threshold: float = 0.25,
        iou_threshold: float = 0.45,
        classes: Sequence[int] | None = None,
        containment_threshold: float | None = None,
        keypoint_threshold: float | None = None,
        max_batch: int = 16,
    ) -> None:
        import onnxruntime as ort  # imported here: only this class needs it

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no ONNX model at {self.path}")
        self.runtime = runtime or RuntimeOptions()
        so = ort.SessionOptions()
        so.intra_op_num_threads = self.runtime.intra_op_threads
        so.inter_op_num_threads = self.runtime.inter_op_threads
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = self.runtime.resolve_providers(ort.get_available_providers())
        self.session = ort.InferenceSession(str(self.path), so, providers=providers)
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map or {})
        inp = self.session.get_inputs()[0]
        self.input_name: str = inp.name
        self.fixed_batch = isinstance(inp.shape[0], int) and inp.shape[0] > 0
        self.input_size = input_size or _input_size(inp.shape, self.metadata)
        out = self.session.get_outputs()[0]
        self.output_name: str = out.name
        self.layout = layout or _layout(out.shape, self.metadata)
        self.names: dict[int, str] = _names(self.metadata, self.layout.num_classes)
        self.conf_threshold = conf_threshold
        self.iou_threshold = iou_threshold
        self.classes = None if classes is None else list(classes)
        self.containment_threshold = containment_threshold
        self.keypoint_threshold = keypoint_threshold
        self.max_batch = 1 if self.fixed_batch else max(1, int(max_batch))

    @property
    def providers(self) -> list[str]:
        """The execution providers onnxruntime actually uses, in priority order."""
        return list(self.session.get_providers())

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the network on a letterboxed ``(B, 3, h, w)`` batch; raw ``(B, C, N)``."""
        outs = []
        for a in range(0, len(batch), self.max_batch):
            chunk = np.ascontiguousarray(batch[a : a + self.max_batch], dtype=np.float32)
            (raw,) = self.session.run([self.output_name], {self.input_name: chunk})
            outs.append(_channels_first(np.asarray(raw), self.layout.channels))
        return np.concatenate(outs, axis=0)

    def detect(self, frames: Sequence[np.ndarray], *, bgr: bool = True) -> list[Detections]:
        """Detections for each frame (``(H, W, 3)`` uint8, BGR as opencv reads them
        unless ``bgr=False``), in that frame's pixels."""
        if len(frames) == 0:
            return []
        batch, placements = letterbox_batch(frames, self.input_size, bgr=bgr)
        raw = self.infer(batch)
        dets = decode(
            raw,
            self.layout,
            conf_threshold=self.conf_threshold,
            iou_threshold=self.iou_threshold,
            classes=self.classes,
            containment_threshold=self.containment_threshold,
            keypoint_threshold=self.keypoint_threshold,
        )
        return [to_frame(d, lb) for d, lb in zip(dets, placements, strict=True)]


def _channels_first(raw: np.ndarray, channels: int) -> np.ndarray:
    if raw.ndim == 3 and raw.shape[1] != channels and raw.shape[2] == channels:
        return raw.transpose(0, 2, 1)
    return raw


def _literal(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None


def _input_size(shape: Sequence[Any], metadata: dict[str, str]) -> tuple[int, int]:
    h, w = shape[2], shape[3]
    if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0:
        return (h, w)
    imgsz = _literal(metadata.get("imgsz"))
    if isinstance(imgsz, list | tuple) and len(imgsz) == 2:
        return (int(imgsz[0]), int(imgsz[1]))
    return DEFAULT_SIZE


def _layout(shape: Sequence[Any], metadata: dict[str, str]) -> Layout:
    kpt = _literal(metadata.get("kpt_shape"))
    names = _literal(metadata.get("names"))
    if isinstance(names, dict) and names:
        nc = len(names)
        if isinstance(kpt, list | tuple) and len(kpt) == 2:
            return Layout(nc, int(kpt[0]), int(kpt[1]))
        return Layout(nc)
    channels = [d for d in shape[1:] if isinstance(d, int)]
    if not channels:
        raise ValueError("cannot tell the output layout: pass layout=Layout(...)")
    return Layout.guess(min(channels))


def _names(metadata: dict[str, str], nc: int) -> dict[int, str]:
    names = _literal(metadata.get("names"))
    if isinstance(names, dict):
        return {int(k): str(v) for k, v in names.items()}
    return {i: f"class{i}" for i in range(nc)}
