"""Replay a session through the engine as a live store would feed it.

A session may hold every sensor stream (the simulator writes them all); which of them
an engine is fed is a *sensor set*:

==================  ===========================================================
``positions``       weight plates, gates, and the floor positions of an upstream
                    tracker (the store's own tracking system does the cameras)
``cameras``         weight plates, gates, camera person detections and thermal
                    blobs (the engine tracks shoppers itself)
``cameras+rfid``    the same and the RFID readers
``all``             the same and products detected in hands
``auto``            ``all`` when the session has camera or thermal data, else
                    ``positions`` (the default)
==================  ===========================================================

Positions and camera data are never fed together: they are two trackers of the same
shoppers, and fed both the engine would see every shopper twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from walkout import modalities
from walkout.engine import Engine
from walkout.modalities import REGISTRY, SENSOR_SET_NAMES, BatchHook, Columns
from walkout.session import Session
from walkout.ui import progress_bar

#: The modalities each named sensor set feeds (from :mod:`walkout.modalities`).
SENSOR_SETS: dict[str, tuple[str, ...]] = {
    name: modalities.sensor_set(name) for name in SENSOR_SET_NAMES
}
DEFAULT_SENSORS = "auto"


def session_modalities(session: Session) -> dict[str, Columns]:
    """Every sensor modality a session holds (``{name: columns}``), truth and meta aside."""
    return dict(session.streams)


def _tracks_from_cameras(session: Session) -> bool:
    return any(len(session.streams[m.name]["t_us"]) for m in REGISTRY.values() if m.tracks_shoppers)


def sensor_set(session: Session, sensors: str | Sequence[str] = DEFAULT_SENSORS) -> tuple[str, ...]:
    """The modality names a sensor set (a name of :data:`SENSOR_SETS`, ``"auto"``, or
    an explicit list of modality names) feeds for ``session``.

    Unknown names raise ``ValueError`` listing the known ones; so does a set that
    tracks shoppers from the cameras on a session without camera or thermal data (its
    receipts would be empty, not wrong by a little).
    """
    if not isinstance(sensors, str):
        names = tuple(sensors)
        for name in names:
            modalities.modality(name)
        return names
    if sensors == "auto":
        return SENSOR_SETS["all" if _tracks_from_cameras(session) else "positions"]
    names = modalities.sensor_set(sensors)
    needs_cameras = any(REGISTRY[n].tracks_shoppers for n in names)
    if needs_cameras and not _tracks_from_cameras(session):
        raise ValueError(
            f"sensor set {sensors!r} tracks shoppers from the cameras, but this session has "
            "no person detections or thermal blobs (use 'positions' or 'auto')"
        )
    return names


def replay(
    session: Session,
    *,
    engine: Engine | None = None,
    sensors: str | Sequence[str] = DEFAULT_SENSORS,
    chunk_s: float = 1.0,
    progress: bool = False,
    embeddings: bool = True,
    on_batch: BatchHook | None = None,
    on_step: Callable[[], None] | None = None,
) -> Engine:
    """Feed ``session`` to an engine (default: a new one for its store) in chunks of
    ``chunk_s`` seconds of sensor time, stepping to the watermark after each, then
    finish. ``sensors`` chooses the modalities (see the module docs); without
    ``embeddings`` the person detections go without their re-identification vectors.
    ``on_batch`` and ``on_step`` see what is fed (see :func:`feed`). Returns the
    finished engine.
    """
    engine = engine or Engine(session.config)
    chosen = {name: session.streams[name] for name in sensor_set(session, sensors)}
    if not embeddings and "person_detections" in chosen:
        chosen["person_detections"] = {
            k: v for k, v in chosen["person_detections"].items() if k != "embedding"
        }
    feed(
        engine,
        chosen,
        chunk_s=chunk_s,
        start_us=session.start_us,
        end_us=session.end_us,
        progress=progress,
        on_batch=on_batch,
        on_step=on_step,
    )
    return engine


def feed(
    engine: Engine,
    streams: Mapping[str, Columns],
    *,
    chunk_s: float = 1.0,
    start_us: int | None = None,
    end_us: int | None = None,
    progress: bool = False,
    on_batch: BatchHook | None = None,
    on_step: Callable[[], None] | None = None,
) -> None:
    """Feed sensor columns (``{modality: columns}``) to ``engine`` in time chunks of
    ``chunk_s``, stepping after each chunk, then finish. Each batch goes to the
    modality's ``engine.ingest_<name>`` (:func:`walkout.modalities.ingest`); then
    ``on_batch(name, arguments)`` sees it, and ``on_step()`` follows each step (how a
    recorder watches a replay). An unknown modality name raises ``ValueError``
    before anything is fed.
    """
    usable = {}
    for name, cols in streams.items():
        modalities.modality(name)
        if len(cols["t_us"]):
            order = np.argsort(cols["t_us"], kind="stable")
            usable[name] = {k: np.asarray(v)[order] for k, v in cols.items()}
    times = [c["t_us"] for c in usable.values()]
    if not times:
        engine.finish()
        return
    lo = start_us if start_us is not None else int(min(t[0] for t in times))
    hi = end_us if end_us is not None else int(max(t[-1] for t in times))
    step = max(1, int(chunk_s * 1e6))
    edges = np.arange(lo, hi + 2 * step, step, dtype=np.int64)
    edges[0], edges[-1] = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    cuts = {n: np.searchsorted(c["t_us"], edges) for n, c in usable.items()}
    with progress_bar("replaying", total=len(edges) - 1, enabled=progress) as advance:
        for i in range(len(edges) - 1):
            for name, cols in usable.items():
                a, b = cuts[name][i], cuts[name][i + 1]
                if b > a:
                    args = modalities.ingest(engine, name, {k: v[a:b] for k, v in cols.items()})
                    if on_batch is not None:
                        on_batch(name, args)
            engine.step()
            if on_step is not None:
                on_step()
            advance()
    engine.finish()
