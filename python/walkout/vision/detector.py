"""Person detection over camera frames: batches of frames (several cameras per run)
through a YOLO-format model, out as the engine's person-detection columns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from os import PathLike

import numpy as np

from walkout.session import Columns
from walkout.vision.capture import Frame
from walkout.vision.columns import empty_person_detections
from walkout.vision.decoding import Detections
from walkout.vision.model import RuntimeOptions, YoloModel
from walkout.vision.shipped import person_model_path


class PersonDetector:
    """A person (or person + pose) model that turns frames into detection columns.

    ``model``: a :class:`YoloModel`, a path to a YOLO-format ONNX export, or None for
    the shipped model (see :func:`~walkout.vision.shipped.person_model_path`).
    ``person_class``: the class id of "person" (0 for COCO and the shipped model); only
    that class is kept. Detection-only models give no keypoints (all confidence 0).
    ``containment_threshold``: a box mostly inside a better one is dropped too (a part
    of a person detected beside the whole; None turns it off); ``keypoint_threshold``:
    so is a box whose keypoints coincide with a better box's (OKS above it; pose
    models; None turns it off).
    """

    def __init__(
        self,
        model: YoloModel | str | PathLike[str] | None = None,
        *,
        person_class: int = 0,
        conf_threshold: float = 0.9,
        iou_threshold: float = 0.45,
        containment_threshold: float | None = 0.6,
        keypoint_threshold: float | None = 0.3,
        runtime: RuntimeOptions | None = None,
        input_size: tuple[int, int] | None = None,
    ) -> None:
        if not isinstance(model, YoloModel):
            model = YoloModel(
                person_model_path(model),
                runtime=runtime,
                conf_threshold=conf_threshold,
                iou_threshold=iou_threshold,
                containment_threshold=containment_threshold,
                keypoint_threshold=keypoint_threshold,
                classes=[person_class],
                input_size=input_size,
            )
        self.model = model

    def detect(self, frames: Sequence[Frame]) -> list[Detections]:
        """Detections of each frame (one batched model run for all of them)."""
        return self.model.detect([f.image for f in frames])

    def columns(self, frames: Sequence[Frame], dets: Sequence[Detections]) -> Columns:
        """The engine's person-detection columns for ``frames`` and their detections."""
        return detections_to_columns([f.camera_id for f in frames], [f.t_us for f in frames], dets)

    def run(self, frames: Iterable[Frame], batch_size: int = 8) -> Iterator[Columns]:
        """Detect over a frame stream, ``batch_size`` frames per model run; yields the
        columns of each batch."""
        for batch in _batched(frames, batch_size):
            yield self.columns(batch, self.detect(batch))


def detections_to_columns(
    camera_ids: Sequence[int], t_us: Sequence[int], dets: Sequence[Detections]
) -> Columns:
    """Concatenate per-frame detections into columns (camera_id, t_us, bbox, score,
    keypoints), without a per-box Python loop."""
    counts = np.array([len(d) for d in dets], dtype=np.int64)
    if counts.sum() == 0:
        return empty_person_detections()
    n = int(counts.sum())
    kps = np.zeros((n, 17, 3), np.float32)
    with_kps = [d.keypoints for d in dets if len(d) and d.keypoints is not None]
    if with_kps and all(k.shape[1] == 17 for k in with_kps):
        kps = np.concatenate(
            [
                d.keypoints if d.keypoints is not None else np.zeros((len(d), 17, 3), np.float32)
                for d in dets
            ]
        ).astype(np.float32)
    return {
        "camera_id": np.repeat(np.asarray(camera_ids, dtype=np.uint32), counts),
        "t_us": np.repeat(np.asarray(t_us, dtype=np.int64), counts),
        "bbox": np.concatenate([d.boxes for d in dets]).astype(np.float32),
        "score": np.concatenate([d.scores for d in dets]).astype(np.float32),
        "keypoints": kps,
    }


def concat_columns(parts: Iterable[Columns]) -> Columns:
    """Concatenate column batches (empty input gives empty person-detection columns)."""
    parts = [p for p in parts if len(p["t_us"])]
    if not parts:
        return empty_person_detections()
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _batched(frames: Iterable[Frame], n: int) -> Iterator[list[Frame]]:
    batch: list[Frame] = []
    for f in frames:
        batch.append(f)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch
