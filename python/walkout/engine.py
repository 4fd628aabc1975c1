"""The fusion engine as integrators use it from Python."""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any, TypeVar, cast

import numpy as np
import pyarrow as pa

from walkout import _core, tables
from walkout._columns import as_array, column, epc_columns, matrix, rows
from walkout.config import StoreConfig, load_config, parse_config
from walkout.errors import ConfigError, ErrorDetail, InputError, StateError

#: Gate event kinds at ingest; "entry" (the config's word for an entry gate) reads as
#: "enter".
GATE_KIND_CODES = {"enter": 0, "entry": 0, "exit": 1}
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


def _tokens(token: Any, n: int) -> list[str | None]:
    """Account tokens as the core takes them: a string, or None for no check-in (None,
    an empty string and a float NaN, as pandas writes a missing value, all mean none)."""
    if token is None:
        return [None] * n
    if isinstance(token, (str, bytes)):
        raise InputError(
            "`gates.token` must be a sequence of tokens, one per row", field="gates.token"
        )
    try:
        items = list(token)
    except TypeError:
        raise InputError(
            f"`gates.token` must be a sequence of tokens (got {type(token).__name__})",
            field="gates.token",
        ) from None
    out: list[str | None] = []
    for row, t in enumerate(items):
        if t is None or (isinstance(t, float) and math.isnan(t)):
            out.append(None)
        elif isinstance(t, (str, int, np.integer, np.str_)):
            out.append(str(t) or None)
        else:
            raise InputError(
                f"input error in `gates.token` at row {row}: a token is a string "
                f"(got {type(t).__name__})",
                field="gates.token",
                row=row,
                value=repr(t),
            )
    return out


ConfigSource = StoreConfig | str | PathLike[str] | Mapping[str, Any]
"""What :class:`Engine` (and the simulator) accept as a store config."""

_MAX_SHOWN = 80


def _describe_text(text: str) -> str:
    """A long string shortened for an error message (a config pasted where a path
    belongs must not fill the screen)."""
    one_line = " ".join(text.split())
    if len(one_line) <= _MAX_SHOWN:
        return repr(one_line)
    return f"{one_line[:_MAX_SHOWN]!r}... ({len(text):,} characters)"


def as_config(config: ConfigSource) -> StoreConfig:
    """Accept a validated config, a path to a config file, or a plain mapping (the
    parsed document, e.g. ``tomllib.load(f)`` or ``json.load(f)``).

    Raises :class:`ConfigError` for an invalid config, and for a string that is config
    text rather than a path; :class:`TypeError` for anything else.
    """
    if isinstance(config, StoreConfig):
        return config
    if isinstance(config, Mapping):
        return parse_config(config)
    if isinstance(config, str):
        text = config.strip()
        if text.startswith(("{", "[")) or "\n" in text:
            detail = ErrorDetail(
                "(config)", _describe_text(config), "config text where a file path belongs"
            )
            raise ConfigError(
                f"expected a store config file path, got config text {_describe_text(config)}: "
                "pass `json.loads(text)` (a mapping) or "
                "`walkout.StoreConfig.model_validate_json(text)` instead",
                [detail],
            )
    elif not isinstance(config, PathLike):
        raise TypeError(
            "a store config is a walkout.StoreConfig, a path to a .toml / .yaml / .json "
            f"file, or a mapping (got {type(config).__name__})"
        )
    return load_config(config)


def _log_rate(hz: Any) -> float:
    """``trajectory_log_hz`` checked: a finite number, 0 (off) or positive."""
    if isinstance(hz, (bool, np.bool_)) or not isinstance(
        hz, (int, float, np.integer, np.floating)
    ):
        raise InputError(
            f"`trajectory_log_hz` must be a number of Hz (got {hz!r})",
            field="trajectory_log_hz",
            value=repr(hz),
        )
    if not math.isfinite(hz) or hz < 0:
        raise InputError(
            f"`trajectory_log_hz` must be 0 (off) or a positive rate in Hz (got {hz!r})",
            field="trajectory_log_hz",
            value=repr(hz),
        )
    return float(hz)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _keywords(method: _Method) -> _Method:
    """The columns of an ``ingest_*`` call are named: ``ingest_weights(plate_id=...,
    t_us=..., grams=...)``, since the modalities order them differently (weights start
    with the plate, positions with the time). Positional columns still work for one
    release, with a :class:`DeprecationWarning` naming the keywords to use."""
    names = [
        p.name
        for p in inspect.signature(method).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]

    @functools.wraps(method)
    def call(self: Engine, *args: Any, **kwargs: Any) -> Any:
        if args:
            if len(args) > len(names):
                raise TypeError(
                    f"{method.__name__}() takes at most {len(names)} columns "
                    f"({', '.join(names)}), got {len(args)}"
                )
            given = names[: len(args)]
            twice = [n for n in given if n in kwargs]
            if twice:
                raise TypeError(f"{method.__name__}() got {twice[0]!r} twice")
            warnings.warn(
                f"{method.__name__}: pass the columns by name "
                f"({', '.join(f'{n}=...' for n in given)}); positional columns will stop "
                "working in the next release",
                DeprecationWarning,
                stacklevel=2,
            )
            kwargs.update(zip(given, args, strict=True))
        return method(self, **kwargs)

    return cast(_Method, call)


class Engine:
    """One store's fusion engine: sensor batches in, carts and receipts out.

    Feed batches in any order (late, duplicated and out-of-order data within
    ``fusion.lateness_s`` give identical results), call :meth:`step` to process up to
    the watermark, and :meth:`finish` at the end of a session. Every call that works on
    data runs in Rust with the GIL released.

    >>> import walkout
    >>> engine = walkout.Engine(walkout.stores.minimal())
    >>> engine.receipts()
    []
    """

    def __init__(
        self,
        config: ConfigSource,
        *,
        trajectory_log_hz: float = 0.0,
    ) -> None:
        """``config``: a :class:`StoreConfig`, a config file path, or a plain mapping
        (see :func:`as_config`). ``trajectory_log_hz``: how often per second every
        track's position is logged for :meth:`trajectories` (0, the default: never)."""
        hz = _log_rate(trajectory_log_hz)
        self.config: StoreConfig = as_config(config)
        self._core = _core.Engine(self.config.to_core_json())
        if hz:
            self._core.set_trajectory_log(hz)

    @_keywords
    def ingest_weights(self, *, plate_id: Any, t_us: Any, grams: Any) -> None:
        """Raw weight samples: plate ids, times (µs since the Unix epoch), grams."""
        self._core.ingest_weights(
            column(plate_id, np.uint32, "weights.plate_id"),
            column(t_us, np.int64, "weights.t_us"),
            column(grams, np.float64, "weights.grams"),
        )

    @_keywords
    def ingest_positions(self, *, t_us: Any, track_id: Any, x: Any, y: Any) -> None:
        """Shopper floor positions (metres, store frame) from an upstream tracker."""
        self._core.ingest_positions(
            column(t_us, np.int64, "positions.t_us"),
            column(track_id, np.uint32, "positions.track_id"),
            column(x, np.float64, "positions.x"),
            column(y, np.float64, "positions.y"),
        )

    @_keywords
    def ingest_gates(
        self,
        *,
        gate_id: Any,
        t_us: Any,
        kind: Any,
        token: Sequence[str | None] | None = None,
    ) -> None:
        """Gate passages; ``kind`` holds ``"enter"``/``"exit"`` (or codes 0/1).

        ``token`` is the account token of an explicit check-in (an app QR scan at the
        gate): the only way an account is ever bound to a shopper.
        """
        kinds = as_array(kind, "gates.kind")
        if kinds.ndim != 1:
            raise InputError(
                f"`gates.kind` must be 1-D (got shape {kinds.shape})", field="gates.kind"
            )
        if kinds.dtype.kind in "USO":
            codes = np.empty(len(kinds), dtype=np.uint8)
            for row, k in enumerate(kinds):
                code = GATE_KIND_CODES.get(str(k))
                if code is None:
                    raise InputError(
                        f"input error in `gates.kind` at row {row}: "
                        f"expected 'enter' (or 'entry') or 'exit' (got {str(k)!r})",
                        field="gates.kind",
                        row=row,
                        value=str(k),
                    )
                codes[row] = code
            kinds = codes
        gate_ids = column(gate_id, np.uint32, "gates.gate_id")
        self._core.ingest_gates(
            gate_ids,
            column(t_us, np.int64, "gates.t_us"),
            column(kinds, np.uint8, "gates.kind"),
            _tokens(token, len(gate_ids)),
        )

    @_keywords
    def ingest_person_detections(
        self,
        *,
        camera_id: Any,
        t_us: Any,
        bbox: Any,
        score: Any,
        keypoints: Any | None = None,
        embedding: Any | None = None,
    ) -> None:
        """Person detections of the cameras: boxes ``(N, 4)`` as x1, y1, x2, y2 pixels,
        scores, optionally COCO keypoints ``(N, 17, 3)`` as x, y, confidence
        (confidence 0 marks a joint not seen), and optionally re-identification
        embeddings ``(N, D)`` (any D up to 4096, the same in every batch; a row of zeros
        marks a box without one). Embeddings tell apart shoppers who stand close; the
        engine keeps a per-visit mean look per track and never writes it anywhere."""
        self._core.ingest_person_detections(
            column(camera_id, np.uint32, "person_detections.camera_id"),
            column(t_us, np.int64, "person_detections.t_us"),
            rows(bbox, np.float32, (4,), "person_detections.bbox"),
            column(score, np.float32, "person_detections.score"),
            None
            if keypoints is None
            else rows(keypoints, np.float32, (17, 3), "person_detections.keypoints"),
            None
            if embedding is None
            else matrix(embedding, np.float32, "person_detections.embedding"),
        )

    @_keywords
    def ingest_thermal_blobs(
        self, *, camera_id: Any, t_us: Any, centroid: Any, area_px: Any, temperature_c: Any
    ) -> None:
        """Blobs of the top-down thermal cameras: centroids ``(N, 2)`` in thermal pixels,
        areas in pixels², mean temperatures in °C."""
        self._core.ingest_thermal_blobs(
            column(camera_id, np.uint32, "thermal_blobs.camera_id"),
            column(t_us, np.int64, "thermal_blobs.t_us"),
            rows(centroid, np.float32, (2,), "thermal_blobs.centroid"),
            column(area_px, np.float32, "thermal_blobs.area_px"),
            column(temperature_c, np.float32, "thermal_blobs.temperature_c"),
        )

    @_keywords
    def ingest_product_detections(
        self, *, camera_id: Any, t_us: Any, bbox: Any, class_id: Any, score: Any
    ) -> None:
        """Products seen by the cameras: boxes ``(N, 4)`` in pixels and the product's
        ``vision_class``. A product next to a shopper's wrist counts as in that hand."""
        self._core.ingest_product_detections(
            column(camera_id, np.uint32, "product_detections.camera_id"),
            column(t_us, np.int64, "product_detections.t_us"),
            rows(bbox, np.float32, (4,), "product_detections.bbox"),
            column(class_id, np.uint32, "product_detections.class_id"),
            column(score, np.float32, "product_detections.score"),
        )

    @_keywords
    def ingest_rfid_reads(
        self, *, reader_id: Any, antenna_id: Any, t_us: Any, epc: Any, rssi_dbm: Any
    ) -> None:
        """RFID reads; ``epc`` holds 24-hex-character EPC strings (SGTIN-96 for
        products) or Python ints."""
        hi, lo = epc_columns(epc)
        self._core.ingest_rfid_reads(
            column(reader_id, np.uint32, "rfid_reads.reader_id"),
            column(antenna_id, np.uint32, "rfid_reads.antenna_id"),
            column(t_us, np.int64, "rfid_reads.t_us"),
            hi,
            lo,
            column(rssi_dbm, np.float32, "rfid_reads.rssi_dbm"),
        )

    def trajectories(self) -> dict[str, np.ndarray]:
        """Logged track positions ``{t_us, track_id, x, y}`` (needs ``trajectory_log_hz``)."""
        return self._core.trajectories()

    def snapshot(self) -> bytes:
        """The engine's whole state as bytes: store it, and after a crash or restart
        :meth:`restore` continues exactly where this engine stood."""
        return self._core.snapshot()

    @classmethod
    def restore(cls, data: bytes) -> Engine:
        """An engine in the state :meth:`snapshot` captured (config included).

        Damaged or foreign bytes raise :class:`walkout.StateError`."""
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise StateError(f"a snapshot is bytes (got {type(data).__name__})")
        core = _core.Engine.restore(data)
        engine = cls.__new__(cls)
        engine.config = StoreConfig.model_validate_json(core.config_json())
        engine._core = core
        return engine

    def step(self, until_us: int | None = None) -> None:
        """Process buffered events up to ``until_us`` (default: the watermark)."""
        if until_us is not None:
            if isinstance(until_us, (bool, np.bool_)) or not isinstance(
                until_us, (int, np.integer)
            ):
                raise InputError(
                    f"`until_us` must be an integer time in µs (got {until_us!r})",
                    field="until_us",
                    value=repr(until_us),
                )
            if not _I64_MIN <= int(until_us) <= _I64_MAX:
                raise InputError(
                    f"`until_us` must fit in int64 (got {until_us})",
                    field="until_us",
                    value=str(until_us),
                )
            until_us = int(until_us)
        self._core.step(until_us)

    def finish(self) -> None:
        """Process everything buffered and issue pending receipts; no more input after."""
        self._core.finish()

    @property
    def watermark_us(self) -> int | None:
        """Newest event time seen minus the lateness bound."""
        return self._core.watermark_us

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` was called."""
        return self._core.finished

    def receipts(self) -> list[_core.Receipt]:
        """Receipts of shoppers who left, in the order they were issued."""
        return self._core.receipts()

    def shelf_events(self) -> list[_core.ShelfEvent]:
        """Every shelf interaction with its hypotheses and shopper probabilities."""
        return self._core.shelf_events()

    def carts(self) -> list[_core.Cart]:
        """Carts of shoppers still in the store."""
        return self._core.carts()

    def tracks(self) -> list[_core.Track]:
        """Shopper tracks the engine knows now (pseudonymous, one visit each)."""
        return self._core.tracks()

    def hand_overs(self) -> list[_core.HandOver]:
        """Units the cameras saw pass from one shopper to another (moved between carts)."""
        return self._core.hand_overs()

    def gate_passages(self) -> list[_core.GatePassage]:
        """Gate events with the track each was bound to."""
        return self._core.gate_passages()

    # --- the same results as Arrow tables (walkout.tables): DataFrames in one call ---

    def receipts_table(self) -> pa.Table:
        """:meth:`receipts` as an Arrow table, one row per receipt (lines nested); see
        :mod:`walkout.tables`. ``.to_pandas()`` or ``polars.from_arrow`` for a DataFrame."""
        return tables.receipts_table(self.receipts())

    def receipt_lines_table(self) -> pa.Table:
        """The lines of :meth:`receipts` as an Arrow table, one row per line."""
        return tables.receipt_lines_table(self.receipts())

    def shelf_events_table(self) -> pa.Table:
        """:meth:`shelf_events` as an Arrow table, one row per event."""
        return tables.shelf_events_table(self.shelf_events())

    def tracks_table(self) -> pa.Table:
        """:meth:`tracks` as an Arrow table, one row per track."""
        return tables.tracks_table(self.tracks())

    def gate_passages_table(self) -> pa.Table:
        """:meth:`gate_passages` as an Arrow table, one row per passage."""
        return tables.gate_passages_table(self.gate_passages())

    def cart_lines_table(self) -> pa.Table:
        """The lines of :meth:`carts` as an Arrow table, one row per line."""
        return tables.cart_lines_table(self.carts())

    def hand_overs_table(self) -> pa.Table:
        """:meth:`hand_overs` as an Arrow table, one row per hand-over."""
        return tables.hand_overs_table(self.hand_overs())

    def inventory(self) -> dict[int, dict[str, int]]:
        """``{plate_id: {sku: count}}`` as the engine believes the shelves are now."""
        return self._core.inventory()

    def stats(self) -> dict[str, Any]:
        """Health counters: received, late, duplicate and processed events, and progress."""
        return self._core.stats()
