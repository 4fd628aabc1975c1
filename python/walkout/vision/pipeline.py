"""The video path end to end: frames -> person detector -> engine -> receipts.

:func:`run_video` takes a simulated/recorded :class:`~walkout.session.Session` (its
camera frames are rendered from the session's data, see :mod:`walkout.vision.synthetic`)
or any stream of :class:`~walkout.vision.capture.Frame` (video files, live cameras),
detects persons in them, and feeds the detections to an engine together with the
session's other sensor modalities, in time chunks as a live store would.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from walkout.engine import Engine
from walkout.replay import feed, sensor_set, session_modalities
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


def run_video(
    source: Session | Iterable[Frame],
    engine: Engine | None = None,
    *,
    detector: PersonDetector | None = None,
    every: int = 1,
    sensors: str | Sequence[str] = "all",
    batch_size: int = 8,
    chunk_s: float = 1.0,
    progress: bool = False,
) -> VideoRun:
    """Video -> detector -> engine -> receipts.

    ``source``: a session (its frames are rendered from its data, and the other
    modalities of the sensor set ``sensors`` -- see :mod:`walkout.replay` -- are fed
    beside the video's person detections, which replace the session's own), or a stream
    of frames (then ``engine`` is required and only detections are fed). ``every``: run
    the detector on every n-th frame of each camera.
    """
    detector = detector or PersonDetector()
    if isinstance(source, Session):
        engine = engine or Engine(source.config)
        total = len(_frame_times(source, every)) if progress else None
        dets, count, secs = detect_frames(
            session_frames(source, every), detector, batch_size=batch_size, progress_total=total
        )
        mods = session_modalities(source)
        chosen = {k: mods[k] for k in sensor_set(source, sensors) if k in mods}
        chosen.update({k: dets for k in REPLACED})
        feed(engine, chosen, chunk_s=chunk_s, start_us=source.start_us, end_us=source.end_us)
        return VideoRun(engine, dets, count, secs)
    if engine is None:
        raise ValueError("run_video over a frame stream needs an engine (its store config)")
    dets, count, secs = detect_frames(source, detector, batch_size=batch_size)
    feed(engine, {"person_detections": dets}, chunk_s=chunk_s)
    return VideoRun(engine, dets, count, secs)


def _frame_times(session: Session, every: int) -> list[tuple[int, int]]:
    from walkout.vision.synthetic import SessionRenderer

    return SessionRenderer(session).frame_times(every)
