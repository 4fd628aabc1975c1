"""Detections of other libraries as the columns of ``Engine.ingest_person_detections``.

:func:`from_supervision` takes a ``supervision.Detections`` (and optionally the
``supervision.KeyPoints`` of the same people, from a pose model) of one camera frame::

    import supervision as sv

    detections = sv.Detections.from_ultralytics(result)   # or from_inference, ...
    keypoints = sv.KeyPoints.from_ultralytics(result)      # a pose model's joints
    engine.ingest_person_detections(
        **walkout.vision.from_supervision(detections, camera_id, t_us, keypoints=keypoints)
    )

supervision itself is not imported: any object with the same attributes works. An
adapter for ultralytics ``Results`` directly is not provided (ultralytics pulls in
torch); supervision's ``from_ultralytics`` covers it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from walkout.errors import InputError
from walkout.session import Columns

COCO_PERSON = 0
"""The class id of a person in COCO-trained detectors (YOLO and most others)."""

_FIELD = "person_detections"


def _frame_scalar(value: Any, name: str, dtype: type[np.integer]) -> int:
    """A camera id or a frame time: one integer that fits ``dtype``."""
    info = np.iinfo(dtype)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(
            f"`{_FIELD}.{name}` must be one integer for the frame (got {value!r})",
            field=f"{_FIELD}.{name}",
            value=repr(value),
        )
    if not info.min <= int(value) <= info.max:
        raise InputError(
            f"`{_FIELD}.{name}` must fit in {np.dtype(dtype)} (got {value})",
            field=f"{_FIELD}.{name}",
            value=str(value),
        )
    return int(value)


def _keypoint_rows(keypoints: Any, n: int) -> np.ndarray:
    """``(n, 17, 3)`` x, y, confidence from a ``supervision.KeyPoints``."""
    xy = np.asarray(keypoints.xy, dtype=np.float32)
    if xy.ndim != 3 or xy.shape[0] != n or xy.shape[2] != 2:
        raise InputError(
            f"`{_FIELD}.keypoints` must hold (x, y) of each joint for the {n} detections "
            f"(got keypoints.xy of shape {xy.shape})",
            field=f"{_FIELD}.keypoints",
        )
    if xy.shape[1] != 17:
        raise InputError(
            f"`{_FIELD}.keypoints` must be the 17 COCO joints (got {xy.shape[1]} per person)",
            field=f"{_FIELD}.keypoints",
        )
    # supervision >= 0.29 calls it keypoint_confidence; earlier versions confidence.
    conf = getattr(keypoints, "keypoint_confidence", None)
    if conf is None and "keypoint_confidence" not in dir(type(keypoints)):
        conf = getattr(keypoints, "confidence", None)
    if conf is None:
        # No confidences: a joint at (0, 0) is how supervision marks one not seen.
        conf = np.any(xy != 0, axis=2).astype(np.float32)
    conf = np.asarray(conf, dtype=np.float32).reshape(n, 17)
    visible = getattr(keypoints, "visible", None)
    if visible is not None:
        conf = np.where(np.asarray(visible, dtype=bool).reshape(n, 17), conf, 0.0)
    return np.concatenate([xy, conf[..., None]], axis=2).astype(np.float32)


def from_supervision(
    detections: Any,
    camera_id: int,
    t_us: int,
    *,
    keypoints: Any | None = None,
    embedding: Any | None = None,
    person_class: int | None = COCO_PERSON,
) -> Columns:
    """The columns of :meth:`walkout.Engine.ingest_person_detections` for one camera
    frame: ``camera_id``, ``t_us`` (one value each for the frame), and per person
    ``bbox`` (``detections.xyxy``, distorted image pixels), ``score``
    (``detections.confidence``; 1 where the detector gives none) and, with
    ``keypoints`` (a ``supervision.KeyPoints`` of the same rows), ``keypoints``
    ``(N, 17, 3)``. ``embedding``: re-identification vectors ``(N, D)`` of the same
    rows, if the detector gives them.

    Only rows of class ``person_class`` are kept (COCO's person, 0, by default) when
    the detections carry class ids; ``None`` keeps every row.
    """
    camera = _frame_scalar(camera_id, "camera_id", np.uint32)
    t = _frame_scalar(t_us, "t_us", np.int64)
    try:
        xyxy = np.asarray(detections.xyxy, dtype=np.float32)
    except AttributeError:
        raise InputError(
            f"expected a supervision.Detections (got {type(detections).__name__})",
            field=f"{_FIELD}.bbox",
        ) from None
    n = len(xyxy)
    xyxy = xyxy.reshape(n, -1) if n else xyxy.reshape(0, 4)
    if xyxy.shape[1] != 4:
        raise InputError(
            f"`{_FIELD}.bbox` must have shape (N, 4) (got {xyxy.shape})", field=f"{_FIELD}.bbox"
        )
    confidence = getattr(detections, "confidence", None)
    score = (
        np.ones(n, np.float32)
        if confidence is None
        else np.asarray(confidence, dtype=np.float32).reshape(n)
    )
    keep = np.ones(n, dtype=bool)
    class_id = getattr(detections, "class_id", None)
    if person_class is not None and class_id is not None:
        keep = np.asarray(class_id).reshape(n) == person_class
    cols: Columns = {
        "camera_id": np.full(int(keep.sum()), camera, dtype=np.uint32),
        "t_us": np.full(int(keep.sum()), t, dtype=np.int64),
        "bbox": np.ascontiguousarray(xyxy[keep]),
        "score": np.ascontiguousarray(score[keep]),
    }
    if keypoints is not None:
        cols["keypoints"] = np.ascontiguousarray(_keypoint_rows(keypoints, n)[keep])
    if embedding is not None:
        emb = np.asarray(embedding, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[0] != n:
            raise InputError(
                f"`{_FIELD}.embedding` must have one row per detection, shape ({n}, D) "
                f"(got {emb.shape})",
                field=f"{_FIELD}.embedding",
            )
        cols["embedding"] = np.ascontiguousarray(emb[keep])
    return cols


__all__ = ["COCO_PERSON", "from_supervision"]
