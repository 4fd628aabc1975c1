"""walkout.vision: camera frames to the detection batches the engine takes.

YOLO-format ONNX models (YOLOv8 / YOLO11 detection and pose exports, and the shipped
person/pose model) under onnxruntime: letterboxing, batched inference over several
cameras, decoding, NMS and keypoints (:class:`YoloModel`, :class:`PersonDetector`);
opencv capture with timestamps (:class:`VideoSource`); undistortion maps from the store
calibration (:func:`undistort_maps`, for display: the engine takes DISTORTED pixels);
and the video path end to end (:func:`run_video`); detections of supervision
(``supervision.Detections`` / ``KeyPoints``) as engine columns (:func:`from_supervision`).

Needs the ``vision`` extra: ``pip install walkout[vision]`` (onnxruntime,
opencv-python-headless). Names load on first use, so ``import walkout.vision`` works
without them. See docs/vision.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "from_supervision": "adapters",
    "Frame": "capture",
    "VideoSource": "capture",
    "merge_sources": "capture",
    "Detections": "decoding",
    "Layout": "decoding",
    "box_iou": "decoding",
    "decode": "decoding",
    "nms": "decoding",
    "PersonDetector": "detector",
    "detections_to_columns": "detector",
    "Letterbox": "letterbox",
    "letterbox_batch": "letterbox",
    "letterbox_image": "letterbox",
    "MatchScore": "metrics",
    "match_columns": "metrics",
    "match_frame": "metrics",
    "RuntimeOptions": "model",
    "YoloModel": "model",
    "VideoRun": "pipeline",
    "run_video": "pipeline",
    "session_frames": "pipeline",
    "person_model_path": "shipped",
    "UndistortMap": "undistort",
    "undistort_map": "undistort",
    "undistort_maps": "undistort",
}

__all__ = [
    "Detections",
    "Frame",
    "Layout",
    "Letterbox",
    "MatchScore",
    "PersonDetector",
    "RuntimeOptions",
    "UndistortMap",
    "VideoRun",
    "VideoSource",
    "YoloModel",
    "box_iou",
    "decode",
    "detections_to_columns",
    "from_supervision",
    "letterbox_batch",
    "letterbox_image",
    "match_columns",
    "match_frame",
    "merge_sources",
    "nms",
    "person_model_path",
    "run_video",
    "session_frames",
    "undistort_map",
    "undistort_maps",
]

if TYPE_CHECKING:
    from walkout.vision.adapters import from_supervision
    from walkout.vision.capture import Frame, VideoSource, merge_sources
    from walkout.vision.decoding import Detections, Layout, box_iou, decode, nms
    from walkout.vision.detector import PersonDetector, detections_to_columns
    from walkout.vision.letterbox import Letterbox, letterbox_batch, letterbox_image
    from walkout.vision.metrics import MatchScore, match_columns, match_frame
    from walkout.vision.model import RuntimeOptions, YoloModel
    from walkout.vision.pipeline import VideoRun, run_video, session_frames
    from walkout.vision.shipped import person_model_path
    from walkout.vision.undistort import UndistortMap, undistort_map, undistort_maps


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'walkout.vision' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"walkout.vision.{module}"), name)
    globals()[name] = value
    return value
