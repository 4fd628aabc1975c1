"""Session directories: one recorded or simulated store session on disk.

Layout (format version 1)::

    SESSION/
      session.json          metadata: format version, scenario, seed, time range
      store.json            the store configuration (loadable by ``load_config``)
      weights.parquet       plate_id u32, t_us i64, grams f64
      positions.parquet     t_us i64, track_id u32, x f64, y f64
      gates.parquet         gate_id u32, t_us i64, kind str ("enter"/"exit"), token str?
      truth/                only for simulated sessions
        trajectories.parquet  t_us, shopper, x, y
        actions.parquet       shopper, kind, plate_id, sku, quantity, t_start_us, t_end_us, grams
        shoppers.parquet      shopper, track_id, token, enter_us, exit_us
        receipts.parquet      shopper, track_id, token, sku, quantity
        final_stock.parquet   plate_id, sku, count

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
}


@dataclass
class Session:
    """A store session: config, sensor columns per modality, optional ground truth."""

    config: StoreConfig
    weights: Columns
    positions: Columns
    gates: Columns
    meta: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Columns] | None = None

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
            pq.write_table(pa.table(cols, schema=schema), out / f"{name}.parquet")
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
            name: _read_table(src / f"{name}.parquet", schema) for name, schema in SCHEMAS.items()
        }
        truth = None
        truth_dir = src / "truth"
        if truth_dir.is_dir() and any(truth_dir.glob("*.parquet")):
            truth = {p.stem: _read_table(p, None) for p in sorted(truth_dir.glob("*.parquet"))}
        return cls(config=config, meta=meta, truth=truth, **modalities)


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
    return col.to_numpy()


def _min_time(s: Session) -> int:
    return int(min(np.min(c["t_us"]) for c in (s.weights, s.positions, s.gates) if len(c["t_us"])))


def _max_time(s: Session) -> int:
    return int(max(np.max(c["t_us"]) for c in (s.weights, s.positions, s.gates) if len(c["t_us"])))
