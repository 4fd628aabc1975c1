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
                            distorted image), score f32, keypoints fixed_size_list<f32>[51],
                            optionally embedding fixed_size_list<f32>[D] (re-identification
                            vectors, any D; the simulator writes D = 32)
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

Embeddings are a column only sessions with them have: a recording of a real store
holds them only if its writer was given them (they describe how people look; the
simulator's are synthetic). In memory they are an ``(n, D)`` float32 array.

The four camera, thermal and RFID files may be missing (sessions recorded without those
sensors, or written before they existed): they read back as empty columns.

Columns are plain numpy arrays in memory (:class:`Columns`), so a session feeds the
engine without per-row Python objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from walkout.config import StoreConfig, load_config
from walkout.errors import SessionError
from walkout.modalities import REGISTRY, Columns, Modality, modality

FORMAT_VERSION = 1

# Re-exported: the session's in-memory form is the registry's.
__all__ = ["Columns", "DEFAULT_LIMITS", "FORMAT_VERSION", "ReadLimits", "Session", "empty_columns"]


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what :meth:`Session.read` accepts from untrusted files.

    A Parquet footer states its row count and sizes before any data is decoded; a file
    claiming more than these limits is refused before reading, so a truncated, hostile
    or absurd file cannot make the reader allocate without bound. The defaults admit an
    hour of the shipped 1000-plate large store (about 220 M weight rows).
    """

    max_rows: int = 1_000_000_000
    """Most rows in one Parquet file."""
    max_bytes: int = 32 * 2**30
    """Most bytes one Parquet file may hold on disk or decode to (uncompressed)."""
    max_json_bytes: int = 16 * 2**20
    """Largest ``session.json`` read."""


DEFAULT_LIMITS = ReadLimits()


def empty_columns(name: str) -> Columns:
    """Zero-row columns of modality ``name`` with the dtypes it reads back with."""
    return REGISTRY[name].empty()


class Session:
    """A store session: config, sensor columns per modality, optional ground truth.

    The sensor columns are held by modality name (:mod:`walkout.modalities`) in
    :attr:`streams` and read as attributes (``session.weights``); a modality the
    session lacks reads as empty columns.
    """

    config: StoreConfig
    meta: dict[str, Any]
    truth: dict[str, Columns] | None
    streams: dict[str, Columns]

    if TYPE_CHECKING:  # the attributes __getattr__ serves, for type checkers
        weights: Columns
        positions: Columns
        gates: Columns
        person_detections: Columns
        product_detections: Columns
        thermal_blobs: Columns
        rfid_reads: Columns

    def __init__(
        self,
        config: StoreConfig,
        meta: dict[str, Any] | None = None,
        truth: dict[str, Columns] | None = None,
        streams: Mapping[str, Columns] | None = None,
        **modalities: Columns,
    ) -> None:
        """A session of ``config``; sensor columns come as ``streams`` (by modality
        name) or as keyword arguments named after the modalities (``weights=...``)."""
        merged = {**(streams or {}), **modalities}
        for name in merged:
            modality(name)  # an unknown name raises, naming the known ones
        self.config = config
        self.meta = {} if meta is None else meta
        self.truth = truth
        self.streams = {n: merged.get(n, REGISTRY[n].empty()) for n in REGISTRY}

    def __getattr__(self, name: str) -> Columns:
        # Only called for attributes not found normally: the modalities.
        streams = self.__dict__.get("streams")
        if streams is not None and name in streams:
            return cast(Columns, streams[name])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        rows = ", ".join(f"{n}={len(c['t_us'])}" for n, c in self.streams.items())
        return f"Session({self.meta.get('scenario', self.config.name)!r}, rows: {rows})"

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
        for name, m in REGISTRY.items():
            cols = self.streams[name]
            schema = _with_optional(m, cols)
            arrays = [_to_arrow(cols[f.name], f.type) for f in schema]
            pq.write_table(pa.Table.from_arrays(arrays, schema=schema), out / f"{name}.parquet")
        if self.truth is not None:
            for name, cols in self.truth.items():
                pq.write_table(pa.table(cols), out / "truth" / f"{name}.parquet")
        return out

    @classmethod
    def read(cls, directory: str | Path, *, limits: ReadLimits = DEFAULT_LIMITS) -> Session:
        """Read a session directory written by :meth:`write` (or by ``walkout sim``).

        Files are untrusted: anything malformed, of the wrong schema, with nulls where
        none belong, or beyond ``limits`` raises :class:`walkout.SessionError` naming
        the file and the problem.
        """
        src = Path(directory)
        meta_path = src / "session.json"
        if not meta_path.is_file():
            raise SessionError(f"{src}: not a session directory (no session.json)")
        size = meta_path.stat().st_size
        if size > limits.max_json_bytes:
            raise SessionError(
                f"{meta_path}: {size} bytes, more than the limit {limits.max_json_bytes}"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise SessionError(f"{meta_path}: invalid JSON: {e}") from e
        if not isinstance(meta, dict):
            raise SessionError(f"{meta_path}: must hold a JSON object (got {type(meta).__name__})")
        version = meta.get("format_version")
        if version != FORMAT_VERSION:
            raise SessionError(
                f"{src / 'session.json'}: format_version must be {FORMAT_VERSION} (got {version!r})"
            )
        config = load_config(src / "store.json")
        modalities = {
            name: _read_table(src / f"{name}.parquet", m, limits)
            for name, m in REGISTRY.items()
            if m.required or (src / f"{name}.parquet").is_file()
        }
        truth = None
        truth_dir = src / "truth"
        if truth_dir.is_dir() and any(truth_dir.glob("*.parquet")):
            truth = {
                p.stem: _read_table(p, None, limits) for p in sorted(truth_dir.glob("*.parquet"))
            }
        return cls(config=config, meta=meta, truth=truth, streams=modalities)


def _with_optional(modality: Modality, cols: Columns) -> pa.Schema:
    """The modality's schema with the optional columns ``cols`` has."""
    schema = modality.schema
    for name in modality.optional_columns:
        values = cols.get(name)
        if values is not None and np.ndim(values) == 2 and np.shape(values)[1] > 0:
            schema = schema.append(pa.field(name, pa.list_(pa.float32(), np.shape(values)[1])))
    return schema


def _optional_in_file(path: Path, modality: Modality, file_schema: pa.Schema) -> pa.Schema:
    """The modality's schema with the optional columns the file has, each checked for
    its type."""
    schema = modality.schema
    for name in modality.optional_columns:
        if name not in file_schema.names:
            continue
        got = file_schema.field(name).type
        if not (pa.types.is_fixed_size_list(got) and got.value_type.equals(pa.float32())):
            raise SessionError(
                f"{path}: column `{name}` must be fixed_size_list<float32>[D] (got {got})"
            )
        schema = schema.append(pa.field(name, got))
    return schema


def _to_arrow(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    if pa.types.is_fixed_size_list(type_):
        flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        return pa.FixedSizeListArray.from_arrays(pa.array(flat), type_.list_size)
    return pa.array(values, type=type_)


def _read_table(path: Path, modality: Modality | None, limits: ReadLimits) -> Columns:
    """Read one Parquet file, checking its footer against ``limits`` and its schema
    against ``modality``'s (none for truth tables) before any data is decoded."""
    if not path.is_file():
        raise SessionError(f"{path}: missing")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise SessionError(f"{path}: {size} bytes on disk, more than the limit {limits.max_bytes}")
    try:
        file = pq.ParquetFile(path)
        meta = file.metadata
        arrow_schema = file.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as e:
        raise SessionError(f"{path}: not a readable Parquet file: {e}") from e
    if meta.num_rows < 0 or meta.num_rows > limits.max_rows:
        raise SessionError(
            f"{path}: the file claims {meta.num_rows} rows, outside the limit 0..{limits.max_rows}"
        )
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    if sum(g.num_rows for g in groups) != meta.num_rows:
        raise SessionError(
            f"{path}: row groups hold {sum(g.num_rows for g in groups)} rows, "
            f"the footer claims {meta.num_rows} (damaged file)"
        )
    schema = None if modality is None else _optional_in_file(path, modality, arrow_schema)
    # What the table takes in memory once decoded (a run of one value compresses to
    # almost nothing on disk and in the footer's encoded sizes; memory it still takes).
    decoded = meta.num_rows * _row_bytes(arrow_schema if schema is None else schema)
    decoded = max(decoded, sum(max(g.total_byte_size, 0) for g in groups))
    if decoded > limits.max_bytes:
        raise SessionError(
            f"{path}: decodes to {decoded} bytes, more than the limit {limits.max_bytes}"
        )
    if schema is not None:
        for f in schema:
            if f.name not in arrow_schema.names:
                raise SessionError(
                    f"{path}: column `{f.name}` is missing (has {arrow_schema.names})"
                )
            got = arrow_schema.field(f.name).type
            if not got.equals(f.type):
                raise SessionError(f"{path}: column `{f.name}` must be {f.type} (got {got})")
    try:
        table = file.read(columns=None if schema is None else schema.names)
    except (pa.ArrowException, OSError, ValueError) as e:
        raise SessionError(f"{path}: damaged Parquet data: {e}") from e
    finally:
        file.close()
    if table.num_rows != meta.num_rows:
        raise SessionError(
            f"{path}: read {table.num_rows} rows, the footer claims {meta.num_rows} (damaged file)"
        )
    if modality is not None and schema is not None:
        nullable = {c.name for c in modality.columns if c.nullable}
        for f in schema:
            col = table.column(f.name)
            nulls = col.null_count
            if pa.types.is_fixed_size_list(f.type) and not nulls:
                nulls = sum(chunk.flatten().null_count for chunk in col.chunks)
            if nulls and f.name not in nullable:
                raise SessionError(f"{path}: column `{f.name}` has {nulls} null values")
        if modality.name == "gates":
            kinds = set(table.column("kind").unique().to_pylist())
            bad = kinds - {"enter", "exit"}
            if bad:
                raise SessionError(
                    f"{path}: column `kind` must hold 'enter' or 'exit' (got {sorted(bad)[:3]})"
                )
    return {
        name: _to_numpy(table.column(name), _row_shape(modality, name))
        for name in table.column_names
    }


def _row_shape(modality: Modality | None, name: str) -> tuple[int, ...] | None:
    """The in-memory shape of one row of a fixed-size list column (keypoints are
    ``(17, 3)``), if the registry gives one."""
    if modality is None:
        return None
    shape = next((c.shape for c in modality.columns if c.name == name), ())
    return shape or None


def _row_bytes(schema: pa.Schema) -> int:
    """Bytes one row takes in memory: fixed-width values at their width, fixed-size
    lists at their length times that, anything else (strings) counted as 16."""

    def width(t: pa.DataType) -> int:
        if pa.types.is_fixed_size_list(t):
            return t.list_size * width(t.value_type)
        try:
            return max(t.bit_width // 8, 1)
        except ValueError:
            return 16

    return sum(width(f.type) for f in schema)


def _to_numpy(col: pa.ChunkedArray, row_shape: tuple[int, ...] | None) -> np.ndarray:
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return np.array(col.to_pylist(), dtype=object)
    if pa.types.is_fixed_size_list(col.type):
        flat = col.combine_chunks().flatten().to_numpy(zero_copy_only=False)
        shape = row_shape or (col.type.list_size,)
        return flat.astype(np.float32, copy=False).reshape(len(col), *shape)
    return col.to_numpy()


def _min_time(s: Session) -> int:
    return int(min(np.min(c["t_us"]) for c in (s.weights, s.positions, s.gates) if len(c["t_us"])))


def _max_time(s: Session) -> int:
    return int(max(np.max(c["t_us"]) for c in (s.weights, s.positions, s.gates) if len(c["t_us"])))
