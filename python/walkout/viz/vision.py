"""Camera and thermal sensors: what each camera detected, in its own image.

- Person detections: boxes (``store/cameras/<id>/people``) and COCO keypoints with their
  skeleton (``store/cameras/<id>/keypoints``), logged under the camera's pinhole, so
  that a 2D view of the camera shows them in image pixels (and the 3D store, projected
  through the camera, beside them).
- Product detections: boxes labelled with the SKU of their vision class
  (``store/cameras/<id>/products``).
- Thermal blobs: circles of the blob's area in the thermal image
  (``sensors/thermal/<id>/blobs``, a 2D space of its own, outlined by
  ``sensors/thermal/<id>/frame``) and on the floor through the camera's homography
  (``store/thermal/<id>/blobs``, in the 3D store).

Large sessions stay usable because frames are decimated per sensor (:class:`FrameGate`):
at most one frame per ``interval_s`` (the first of each interval on the sensor clock),
and what a sensor showed is cleared (an empty frame) once it has sent nothing for
``hold_s``, so stale boxes never linger in the view. Frames are sent in columns, a
sensor's frames held back for up to ``latency_s`` of sensor time (or
:data:`MAX_BATCH_FRAMES` frames) so that each chunk of the recording holds many: every
chunk costs about 1.5 kB of its own in an ``.rrd`` file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import rerun as rr

from walkout import _core
from walkout.config import StoreConfig
from walkout.viz import paths, style

COCO_KEYPOINTS: tuple[str, ...] = _core.COCO_KEYPOINTS
COCO_SKELETON = (
    (15, 13),
    (13, 11),
    (16, 14),
    (14, 12),
    (11, 12),
    (5, 11),
    (6, 12),
    (5, 6),
    (5, 7),
    (6, 8),
    (7, 9),
    (8, 10),
    (1, 2),
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (3, 5),
    (4, 6),
)
# Rerun joins the keypoints of one class id in one entity into one skeleton, so each
# person of a frame gets a class id of its own (its slot in the frame), all described
# alike. More persons than slots in one camera frame share skeletons (wrongly joined).
_SLOTS = 32
_FLOOR_Z_M = 0.03
DEFAULT_FRAME_INTERVAL_S = 0.2
DEFAULT_LATENCY_S = 2.0
MAX_BATCH_FRAMES = 256


def default_hold_s(interval_s: float) -> float:
    """How long a sensor's last frame stays shown without a newer one."""
    return max(0.5, 2.0 * interval_s)


class FrameGate:
    """Which frames of each sensor to log, and when to clear what a sensor showed.

    A frame is all rows of one sensor with one time. Per sensor, the first frame of each
    ``interval_s`` of sensor time is kept (every frame when ``interval_s`` is 0); frames
    of an interval already logged are skipped (``skipped``). When a sensor's next kept
    frame comes more than ``hold_s`` after the last one, or :meth:`expire` passes that
    point, the last frame is cleared at its time + ``hold_s``.
    """

    def __init__(self, interval_s: float, hold_s: float) -> None:
        if interval_s < 0 or hold_s <= 0:
            raise ValueError("a frame interval is >= 0 and a hold time > 0")
        self.interval_us = int(interval_s * 1e6)
        self.hold_us = max(1, int(hold_s * 1e6))
        self._last_bin: dict[int, int] = {}
        self._shown: dict[int, int] = {}  # sensor -> time of its last frame, still shown
        self.skipped = 0

    def select(self, key: int, frame_t: np.ndarray) -> tuple[list[int], list[int]]:
        """For one sensor's frames (sorted, distinct times): the times to log and, for
        each, the index of its frame in ``frame_t`` or -1 for a clear."""
        bins = frame_t // self.interval_us if self.interval_us > 0 else frame_t
        keep = np.r_[True, bins[1:] != bins[:-1]]
        last = self._last_bin.get(key)
        if last is not None:
            keep &= bins > last
        idx = np.flatnonzero(keep)
        self.skipped += len(frame_t) - len(idx)
        times: list[int] = []
        frames: list[int] = []
        if not len(idx):
            return times, frames
        self._last_bin[key] = int(bins[idx[-1]])
        shown = self._shown.get(key)
        for i in idx.tolist():
            t = int(frame_t[i])
            if shown is not None and t - shown > self.hold_us:
                times.append(shown + self.hold_us)
                frames.append(-1)
            times.append(t)
            frames.append(i)
            shown = t
        assert shown is not None  # idx is not empty
        self._shown[key] = int(shown)
        return times, frames

    def expire(self, until_us: int | None) -> list[tuple[int, int]]:
        """``(sensor, time)`` of the clears due by ``until_us`` (all if None)."""
        due = [
            (k, t + self.hold_us)
            for k, t in self._shown.items()
            if until_us is None or t + self.hold_us <= until_us
        ]
        for k, _ in due:
            del self._shown[k]
        return due


def _partition_rows(lengths: list[int]) -> np.ndarray:
    """Each row's position within its frame (0, 1, ... per frame)."""
    if not lengths:
        return np.empty(0, dtype=np.int64)
    total = int(sum(lengths))
    starts = np.repeat(np.cumsum([0, *lengths[:-1]]), lengths)
    position: np.ndarray = np.arange(total) - starts
    return position


@dataclass
class _Pending:
    times: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    cols: list[Mapping[str, np.ndarray]] = field(default_factory=list)


def _ints(values: Any) -> np.ndarray:
    """A column of a batch as 1-D int64 (sensor ids, times, classes)."""
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _floats(values: Any, *tail: int) -> np.ndarray:
    """A column of a batch as float64 rows of shape ``tail`` (1-D when none)."""
    return np.asarray(values, dtype=np.float64).reshape(-1, *tail)


class _FrameLayer:
    """Frames of one kind of detection, one set of entities per sensor (decimated,
    cleared after ``hold_s``, sent in batches). Subclasses say what to log."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        interval_s: float,
        hold_s: float | None,
        latency_s: float = DEFAULT_LATENCY_S,
    ) -> None:
        self._rec = rec
        self.gate = FrameGate(interval_s, default_hold_s(interval_s) if hold_s is None else hold_s)
        self._latency_us = int(latency_s * 1e6)
        self._empty: dict[str, np.ndarray] = {}
        self._styled: set[int] = set()
        self._pending: dict[int, _Pending] = {}
        self.frames = 0  # frames logged (not counting clears)
        self.clears = 0

    def _wants(self, key: int) -> bool:
        return True

    def _add(self, sensor: np.ndarray, t_us: np.ndarray, cols: Mapping[str, np.ndarray]) -> None:
        if not len(t_us):
            return
        order = np.lexsort((t_us, sensor))
        sensor, t_us = sensor[order], t_us[order]
        cols = {k: v[order] for k, v in cols.items()}
        self._empty = {k: v[:0] for k, v in cols.items()}
        cuts = np.flatnonzero(np.r_[True, sensor[1:] != sensor[:-1], True])
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            key = int(sensor[a])
            if not self._wants(key):
                continue
            tk = t_us[a:b]
            starts = np.flatnonzero(np.r_[True, tk[1:] != tk[:-1]])
            ends = np.r_[starts[1:], len(tk)]
            times, frames = self.gate.select(key, tk[starts])
            if not times:
                continue
            lengths = [int(ends[f] - starts[f]) if f >= 0 else 0 for f in frames]
            picked = [np.arange(starts[f], ends[f]) + a for f in frames if f >= 0]
            rows = np.concatenate(picked)
            self._emit(key, times, lengths, {k: v[rows] for k, v in cols.items()})
            n_clears = frames.count(-1)
            self.frames += len(frames) - n_clears
            self.clears += n_clears

    def flush(self, until_us: int | None) -> None:
        """Clear the sensors that have shown nothing new for ``hold_s`` by ``until_us``,
        and send the frames held back longer than ``latency_s`` (everything if None)."""
        for key, t in self.gate.expire(until_us):
            self._emit(key, [t], [0], self._empty)
            self.clears += 1
        for key in list(self._pending):
            first = self._pending[key].times[0]
            if until_us is None or first <= until_us - self._latency_us:
                self._send_pending(key)

    def _emit(
        self, key: int, times: list[int], lengths: list[int], cols: Mapping[str, np.ndarray]
    ) -> None:
        pending = self._pending.setdefault(key, _Pending())
        pending.times += times
        pending.lengths += lengths
        pending.cols.append(cols)
        if len(pending.times) >= MAX_BATCH_FRAMES:
            self._send_pending(key)

    def _send_pending(self, key: int) -> None:
        pending = self._pending.pop(key)
        if key not in self._styled:
            self._styled.add(key)
            self._style(key)
        cols = {k: np.concatenate([c[k] for c in pending.cols]) for k in pending.cols[0]}
        index = paths.time_column(np.asarray(pending.times, dtype=np.int64))
        self._send(key, index, pending.lengths, cols)

    def _style(self, key: int) -> None:
        """Static styling of a sensor's entities, before its first frame."""

    def _send(
        self, key: int, index: rr.TimeColumn, lengths: list[int], cols: Mapping[str, np.ndarray]
    ) -> None:
        raise NotImplementedError


def _box_columns(bbox: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = _floats(bbox, 4)
    centers = np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])
    half = np.column_stack([np.abs(b[:, 2] - b[:, 0]) / 2, np.abs(b[:, 3] - b[:, 1]) / 2])
    return centers, half


class _CameraLayer(_FrameLayer):
    """A frame layer of the cameras' detections, drawn for ``cameras`` only (all when
    None)."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        cameras: Collection[int] | None,
        interval_s: float,
        hold_s: float | None,
        latency_s: float,
    ) -> None:
        super().__init__(rec, interval_s, hold_s, latency_s)
        self._cameras = None if cameras is None else {int(c) for c in cameras}

    def _wants(self, key: int) -> bool:
        return self._cameras is None or key in self._cameras


class PersonLayer(_CameraLayer):
    """Person boxes and COCO keypoints per camera, in the camera's image."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        *,
        cameras: Collection[int] | None = None,
        interval_s: float = DEFAULT_FRAME_INTERVAL_S,
        hold_s: float | None = None,
        latency_s: float = DEFAULT_LATENCY_S,
    ) -> None:
        super().__init__(rec, cameras, interval_s, hold_s, latency_s)
        self._with_keypoints: set[int] = set()
        self.keypoints = 0

    def add(
        self,
        camera_id: Any,
        t_us: Any,
        bbox: Any,
        score: Any,
        keypoints: Any | None = None,
    ) -> None:
        """A batch as given to ``engine.ingest_person_detections``."""
        t = _ints(t_us)
        cols = {
            "bbox": _floats(bbox, 4),
            "score": _floats(score),
        }
        if keypoints is not None:
            cols["keypoints"] = _floats(keypoints, 17, 3)
        else:
            cols["keypoints"] = np.zeros((len(t), 17, 3))
        self._add(_ints(camera_id), t, cols)

    def _style(self, key: int) -> None:
        self._rec.log(
            paths.camera_people(key), rr.Boxes2D.from_fields(colors=[style.PERSON]), static=True
        )
        self._rec.log(
            paths.camera_keypoints(key), rr.Points2D.from_fields(show_labels=False), static=True
        )

    def _send(
        self, key: int, index: rr.TimeColumn, lengths: list[int], cols: Mapping[str, np.ndarray]
    ) -> None:
        centers, half = _box_columns(cols["bbox"])
        labels = [f"person {s:.2f}" for s in cols["score"].tolist()]
        self._rec.send_columns(
            paths.camera_people(key),
            indexes=[index],
            columns=rr.Boxes2D.columns(centers=centers, half_sizes=half, labels=labels).partition(
                lengths
            ),
        )
        kp = cols["keypoints"]
        seen = kp[:, :, 2] > 0  # confidence 0: a joint not seen
        if not seen.any() and key not in self._with_keypoints:
            return  # this camera has not sent keypoints: nothing to clear either
        self._with_keypoints.add(key)
        slot = np.repeat(_partition_rows(lengths) % _SLOTS, 17).reshape(-1, 17)
        joint = np.broadcast_to(np.arange(17), seen.shape)
        per_row = seen.sum(axis=1)
        bounds = np.cumsum([0, *lengths])
        kp_lengths = [int(per_row[a:b].sum()) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self._rec.send_columns(
            paths.camera_keypoints(key),
            indexes=[index],
            columns=rr.Points2D.columns(
                positions=kp[seen][:, :2].reshape(-1, 2),
                class_ids=slot[seen].astype(np.uint16),
                keypoint_ids=joint[seen].astype(np.uint16),
            ).partition(kp_lengths),
        )
        self.keypoints += int(seen.sum())


class ProductLayer(_CameraLayer):
    """Product boxes per camera, labelled with the SKU of their vision class."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        config: StoreConfig,
        *,
        cameras: Collection[int] | None = None,
        interval_s: float = DEFAULT_FRAME_INTERVAL_S,
        hold_s: float | None = None,
        latency_s: float = DEFAULT_LATENCY_S,
    ) -> None:
        super().__init__(rec, cameras, interval_s, hold_s, latency_s)
        self._sku = {p.vision_class: p.sku for p in config.products if p.vision_class is not None}

    def add(self, camera_id: Any, t_us: Any, bbox: Any, class_id: Any, score: Any) -> None:
        """A batch as given to ``engine.ingest_product_detections``."""
        cols = {
            "bbox": _floats(bbox, 4),
            "class_id": _ints(class_id),
            "score": _floats(score),
        }
        self._add(_ints(camera_id), _ints(t_us), cols)

    def _send(
        self, key: int, index: rr.TimeColumn, lengths: list[int], cols: Mapping[str, np.ndarray]
    ) -> None:
        centers, half = _box_columns(cols["bbox"])
        classes = cols["class_id"].tolist()
        labels = [
            f"{self._sku.get(c, f'class {c}')} {s:.2f}"
            for c, s in zip(classes, cols["score"].tolist(), strict=True)
        ]
        colors = np.array([style.series_color(c) for c in classes], dtype=np.uint8).reshape(-1, 3)
        self._rec.send_columns(
            paths.camera_products(key),
            indexes=[index],
            columns=rr.Boxes2D.columns(
                centers=centers, half_sizes=half, labels=labels, colors=colors
            ).partition(lengths),
        )


class ThermalLayer(_FrameLayer):
    """Thermal blobs in each thermal camera's image and on the floor."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        config: StoreConfig,
        *,
        interval_s: float = DEFAULT_FRAME_INTERVAL_S,
        hold_s: float | None = None,
        latency_s: float = DEFAULT_LATENCY_S,
    ) -> None:
        super().__init__(rec, interval_s, hold_s, latency_s)
        self._h = {
            cam.id: np.asarray(cam.homography, dtype=np.float64) for cam in config.thermal_cameras
        }

    def _wants(self, key: int) -> bool:
        return key in self._h

    def add(
        self, camera_id: Any, t_us: Any, centroid: Any, area_px: Any, temperature_c: Any
    ) -> None:
        """A batch as given to ``engine.ingest_thermal_blobs``."""
        cols = {
            "centroid": _floats(centroid, 2),
            "area_px": _floats(area_px),
            "temperature_c": _floats(temperature_c),
        }
        self._add(_ints(camera_id), _ints(t_us), cols)

    def floor(self, key: int, centroid: np.ndarray, area_px: np.ndarray) -> np.ndarray:
        """Floor points ``(N, 3)`` (x, y, radius in m) of blobs of thermal camera ``key``:
        the centroid through the homography, the radius of a disc of the blob's area."""
        h = self._h[key]
        r_px = np.sqrt(np.maximum(area_px, 0.0) / np.pi)

        def project(px: np.ndarray) -> np.ndarray:
            q = np.column_stack([px, np.ones(len(px))]) @ h.T
            return q[:, :2] / q[:, 2:3]

        xy = project(centroid)
        edge = project(centroid + np.column_stack([r_px, np.zeros(len(r_px))]))
        return np.column_stack([xy, np.linalg.norm(edge - xy, axis=1)])

    def _style(self, key: int) -> None:
        self._rec.log(
            paths.thermal_floor(key), rr.Points3D.from_fields(show_labels=False), static=True
        )

    def _send(
        self, key: int, index: rr.TimeColumn, lengths: list[int], cols: Mapping[str, np.ndarray]
    ) -> None:
        c, area, temp = cols["centroid"], cols["area_px"], cols["temperature_c"]
        labels = [
            f"{t:.1f} °C · {a:.0f} px²" for t, a in zip(temp.tolist(), area.tolist(), strict=True)
        ]
        colors = np.array([style.temperature_color(t) for t in temp.tolist()], dtype=np.uint8)
        colors = colors.reshape(-1, 3)
        self._rec.send_columns(
            paths.thermal_blobs(key),
            indexes=[index],
            columns=rr.Points2D.columns(
                positions=c, radii=np.sqrt(np.maximum(area, 0.0) / np.pi), colors=colors
            ).partition(lengths),
        )
        floor = self.floor(key, c, area)
        self._rec.send_columns(
            paths.thermal_floor(key),
            indexes=[index],
            columns=rr.Points3D.columns(
                positions=np.column_stack([floor[:, :2], np.full(len(floor), _FLOOR_Z_M)]),
                radii=floor[:, 2],
                colors=colors,
                labels=labels,
            ).partition(lengths),
        )


def log_vision_static(rec: rr.RecordingStream, config: StoreConfig) -> None:
    """The keypoint skeleton for every camera, and each thermal image's outline."""
    if config.cameras:
        side = [
            style.JOINT_CENTRE
            if i == 0
            else style.JOINT_LEFT
            if name.startswith("left")
            else style.JOINT_RIGHT
            for i, name in enumerate(COCO_KEYPOINTS)
        ]
        joints = [
            rr.AnnotationInfo(id=i, label=name, color=side[i])
            for i, name in enumerate(COCO_KEYPOINTS)
        ]
        rec.log(
            paths.CAMERAS,
            rr.AnnotationContext(
                [
                    rr.ClassDescription(
                        info=rr.AnnotationInfo(id=slot, label="person", color=style.PERSON),
                        keypoint_annotations=joints,
                        keypoint_connections=COCO_SKELETON,
                    )
                    for slot in range(_SLOTS)
                ]
            ),
            static=True,
        )
    for cam in config.thermal_cameras:
        rec.log(
            paths.thermal_frame(cam.id),
            rr.Boxes2D(
                mins=[(0.0, 0.0)],
                sizes=[(cam.width, cam.height)],
                colors=[style.THERMAL],
                labels=[f"thermal {cam.id} ({cam.width}×{cam.height} px)"],
                show_labels=False,
            ),
            static=True,
        )
