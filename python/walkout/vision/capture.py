"""Frames from video files and streams (opencv), with sensor-clock timestamps.

A :class:`VideoSource` reads one camera; :func:`merge_sources` interleaves several in
time order. Timestamps are µs since the Unix epoch: ``start_us`` plus the stream's own
position (``CAP_PROP_POS_MSEC``) when it reports one, else the frame index over the
frame rate. Live streams (``rtsp://...``) may instead use the wall clock at grab time
(``clock="wall"``).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from os import PathLike

import cv2
import numpy as np


@dataclass
class Frame:
    """One camera frame: which camera, when (µs since the Unix epoch), BGR pixels."""

    camera_id: int
    t_us: int
    image: np.ndarray


class VideoSource:
    """One camera's frames from a file, device index or stream URL.

    ``every`` keeps every n-th frame (to run the detector at a lower rate);
    ``clock``: ``"stream"`` (timestamps from the stream position) or ``"wall"``.
    """

    def __init__(
        self,
        source: str | int | PathLike[str],
        camera_id: int,
        *,
        start_us: int = 0,
        fps: float | None = None,
        every: int = 1,
        clock: str = "stream",
    ) -> None:
        if clock not in ("stream", "wall"):
            raise ValueError(f"clock must be 'stream' or 'wall' (got {clock!r})")
        self.source = source if isinstance(source, int) else str(source)
        self.camera_id = int(camera_id)
        self.start_us = int(start_us)
        self.every = max(1, int(every))
        self.clock = clock
        self._cap = cv2.VideoCapture(self.source)
        if not self._cap.isOpened():
            raise OSError(f"cannot open video source {self.source!r}")
        reported = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps or (reported if reported and reported > 0 else 30.0))

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        try:
            while True:
                ok = self._cap.grab()
                if not ok:
                    return
                if index % self.every == 0:
                    t_us = self._timestamp(index)
                    ok, image = self._cap.retrieve()
                    if not ok:
                        return
                    yield Frame(self.camera_id, t_us, image)
                index += 1
        finally:
            self.close()

    def _timestamp(self, index: int) -> int:
        if self.clock == "wall":
            return time.time_ns() // 1000
        pos_ms = self._cap.get(cv2.CAP_PROP_POS_MSEC)
        # POS_MSEC is the time of the frame just grabbed for most backends; fall back to
        # the index when a backend reports nothing.
        if pos_ms and pos_ms > 0 or index == 0:
            offset = round(pos_ms * 1000) if pos_ms and pos_ms > 0 else 0
        else:
            offset = round(index * 1e6 / self.fps)
        return self.start_us + offset

    def close(self) -> None:
        """Release the capture."""
        self._cap.release()


def merge_sources(sources: Iterable[Iterable[Frame]]) -> Iterator[Frame]:
    """Frames of several cameras in one stream, in timestamp order (ties by camera)."""
    return heapq.merge(*sources, key=lambda f: (f.t_us, f.camera_id))


def write_video(
    frames: Iterable[np.ndarray], path: str | PathLike[str], fps: float, fourcc: str = "mp4v"
) -> int:
    """Write BGR frames to a video file; returns the number written."""
    writer: cv2.VideoWriter | None = None
    n = 0
    try:
        for img in frames:
            if writer is None:
                h, w = img.shape[:2]
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
                if not writer.isOpened():
                    raise OSError(f"cannot write video {path}")
            writer.write(img)
            n += 1
    finally:
        if writer is not None:
            writer.release()
    return n
