"""Person-detection columns of a session, in the shapes the engine takes.

Sessions keep ``bbox`` as ``(N, 4)`` and ``keypoints`` as ``(N, 17, 3)`` in memory; a
table read back from Parquet may hold them as one list per row or as flat columns
(``x1``.. / ``bbox_0``..). These helpers accept all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from walkout.session import Columns, Session


def _rows(cols: Mapping[str, np.ndarray], name: str, shape: tuple[int, ...]) -> np.ndarray:
    n = len(cols["t_us"])
    width = int(np.prod(shape))
    if name in cols:
        v = cols[name]
        if v.dtype == object:
            v = np.stack([np.asarray(r, dtype=np.float32).reshape(-1) for r in v]) if n else v
        return np.asarray(v, dtype=np.float32).reshape((n, *shape))
    flat = [f"{name}_{i}" for i in range(width)]
    if name == "bbox" and all(k in cols for k in ("x1", "y1", "x2", "y2")):
        flat = ["x1", "y1", "x2", "y2"]
    if all(k in cols for k in flat):
        return np.stack([cols[k] for k in flat], axis=1).astype(np.float32).reshape((n, *shape))
    raise KeyError(f"no `{name}` column (have {sorted(cols)})")


def person_detections(session: Session) -> Columns:
    """The session's person detections: camera_id, t_us, bbox (N, 4), score,
    keypoints (N, 17, 3) (all zero when the session has none)."""
    cols = getattr(session, "person_detections", None)
    if cols is None or len(cols.get("t_us", ())) == 0:
        return empty_person_detections()
    n = len(cols["t_us"])
    kps = (
        _rows(cols, "keypoints", (17, 3))
        if any(k.startswith("keypoints") for k in cols)
        else np.zeros((n, 17, 3), np.float32)
    )
    return {
        "camera_id": np.asarray(cols["camera_id"], dtype=np.uint32),
        "t_us": np.asarray(cols["t_us"], dtype=np.int64),
        "bbox": _rows(cols, "bbox", (4,)),
        "score": np.asarray(cols["score"], dtype=np.float32),
        "keypoints": kps,
    }


def empty_person_detections() -> Columns:
    """Person-detection columns with no rows."""
    return {
        "camera_id": np.zeros(0, np.uint32),
        "t_us": np.zeros(0, np.int64),
        "bbox": np.zeros((0, 4), np.float32),
        "score": np.zeros(0, np.float32),
        "keypoints": np.zeros((0, 17, 3), np.float32),
    }


def person_boxes_truth(session: Session) -> Columns | None:
    """The true person boxes per camera frame (``truth["person_boxes"]``), or None."""
    truth = session.truth or {}
    cols = truth.get("person_boxes")
    if cols is None:
        return None
    n = len(cols["t_us"])
    return {
        "camera_id": np.asarray(cols["camera_id"], dtype=np.uint32),
        "t_us": np.asarray(cols["t_us"], dtype=np.int64),
        "shopper": np.asarray(cols.get("shopper", np.zeros(n)), dtype=np.int64),
        "bbox": _rows(cols, "bbox", (4,)),
        "visible": np.asarray(cols.get("visible", np.ones(n)), dtype=np.float32),
    }
