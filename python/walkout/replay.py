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

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import fields

import numpy as np

from walkout.engine import Engine
from walkout.session import Columns, Session
from walkout.ui import progress_bar

SENSOR_SETS: dict[str, tuple[str, ...]] = {
    "positions": ("weights", "gates", "positions"),
    "cameras": ("weights", "gates", "person_detections", "thermal_blobs"),
    "cameras+rfid": ("weights", "gates", "person_detections", "thermal_blobs", "rfid_reads"),
    "all": (
        "weights",
        "gates",
        "person_detections",
        "thermal_blobs",
        "rfid_reads",
        "product_detections",
    ),
}
DEFAULT_SENSORS = "auto"
#: Modalities that track shoppers; a sensor set has those of one tracker only.
_CAMERA_TRACKING = ("person_detections", "thermal_blobs")


def session_modalities(session: Session) -> dict[str, Columns]:
    """Every sensor modality a session holds (``{name: columns}``), truth and meta aside."""
    names = [f.name for f in fields(session)] + list(vars(session))
    out: dict[str, Columns] = {}
    for name in dict.fromkeys(names):
        value = getattr(session, name, None)
        if name not in ("truth", "meta") and isinstance(value, Mapping) and "t_us" in value:
            out[name] = dict(value)
    return out


def sensor_set(session: Session, sensors: str | Sequence[str] = DEFAULT_SENSORS) -> tuple[str, ...]:
    """The modality names a sensor set (a name of :data:`SENSOR_SETS`, ``"auto"``, or
    an explicit list of modality names) feeds for ``session``."""
    if not isinstance(sensors, str):
        return tuple(sensors)
    if sensors == "auto":
        has_cameras = any(len(getattr(session, m)["t_us"]) for m in _CAMERA_TRACKING)
        return SENSOR_SETS["all" if has_cameras else "positions"]
    if sensors not in SENSOR_SETS:
        known = ", ".join([*SENSOR_SETS, "auto"])
        raise ValueError(f"unknown sensor set {sensors!r} (known: {known})")
    return SENSOR_SETS[sensors]


def replay(
    session: Session,
    *,
    engine: Engine | None = None,
    sensors: str | Sequence[str] = DEFAULT_SENSORS,
    chunk_s: float = 1.0,
    progress: bool = False,
    embeddings: bool = True,
) -> Engine:
    """Feed ``session`` to an engine (default: a new one for its store) in chunks of
    ``chunk_s`` seconds of sensor time, stepping to the watermark after each, then
    finish. ``sensors`` chooses the modalities (see the module docs); without
    ``embeddings`` the person detections go without their re-identification vectors.
    Returns the finished engine.
    """
    engine = engine or Engine(session.config)
    mods = session_modalities(session)
    chosen = {name: mods[name] for name in sensor_set(session, sensors) if name in mods}
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
    )
    return engine


def feed(
    engine: Engine,
    modalities: Mapping[str, Columns],
    *,
    chunk_s: float = 1.0,
    start_us: int | None = None,
    end_us: int | None = None,
    progress: bool = False,
) -> list[str]:
    """Feed sensor columns to ``engine`` in time chunks of ``chunk_s``, stepping after
    each chunk, then finish. Each modality goes to ``engine.ingest_<name>`` with its
    columns passed by parameter name (a box stored as x1..y2 columns goes as ``bbox``,
    a centroid stored as cx, cy as ``centroid``); returns the modalities the engine has
    no ingest method for (skipped)."""
    usable, skipped = {}, []
    for name, cols in modalities.items():
        if getattr(engine, f"ingest_{name}", None) is None:
            skipped.append(name)
        elif len(cols["t_us"]):
            order = np.argsort(cols["t_us"], kind="stable")
            usable[name] = {k: np.asarray(v)[order] for k, v in cols.items()}
    times = [c["t_us"] for c in usable.values()]
    if not times:
        engine.finish()
        return skipped
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
                    ingest(engine, name, {k: v[a:b] for k, v in cols.items()})
            engine.step()
            advance()
    engine.finish()
    return skipped


#: Engine parameters that sessions store as several flat columns.
_COMPOSED = {"bbox": ("x1", "y1", "x2", "y2"), "centroid": ("cx", "cy")}


def ingest(engine: Engine, modality: str, cols: Columns) -> None:
    """Pass one batch of session columns to ``engine.ingest_<modality>``, by parameter
    name (a box stored as x1..y2 columns goes as ``bbox``, a centroid stored as cx, cy
    as ``centroid``)."""
    method = getattr(engine, f"ingest_{modality}")
    args: dict[str, object] = {}
    for p in inspect.signature(method).parameters:
        if p in cols:
            v = cols[p]
            args[p] = list(v) if v.dtype == object else v
        elif p in _COMPOSED and all(c in cols for c in _COMPOSED[p]):
            args[p] = np.stack([cols[c] for c in _COMPOSED[p]], axis=1)
    method(**args)
