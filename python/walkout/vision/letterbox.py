"""Letterbox preprocessing as the YOLO exporters expect it, and its inverse.

A frame is scaled (aspect kept) to fit the model input, centred, and padded with grey
114; pixels become RGB floats in 0..1, NCHW. :class:`Letterbox` remembers the scale and
offset so boxes and keypoints found in model pixels map back to the frame's pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class Letterbox:
    """How one frame was placed in the model input: ``model = frame * scale + offset``."""

    scale: float
    offset_x: float
    offset_y: float
    frame_width: int
    frame_height: int

    def boxes_to_frame(self, boxes: np.ndarray) -> np.ndarray:
        """Map ``(N, 4)`` x1, y1, x2, y2 boxes from model pixels to frame pixels, clipped."""
        out = np.empty_like(boxes, dtype=np.float32)
        out[:, 0::2] = (boxes[:, 0::2] - self.offset_x) / self.scale
        out[:, 1::2] = (boxes[:, 1::2] - self.offset_y) / self.scale
        np.clip(out[:, 0::2], 0.0, self.frame_width, out=out[:, 0::2])
        np.clip(out[:, 1::2], 0.0, self.frame_height, out=out[:, 1::2])
        return out

    def points_to_frame(self, points: np.ndarray) -> np.ndarray:
        """Map ``(..., 2+)`` points (x, y first) from model pixels to frame pixels."""
        out = np.array(points, dtype=np.float32, copy=True)
        out[..., 0] = (out[..., 0] - self.offset_x) / self.scale
        out[..., 1] = (out[..., 1] - self.offset_y) / self.scale
        return out


def letterbox_image(
    frame: np.ndarray, size: tuple[int, int], *, bgr: bool = True
) -> tuple[np.ndarray, Letterbox]:
    """One frame ``(H, W, 3)`` uint8 into a ``(3, h, w)`` float32 RGB tensor of
    ``size = (h, w)``, and the placement to map results back."""
    out_h, out_w = size
    h, w = frame.shape[:2]
    scale = min(out_w / w, out_h / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    left, top = (out_w - new_w) // 2, (out_h - new_h) // 2
    canvas = np.full((out_h, out_w, 3), PAD_VALUE, dtype=np.uint8)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    canvas[top : top + new_h, left : left + new_w] = cv2.resize(
        frame, (new_w, new_h), interpolation=interp
    )
    if bgr:
        canvas = canvas[:, :, ::-1]
    tensor = np.ascontiguousarray(canvas.transpose(2, 0, 1), dtype=np.float32)
    tensor *= 1.0 / 255.0
    return tensor, Letterbox(scale, float(left), float(top), w, h)


def letterbox_batch(
    frames: Sequence[np.ndarray], size: tuple[int, int], *, bgr: bool = True
) -> tuple[np.ndarray, list[Letterbox]]:
    """Frames of any sizes (several cameras) into one ``(B, 3, h, w)`` model batch."""
    batch = np.empty((len(frames), 3, *size), dtype=np.float32)
    boxes = []
    for i, frame in enumerate(frames):
        batch[i], lb = letterbox_image(frame, size, bgr=bgr)
        boxes.append(lb)
    return batch, boxes
