"""Scoring a person detector against true boxes: recall and precision at an IoU."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from walkout.session import Columns
from walkout.vision.decoding import box_iou


@dataclass
class MatchScore:
    """Matched detections (IoU at or above the threshold, one to one), misses and
    spurious detections, summed over frames."""

    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0

    @property
    def recall(self) -> float:
        """Share of true boxes found."""
        n = self.true_positives + self.false_negatives
        return self.true_positives / n if n else 1.0

    @property
    def precision(self) -> float:
        """Share of detections that match a true box."""
        n = self.true_positives + self.false_positives
        return self.true_positives / n if n else 1.0

    def __add__(self, other: MatchScore) -> MatchScore:
        return MatchScore(
            self.true_positives + other.true_positives,
            self.false_negatives + other.false_negatives,
            self.false_positives + other.false_positives,
        )


def match_frame(pred: np.ndarray, true: np.ndarray, iou_threshold: float = 0.5) -> MatchScore:
    """Greedy one-to-one matching of one frame's boxes, highest IoU first."""
    if len(pred) == 0 or len(true) == 0:
        return MatchScore(0, len(true), len(pred))
    iou = box_iou(pred, true)
    pi, ti = np.nonzero(iou >= iou_threshold)
    order = np.argsort(-iou[pi, ti], kind="stable")
    used_p, used_t = set(), set()
    for a, b in zip(pi[order].tolist(), ti[order].tolist(), strict=True):
        if a not in used_p and b not in used_t:
            used_p.add(a)
            used_t.add(b)
    tp = len(used_t)
    return MatchScore(tp, len(true) - tp, len(pred) - tp)


def match_columns(pred: Columns, true: Columns, iou_threshold: float = 0.5) -> MatchScore:
    """Match detection columns to true-box columns frame by frame ((camera_id, t_us)).
    Frames only in ``pred`` count their detections as false positives."""
    n_p = len(pred["t_us"])
    keys = np.concatenate([_frame_keys(pred), _frame_keys(true)])
    _, frame = np.unique(keys, axis=0, return_inverse=True)
    frame = frame.reshape(-1)
    order = np.argsort(frame, kind="stable")
    bounds = np.flatnonzero(np.diff(frame[order])) + 1
    boxes = np.concatenate([pred["bbox"], true["bbox"]]).reshape(-1, 4)
    total = MatchScore()
    for rows in np.split(order, bounds):
        if rows.size == 0:
            continue
        is_pred = rows < n_p
        total = total + match_frame(boxes[rows[is_pred]], boxes[rows[~is_pred]], iou_threshold)
    return total


def _frame_keys(cols: Columns) -> np.ndarray:
    return np.stack(
        [np.asarray(cols["t_us"], dtype=np.int64), np.asarray(cols["camera_id"], dtype=np.int64)],
        axis=1,
    )
