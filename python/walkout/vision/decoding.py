"""Decoding YOLO-format outputs: confidence filter, boxes, non-maximum suppression,
keypoints.

The layout is the one the YOLOv8 / YOLO11 exporters produce (and the shipped model
follows): ``(B, 4 + nc + K*D, N)`` with, per candidate, the box centre and size in model
input pixels, ``nc`` class scores (already sigmoid), then ``K`` keypoints of ``D`` values
(x, y in model pixels and, for ``D == 3``, a visibility confidence). Detection exports
have ``K == 0``: ``(B, 4 + nc, N)``; pose exports ``(B, 4 + 1 + 51, N)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from walkout.vision.letterbox import Letterbox


@dataclass(frozen=True)
class Layout:
    """How to read the channel axis of a YOLO output: class count and keypoint shape."""

    num_classes: int
    num_keypoints: int = 0
    keypoint_dims: int = 3

    @property
    def channels(self) -> int:
        """Channels per candidate: 4 box values, the class scores, the keypoints."""
        return 4 + self.num_classes + self.num_keypoints * self.keypoint_dims

    @classmethod
    def guess(cls, channels: int) -> Layout:
        """The layout of an output with ``channels`` channels when the model says nothing:
        56 is a one-class COCO pose model (17 keypoints x 3), anything else detection."""
        if channels == 56:
            return cls(num_classes=1, num_keypoints=17, keypoint_dims=3)
        if channels <= 4:
            raise ValueError(f"a YOLO output needs more than 4 channels (got {channels})")
        return cls(num_classes=channels - 4)


@dataclass
class Detections:
    """What a detector found in one frame, in that frame's pixels.

    ``boxes`` ``(n, 4)`` x1, y1, x2, y2; ``scores`` ``(n,)``; ``class_ids`` ``(n,)``;
    ``keypoints`` ``(n, K, 3)`` x, y, confidence (confidence 1 where the model gives none)
    or None for a detection-only model.
    """

    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray
    keypoints: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.scores)

    @classmethod
    def empty(cls, num_keypoints: int = 0) -> Detections:
        """No detections (with a keypoint array of the right shape for pose models)."""
        kps = np.zeros((0, num_keypoints, 3), np.float32) if num_keypoints else None
        return cls(
            np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), kps
        )


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise intersection areas ``(n, m)`` of ``(n, 4)`` and ``(m, 4)`` x1, y1, x2, y2
    boxes, with the areas of ``a`` ``(n,)`` and of ``b`` ``(m,)``."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0.0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0.0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0.0, None), axis=1)
    return inter, area_a, area_b


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of ``(n, 4)`` and ``(m, 4)`` x1, y1, x2, y2 boxes: ``(n, m)``."""
    inter, area_a, area_b = _overlaps(a, b)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def box_ioa(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over the area of the smaller box: ``(n, m)``; 1 when one
    box lies inside the other."""
    inter, area_a, area_b = _overlaps(a, b)
    small = np.minimum(area_a[:, None], area_b[None, :])
    return np.where(small > 0, inter / np.maximum(small, 1e-12), 0.0)


def keypoint_similarity(kps: np.ndarray, boxes: np.ndarray, min_conf: float = 0.5) -> np.ndarray:
    """Pairwise object keypoint similarity (COCO's OKS with one spread for every joint)
    of ``(n, K, 3)`` keypoints: the mean over joints seen in both of
    ``exp(-d^2 / (2 * area * 0.1^2))``, area from the first box of the pair; 0 where no
    joint is seen in both."""
    xy = kps[:, :, :2].astype(np.float64)
    seen = kps[:, :, 2] >= min_conf
    d2 = ((xy[:, None] - xy[None, :]) ** 2).sum(axis=3)  # (n, n, K)
    area = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 1.0, None), axis=1).astype(np.float64)
    sim = np.exp(-d2 / (2.0 * area[:, None, None] * 0.01))
    both = seen[:, None, :] & seen[None, :, :]
    n_both = both.sum(axis=2)
    return np.where(n_both > 0, (sim * both).sum(axis=2) / np.maximum(n_both, 1), 0.0)


def nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    containment_threshold: float | None = None,
    same: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy non-maximum suppression; indices of the kept boxes, best first.

    A box is suppressed by a better kept one when their IoU exceeds ``iou_threshold``
    or, with ``containment_threshold``, when their intersection covers more than that
    share of the smaller box (a part-of-a-person box inside a whole-person box), or
    where ``same`` (an ``(n, n)`` boolean matrix, e.g. keypoints that coincide) says two
    boxes are one object. The overlap matrix is computed once, vectorised; the loop runs
    once per *kept* box.
    """
    order = np.argsort(-scores, kind="stable")
    iou = box_iou(boxes[order], boxes[order])
    if containment_threshold is not None:
        ioa = box_ioa(boxes[order], boxes[order])
        iou = np.where(ioa > containment_threshold, np.inf, iou)
    if same is not None:
        iou = np.where(same[np.ix_(order, order)], np.inf, iou)
    keep: list[int] = []
    remaining = np.arange(len(order))
    while remaining.size:
        i = remaining[0]
        keep.append(int(i))
        rest = remaining[1:]
        remaining = rest[iou[i, rest] <= iou_threshold]
    return order[np.asarray(keep, dtype=np.int64)]


def decode(
    output: np.ndarray,
    layout: Layout,
    *,
    conf_threshold: float = 0.25,
    iou_threshold: float = 0.45,
    max_detections: int = 300,
    max_candidates: int = 3000,
    classes: np.ndarray | list[int] | None = None,
    containment_threshold: float | None = None,
    keypoint_threshold: float | None = None,
) -> list[Detections]:
    """Decode a batch ``(B, C, N)`` of raw outputs into detections in model pixels.

    NMS is per class (boxes of different classes never suppress each other). ``classes``
    keeps only those class ids (e.g. ``[0]`` for the persons of a COCO model);
    ``containment_threshold``: see :func:`nms`; ``keypoint_threshold`` (pose models):
    boxes whose keypoints have an OKS above it with a better box's are one person.
    """
    if output.ndim != 3 or output.shape[1] != layout.channels:
        raise ValueError(
            f"expected output (B, {layout.channels}, N) for {layout} (got {output.shape})"
        )
    return [
        _decode_one(
            output[b],
            layout,
            conf_threshold,
            iou_threshold,
            max_detections,
            max_candidates,
            classes,
            containment_threshold,
            keypoint_threshold,
        )
        for b in range(output.shape[0])
    ]


def _decode_one(
    out: np.ndarray,
    layout: Layout,
    conf_threshold: float,
    iou_threshold: float,
    max_detections: int,
    max_candidates: int,
    classes: np.ndarray | list[int] | None,
    containment_threshold: float | None,
    keypoint_threshold: float | None,
) -> Detections:
    nc = layout.num_classes
    cls_scores = out[4 : 4 + nc]
    class_ids = np.argmax(cls_scores, axis=0) if nc > 1 else np.zeros(out.shape[1], np.int64)
    scores = cls_scores.max(axis=0) if nc > 1 else cls_scores[0]
    mask = scores >= conf_threshold
    if classes is not None:
        mask &= np.isin(class_ids, np.asarray(classes))
    idx = np.flatnonzero(mask)
    if idx.size > max_candidates:
        idx = idx[np.argsort(-scores[idx], kind="stable")[:max_candidates]]
    if idx.size == 0:
        return Detections.empty(layout.num_keypoints)
    cx, cy, w, h = out[0:4, idx]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    cand_cls = class_ids[idx]
    # Batched NMS: shift each class's boxes far apart so classes never overlap.
    shift = cand_cls[:, None].astype(np.float64) * (float(np.abs(boxes).max()) + 1.0) * 2.0
    cand_kps = None
    if layout.num_keypoints:
        k, d = layout.num_keypoints, layout.keypoint_dims
        raw = out[4 + nc :, idx].T.reshape(len(idx), k, d)
        cand_kps = np.ones((len(idx), k, 3), np.float32)
        cand_kps[:, :, : min(d, 3)] = raw[:, :, :3]
    same = None
    if keypoint_threshold is not None and cand_kps is not None:
        same = keypoint_similarity(cand_kps, boxes) > keypoint_threshold
        same &= cand_cls[:, None] == cand_cls[None, :]
    kept = nms(boxes + shift, scores[idx], iou_threshold, containment_threshold, same)
    kept = kept[:max_detections]
    sel = idx[kept]
    keypoints = None if cand_kps is None else cand_kps[kept]
    return Detections(
        boxes[kept].astype(np.float32),
        scores[sel].astype(np.float32),
        cand_cls[kept].astype(np.int64),
        keypoints,
    )


def to_frame(det: Detections, lb: Letterbox) -> Detections:
    """Detections in model pixels mapped back to the frame they came from."""
    kps = None
    if det.keypoints is not None:
        kps = lb.points_to_frame(det.keypoints)
        outside = (
            (kps[..., 0] < 0)
            | (kps[..., 1] < 0)
            | (kps[..., 0] >= lb.frame_width)
            | (kps[..., 1] >= lb.frame_height)
        )
        kps[outside] = 0.0
    return Detections(lb.boxes_to_frame(det.boxes), det.scores, det.class_ids, kps)
