"""The sensor modalities walkout ingests: one definition each.

A *modality* is one kind of sensor stream: weight samples, tracker positions, gate
events, camera person and product detections, thermal blobs, RFID reads. Each has a
name (the session file's stem, the :class:`walkout.session.Session` attribute and the
``Engine.ingest_<name>`` method), the columns a session file stores with their Arrow
types, and how those columns map to the engine's arguments (a box stored as four
columns ``x1 y1 x2 y2`` goes to the engine as one ``bbox`` argument).

Everything that handles modalities reads this registry: session files (schemas,
optional files and columns, nulls), the simulator wrapper, replay (which modalities a
sensor set feeds, and how), the Rerun recorder and the tests. The core mirrors it with
one input batch type per modality (``walkout-core/src/input.rs``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

KEYPOINTS = 17
KEYPOINT_VALUES = KEYPOINTS * 3

#: A modality's columns in memory: numpy arrays by column name.
Columns = dict[str, np.ndarray]

#: The named sensor sets (see :mod:`walkout.replay`), in the order they are listed.
SENSOR_SET_NAMES = ("positions", "cameras", "cameras+rfid", "all")
_ALWAYS = frozenset(SENSOR_SET_NAMES)


@dataclass(frozen=True)
class Column:
    """One stored column of a modality file."""

    name: str
    type: pa.DataType
    nullable: bool = False
    """Whether the column may hold nulls (only a gate event's token)."""
    shape: tuple[int, ...] = ()
    """The shape of one row in memory, for a fixed-size list column (keypoints are
    ``(17, 3)``); empty for scalars."""


@dataclass(frozen=True)
class Modality:
    """One sensor modality: its stored columns and how they feed the engine."""

    name: str
    columns: tuple[Column, ...]
    arguments: tuple[str, ...]
    """The engine's ``ingest_<name>`` arguments, in order."""
    composed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Arguments stored as several flat columns (``bbox`` as ``x1 y1 x2 y2``)."""
    optional_columns: tuple[str, ...] = ()
    """Columns a file may have beyond its schema: fixed-size lists of float32 of any
    length (the length is the data's, not the format's)."""
    required: bool = False
    """Whether every session has this file (older sessions and stores without the
    sensor lack the others; they read back as empty columns)."""
    tracks_shoppers: bool = False
    """Whether the engine tracks shoppers from it (camera and thermal data). Upstream
    positions are another tracker of the same shoppers: the two are never fed together."""
    sensor_sets: frozenset[str] = _ALWAYS
    """The named sensor sets that feed this modality."""

    @property
    def method(self) -> str:
        """The engine method that ingests this modality."""
        return f"ingest_{self.name}"

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the session file (without the optional columns)."""
        return pa.schema([(c.name, c.type) for c in self.columns])

    def column(self, name: str) -> Column:
        """The stored column ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def empty(self) -> Columns:
        """Zero-row columns with the dtypes a session file reads back with."""
        out: Columns = {}
        for c in self.columns:
            if pa.types.is_fixed_size_list(c.type):
                out[c.name] = np.zeros((0, *c.shape), dtype=np.float32)
            elif pa.types.is_string(c.type):
                out[c.name] = np.array([], dtype=object)
            else:
                out[c.name] = np.array([], dtype=c.type.to_pandas_dtype())
        return out

    def engine_arguments(self, cols: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of ``Engine.ingest_<name>`` for one batch of stored
        columns; arguments with no column in ``cols`` (an optional one) are left out."""
        args: dict[str, Any] = {}
        for name in self.arguments:
            if name in cols:
                v = cols[name]
                # Text columns (object arrays of str / None) go as Python sequences.
                args[name] = list(v) if isinstance(v, np.ndarray) and v.dtype == object else v
            elif name in self.composed and all(c in cols for c in self.composed[name]):
                args[name] = np.stack([np.asarray(cols[c]) for c in self.composed[name]], axis=1)
        return args


def _u32(name: str) -> Column:
    return Column(name, pa.uint32())


def _f32(name: str) -> Column:
    return Column(name, pa.float32())


_T = Column("t_us", pa.int64())
_BOX = tuple(_f32(n) for n in ("x1", "y1", "x2", "y2"))
_BBOX = {"bbox": ("x1", "y1", "x2", "y2")}
_CAMERAS = frozenset({"cameras", "cameras+rfid", "all"})

REGISTRY: dict[str, Modality] = {
    m.name: m
    for m in (
        Modality(
            "weights",
            (_u32("plate_id"), _T, Column("grams", pa.float64())),
            arguments=("plate_id", "t_us", "grams"),
            required=True,
        ),
        Modality(
            "positions",
            (_T, _u32("track_id"), Column("x", pa.float64()), Column("y", pa.float64())),
            arguments=("t_us", "track_id", "x", "y"),
            required=True,
            sensor_sets=frozenset({"positions"}),
        ),
        Modality(
            "gates",
            (_u32("gate_id"), _T, Column("kind", pa.string()), Column("token", pa.string(), True)),
            arguments=("gate_id", "t_us", "kind", "token"),
            required=True,
        ),
        Modality(
            "person_detections",
            (
                _u32("camera_id"),
                _T,
                *_BOX,
                _f32("score"),
                Column("keypoints", pa.list_(pa.float32(), KEYPOINT_VALUES), shape=(KEYPOINTS, 3)),
            ),
            arguments=("camera_id", "t_us", "bbox", "score", "keypoints", "embedding"),
            composed=_BBOX,
            optional_columns=("embedding",),
            tracks_shoppers=True,
            sensor_sets=_CAMERAS,
        ),
        Modality(
            "product_detections",
            (_u32("camera_id"), _T, *_BOX, _u32("class_id"), _f32("score")),
            arguments=("camera_id", "t_us", "bbox", "class_id", "score"),
            composed=_BBOX,
            sensor_sets=frozenset({"all"}),
        ),
        Modality(
            "thermal_blobs",
            (
                _u32("camera_id"),
                _T,
                _f32("cx"),
                _f32("cy"),
                _f32("area_px"),
                _f32("temperature_c"),
            ),
            arguments=("camera_id", "t_us", "centroid", "area_px", "temperature_c"),
            composed={"centroid": ("cx", "cy")},
            tracks_shoppers=True,
            sensor_sets=_CAMERAS,
        ),
        Modality(
            "rfid_reads",
            (
                _u32("reader_id"),
                _u32("antenna_id"),
                _T,
                Column("epc", pa.string()),
                _f32("rssi_dbm"),
            ),
            arguments=("reader_id", "antenna_id", "t_us", "epc", "rssi_dbm"),
            sensor_sets=frozenset({"cameras+rfid", "all"}),
        ),
    )
}
"""Every modality by name, in the order sessions list them."""

NAMES: tuple[str, ...] = tuple(REGISTRY)


def modality(name: str) -> Modality:
    """The modality ``name``; an unknown name raises ``ValueError`` listing the known
    ones (and the nearest, for a typo)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(unknown("modality", name, NAMES)) from None


def unknown(what: str, name: object, known: tuple[str, ...]) -> str:
    """The message for an unknown name: what was asked, the nearest known name, all
    known names."""
    from difflib import get_close_matches

    near = get_close_matches(str(name), known, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown {what} {name!r}{hint} (known: {', '.join(known)})"


def sensor_set(name: str) -> tuple[str, ...]:
    """The modalities a named sensor set feeds, in registry order."""
    if name not in SENSOR_SET_NAMES:
        raise ValueError(unknown("sensor set", name, (*SENSOR_SET_NAMES, "auto")))
    return tuple(m.name for m in REGISTRY.values() if name in m.sensor_sets)


#: Called with a modality's name and the engine arguments of each batch fed.
BatchHook = Callable[[str, Mapping[str, Any]], None]


def ingest(engine: Any, name: str, cols: Mapping[str, Any]) -> dict[str, Any]:
    """Pass one batch of stored columns of modality ``name`` to
    ``engine.ingest_<name>``; returns the arguments passed."""
    m = modality(name)
    args = m.engine_arguments(cols)
    getattr(engine, m.method)(**args)
    return args
