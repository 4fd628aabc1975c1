"""Session directories: one recorded or simulated store session on disk.

Layout (format version 1)::

    SESSION/
      session.json          metadata: format version, scenario, seed, time range
      store.json            the store configuration (loadable by ``load_config``)
      weights.parquet       plate_id u32, t_us i64, grams f64
      positions.parquet     t_us i64, track_id u32, x f64, y f64
      gates.parquet         gate_id u32, t_us i64, kind str ("enter"/"exit"), token str?
      person_detections.parquet
                            camera_id u32, t_us i64, x1 y1 x2 y2 f32 (box, pixels of the
                            distorted image), score f32, keypoints fixed_size_list<f32>[51]
      product_detections.parquet
                            camera_id u32, t_us i64, x1 y1 x2 y2 f32, class_id u32 (the
                            product's vision_class), score f32
      thermal_blobs.parquet camera_id u32, t_us i64, cx cy f32 (centroid, thermal pixels),
                            area_px f32, temperature_c f32
      rfid_reads.parquet    reader_id u32, antenna_id u32, t_us i64, epc str (SGTIN-96 as
                            24 upper-case hex characters), rssi_dbm f32
      truth/                only for simulated sessions
        trajectories.parquet  t_us, shopper, x, y (true positions, tracker frame clock)
        person_boxes.parquet  camera_id, t_us, shopper, x1, y1, x2, y2, visible: the true
                              box of every shopper in view of every camera frame, and the
                              share of their 17 keypoints not hidden (0..1)
        actions.parquet       shopper, kind ("pick"/"put_back"/"hand_over"), plate_id
                              (-1 for a hand-over), sku, quantity, t_start_us, t_end_us,
                              grams (true load change), receiver (-1 unless a hand-over),
                              confusion ("" or what makes the action hard on purpose)
        shoppers.parquet      shopper, track_id, token, enter_us, exit_us, height_m,
                              shoulder_m
        receipts.parquet      shopper, track_id, token, sku, quantity
        cart_changes.parquet  t_us, shopper, sku, delta, quantity (after), cause
        final_stock.parquet   plate_id, sku, count
        misplaced.parquet     plate_id, sku, count (units standing where the planogram
                              does not put them, at the end)
        disturbances.parquet  kind, sensor_id, shopper (-1: none), t_start_us, t_end_us
                              (leaning / holding plates, gondola vibration, sensor faults)
        tags.parquet          epc, sku, serial, plate_id (every RFID tag, where it started)

Keypoints are one fixed-size list column of 51 floats per row: (x, y, confidence) for
each of the 17 COCO keypoints in ``walkout-core``'s ``COCO_KEYPOINTS`` order; a keypoint
not detected (occluded or outside the image) is (0, 0, 0). In memory they are a
``(n, 17, 3)`` float32 array. One column keeps a row's keypoints together and reads
back without reassembly; 51 scalar columns would not.

The four camera, thermal and RFID files may be missing (sessions recorded without those
sensors, or written before they existed): they read back as empty columns.

Columns are plain numpy arrays in memory (:class:`Columns`), so a session feeds the
engine without per-row Python objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from walkout.config import StoreConfig, load_config
from walkout.errors import SessionError

FORMAT_VERSION = 1

Columns = dict[str, np.ndarray]

KEYPOINTS = 17
KEYPOINT_VALUES = KEYPOINTS * 3

_BOX = [("x1", pa.float32()), ("y1", pa.float32()), ("x2", pa.float32()), ("y2", pa.float32())]

# Expected columns of each modality file and their arrow types.
SCHEMAS: dict[str, pa.Schema] = {
    "weights": pa.schema(
        [("plate_id", pa.uint32()), ("t_us", pa.int64()), ("grams", pa.float64())]
    ),
    "positions": pa.schema(
        [("t_us", pa.int64()), ("track_id", pa.uint32()), ("x", pa.float64()), ("y", pa.float64())]
    ),
    "gates": pa.schema(
        [
            ("gate_id", pa.uint32()),
            ("t_us", pa.int64()),
            ("kind", pa.string()),
            ("token", pa.string()),
        ]
    ),
    "person_detections": pa.schema(
        [
            ("camera_id", pa.uint32()),
            ("t_us", pa.int64()),
            *_BOX,
            ("score", pa.float32()),
            ("keypoints", pa.list_(pa.float32(), KEYPOINT_VALUES)),
        ]
    ),
    "product_detections": pa.schema(
        [
            ("camera_id", pa.uint32()),
            ("t_us", pa.int64()),
            *_BOX,
            ("class_id", pa.uint32()),
            ("score", pa.float32()),
        ]
    ),
    "thermal_blobs": pa.schema(
        [
            ("camera_id", pa.uint32()),
            ("t_us", pa.int64()),
            ("cx", pa.float32()),
            ("cy", pa.float32()),
            ("area_px", pa.float32()),
            ("temperature_c", pa.float32()),
        ]
    ),
    "rfid_reads": pa.schema(
        [
            ("reader_id", pa.uint32()),
            ("antenna_id", pa.uint32()),
            ("t_us", pa.int64()),
            ("epc", pa.string()),
            ("rssi_dbm", pa.float32()),
        ]
    ),
}

# Modalities a session may lack (no such sensor in the store, or an older session).
OPTIONAL = ("person_detections", "product_detections", "thermal_blobs", "rfid_reads")


def empty_columns(name: str) -> Columns:
    """Zero-row columns of modality ``name`` with the dtypes it reads back with."""
    out: Columns = {}
    for f in SCHEMAS[name]:
        if pa.types.is_fixed_size_list(f.type):
            out[f.name] = np.zeros((0, KEYPOINTS, 3), dtype=np.float32)
        elif pa.types.is_string(f.type):
            out[f.name] = np.array([], dtype=object)
        else:
            out[f.name] = np.array([], dtype=f.type.to_pandas_dtype())
    return out


def _optional(name: str) -> Any:
    return field(default_factory=lambda: empty_columns(name))


@dataclass
class Session:
    """A store session: config, sensor columns per modality, optional ground truth."""

    config: StoreConfig
    weights: Columns
    positions: Columns
    gates: Columns
    meta: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Columns] | None = None
    person_detections: Columns = _optional("person_detections")
    product_detections: Columns = _optional("product_detections")
    thermal_blobs: Columns = _optional("thermal_blobs")
    rfid_reads: Columns = _optional("rfid_reads")

    @property
    def start_us(self) -> int:
        """First time of the session (µs since the Unix epoch)."""
        return int(self.meta.get("start_us", _min_time(self)))

    @property
    def end_us(self) -> int:
        """Last time of the session (µs since the Unix epoch)."""
        return int(self.meta.get("end_us", _max_time(self)))

    def write(self, directory: str | Path) -> Path:
        """Write the session to ``directory`` (created if missing) and return its path."""
        out = Path(directory)
        (out / "truth").mkdir(parents=True, exist_ok=True)
        meta = {"format_version": FORMAT_VERSION, **self.meta}
        (out / "session.json").write_text(json.dumps(meta, indent=2) + "\n")
        (out / "store.json").write_text(
            json.dumps(self.config.model_dump(mode="json"), indent=2) + "\n"
        )
        for name, schema in SCHEMAS.items():
            cols: Columns = getattr(self, name)
            arrays = [_to_arrow(cols[f.name], f.type) for f in schema]
            pq.write_table(pa.Table.from_arrays(arrays, schema=schema), out / f"{name}.parquet")
        if self.truth is not None:
            for name, cols in self.truth.items():
                pq.write_table(pa.table(cols), out / "truth" / f"{name}.parquet")
        return out

    @classmethod
    def read(cls, directory: str | Path) -> Session:
        """Read a session directory written by :meth:`write` (or by ``walkout sim``)."""
        src = Path(directory)
        if not (src / "session.json").is_file():
            raise SessionError(f"{src}: not a session directory (no session.json)")
        try:
            meta = json.loads((src / "session.json").read_text())
        except json.JSONDecodeError as e:
            raise SessionError(f"{src / 'session.json'}: invalid JSON: {e}") from e
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise SessionError(
                f"{src / 'session.json'}: format_version must be {FORMAT_VERSION} (got {version!r})"
            )
        config = load_config(src / "store.json")
        modalities = {
            name: _read_table(src / f"{name}.parquet", schema)
            for name, schema in SCHEMAS.items()
            if name not in OPTIONAL or (src / f"{name}.parquet").is_file()
        }
        truth = None
        truth_dir = src / "truth"
        if truth_dir.is_dir() and any(truth_dir.glob("*.parquet")):
            truth = {p.stem: _read_table(p, None) for p in sorted(truth_dir.glob("*.parquet"))}
        return cls(config=config, meta=meta, truth=truth, **modalities)


def _to_arrow(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    if pa.types.is_fixed_size_list(type_):
        flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        return pa.FixedSizeListArray.from_arrays(pa.array(flat), type_.list_size)
    return pa.array(values, type=type_)


def _read_table(path: Path, schema: pa.Schema | None) -> Columns:
    if not path.is_file():
        raise SessionError(f"{path}: missing")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        raise SessionError(f"{path}: not a readable Parquet file: {e}") from e
    if schema is not None:
        for f in schema:
            if f.name not in table.column_names:
                raise SessionError(
                    f"{path}: column `{f.name}` is missing (has {table.column_names})"
                )
            got = table.schema.field(f.name).type
            if not got.equals(f.type):
                raise SessionError(f"{path}: column `{f.name}` must be {f.type} (got {got})")
    return {name: _to_numpy(table.column(name)) for name in table.column_names}


def _to_numpy(col: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return np.array(col.to_pylist(), dtype=object)
    if pa.types.is_fixed_size_list(col.type):
        flat = col.combine_chunks().flatten().to_numpy(zero_copy_only=False)
        return flat.astype(np.float32, copy=False).reshape(len(col), KEYPOINTS, 3)
    return col.to_numpy()


def _min_time(s: Session) -> int:
    return int(min(np.min(c["t_us"]) for c in (s.weights, s.positions, s.gates) if len(c["t_us"])))


def _max_time(s: Session) -> int:
    return int(max(np.max(c["t_us"]) for c in (s.weights, s.positions, s.gates) if len(c["t_us"])))
