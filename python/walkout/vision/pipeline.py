"""The video path end to end: frames -> person detector -> engine -> receipts.

:func:`run_video` takes a simulated/recorded :class:`~walkout.session.Session` (its
camera frames are rendered from the session's data, see :mod:`walkout.vision.synthetic`)
or any stream of :class:`~walkout.vision.capture.Frame` (video files, live cameras),
detects persons in them, and feeds the detections to an engine together with the
session's other sensor modalities, in time chunks as a live store would.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from walkout.engine import Engine
from walkout.session import Columns, Session
from walkout.ui import progress_bar
from walkout.vision.capture import Frame
from walkout.vision.detector import PersonDetector, concat_columns

#: Session modalities the video path replaces (the cameras' person detections come
#: from the video instead).
REPLACED = ("person_detections",)


@dataclass
class VideoRun:
    """What :func:`run_video` did: the finished engine, the detections it fed, how many
    frames it ran through the detector and how long detection took."""

    engine: Engine
    detections: Columns
    frames: int
    detect_s: float

    @property
    def fps(self) -> float:
        """Frames per second through render/capture + detector (all cameras together)."""
        return self.frames / self.detect_s if self.detect_s > 0 else float("nan")


def session_modalities(session: Session) -> dict[str, Columns]:
    """Every sensor modality a session holds (``{name: columns}``), truth and meta aside."""
    names = [f.name for f in fields(session)] + list(vars(session))
    out: dict[str, Columns] = {}
    for name in dict.fromkeys(names):
        value = getattr(session, name, None)
        if name not in ("truth", "meta") and isinstance(value, Mapping) and "t_us" in value:
            out[name] = dict(value)
    return out


def session_frames(session: Session, every: int = 1) -> Iterable[Frame]:
    """Camera frames of a session rendered from its data (:mod:`walkout.vision.synthetic`),
    in time order, every ``every``-th frame of each camera."""
    from walkout.vision.synthetic import SessionRenderer

    renderer = SessionRenderer(session)
    for f in renderer.frames(every):
        yield Frame(f.camera_id, f.t_us, f.image)


def detect_frames(
    frames: Iterable[Frame],
    detector: PersonDetector,
    *,
    batch_size: int = 8,
    progress_total: int | None = None,
) -> tuple[Columns, int, float]:
    """Run the detector over ``frames``; (columns, frame count, seconds)."""
    parts, count, t0 = [], 0, time.perf_counter()
    enabled = progress_total is not None
    with progress_bar("detecting", total=progress_total or 0, enabled=enabled) as advance:
        batch: list[Frame] = []
        for f in frames:
            batch.append(f)
            if len(batch) >= batch_size:
                parts.append(detector.columns(batch, detector.detect(batch)))
                count += len(batch)
                for _ in batch:
                    advance()
                batch = []
        if batch:
            parts.append(detector.columns(batch, detector.detect(batch)))
            count += len(batch)
    return concat_columns(parts), count, time.perf_counter() - t0


def feed(
    engine: Engine,
    modalities: Mapping[str, Columns],
    *,
    chunk_s: float = 1.0,
    start_us: int | None = None,
    end_us: int | None = None,
) -> list[str]:
    """Feed sensor columns to ``engine`` in time chunks of ``chunk_s``, stepping after
    each chunk, then finish. Each modality goes to ``engine.ingest_<name>`` with its
    columns passed by parameter name (a box stored as x1..y2 columns goes as ``bbox``,
    a centroid stored as cx, cy as ``centroid``); returns the modalities the engine has
    no ingest method for (skipped)."""
    usable, skipped = {}, []
    for name, cols in modalities.items():
        method = getattr(engine, f"ingest_{name}", None)
        if method is None:
            skipped.append(name)
        elif len(cols["t_us"]):
            order = np.argsort(cols["t_us"], kind="stable")
            usable[name] = (method, {k: np.asarray(v)[order] for k, v in cols.items()})
    times = [c["t_us"] for _, c in usable.values()]
    if not times:
        engine.finish()
        return skipped
    lo = start_us if start_us is not None else int(min(t[0] for t in times))
    hi = end_us if end_us is not None else int(max(t[-1] for t in times))
    step = max(1, int(chunk_s * 1e6))
    edges = np.arange(lo, hi + 2 * step, step, dtype=np.int64)
    edges[0], edges[-1] = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    cuts = {n: np.searchsorted(c["t_us"], edges) for n, (_, c) in usable.items()}
    for i in range(len(edges) - 1):
        for name, (method, cols) in usable.items():
            a, b = cuts[name][i], cuts[name][i + 1]
            if b > a:
                method(**_arguments(method, {k: v[a:b] for k, v in cols.items()}))
        engine.step()
    engine.finish()
    return skipped


#: Engine parameters that sessions store as several flat columns.
_COMPOSED = {"bbox": ("x1", "y1", "x2", "y2"), "centroid": ("cx", "cy")}


def _arguments(method: object, cols: Columns) -> dict[str, object]:
    params = inspect.signature(method).parameters  # type: ignore[arg-type]
    args: dict[str, object] = {}
    for p in params:
        if p in cols:
            v = cols[p]
            args[p] = list(v) if v.dtype == object else v
        elif p in _COMPOSED and all(c in cols for c in _COMPOSED[p]):
            args[p] = np.stack([cols[c] for c in _COMPOSED[p]], axis=1)
    return args


def run_video(
    source: Session | Iterable[Frame],
    engine: Engine | None = None,
    *,
    detector: PersonDetector | None = None,
    every: int = 1,
    drop: Sequence[str] = (),
    batch_size: int = 8,
    chunk_s: float = 1.0,
    progress: bool = False,
) -> VideoRun:
    """Video -> detector -> engine -> receipts.

    ``source``: a session (its frames are rendered from its data, and its other
    modalities -- weights, gates, ... -- are fed beside the video's detections, except
    those named in ``drop``, e.g. ``("positions",)`` for cameras as the only tracker),
    or a stream of frames (then ``engine`` is required and only detections are fed).
    ``every``: run the detector on every n-th frame of each camera.
    """
    detector = detector or PersonDetector()
    if isinstance(source, Session):
        engine = engine or Engine(source.config)
        total = len(_frame_times(source, every)) if progress else None
        dets, count, secs = detect_frames(
            session_frames(source, every), detector, batch_size=batch_size, progress_total=total
        )
        mods = {
            k: v
            for k, v in session_modalities(source).items()
            if k not in REPLACED and k not in drop
        }
        mods["person_detections"] = dets
        feed(engine, mods, chunk_s=chunk_s, start_us=source.start_us, end_us=source.end_us)
        return VideoRun(engine, dets, count, secs)
    if engine is None:
        raise ValueError("run_video over a frame stream needs an engine (its store config)")
    dets, count, secs = detect_frames(source, detector, batch_size=batch_size)
    feed(engine, {"person_detections": dets}, chunk_s=chunk_s)
    return VideoRun(engine, dets, count, secs)


def _frame_times(session: Session, every: int) -> list[tuple[int, int]]:
    from walkout.vision.synthetic import SessionRenderer

    return SessionRenderer(session).frame_times(every)
