"""The engine's results as Arrow tables: one call to a pandas or polars DataFrame.

Each function takes the result objects (``engine.receipts()``, ...) and returns a
``pyarrow.Table`` with a fixed schema, so an empty result still has its columns::

    df = engine.receipt_lines_table().to_pandas()     # or polars.from_arrow(...)

Times stay ``int64`` microseconds since the Unix epoch (``*_us``), as everywhere in
walkout; money is in minor units (``*_cents``). Nested results (a receipt's lines, a
shelf event's hypotheses and shopper scores) are list-of-struct columns, and the flat
tables (:func:`receipt_lines_table`, :func:`cart_lines_table`) hold one row per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from walkout._core import Cart, GatePassage, HandOver, Receipt, ShelfEvent, Track

_EVIDENCE = pa.list_(pa.uint64())

RECEIPT_LINE_FIELDS = [
    pa.field("sku", pa.string(), nullable=False),
    pa.field("name", pa.string(), nullable=False),
    pa.field("quantity", pa.uint32(), nullable=False),
    pa.field("unit_price_cents", pa.int64(), nullable=False),
    pa.field("total_cents", pa.int64(), nullable=False),
    pa.field("confidence", pa.float64(), nullable=False),
    pa.field("needs_review", pa.bool_(), nullable=False),
    pa.field("evidence", _EVIDENCE),
]

# Which receipt a row belongs to: its shopper's track, account token and exit time.
_RECEIPT_KEY = [
    pa.field("track_id", pa.uint32(), nullable=False),
    pa.field("token", pa.string()),
    pa.field("exit_us", pa.int64(), nullable=False),
]

RECEIPTS = pa.schema(
    [
        *_RECEIPT_KEY,
        pa.field("total_cents", pa.int64(), nullable=False),
        pa.field("needs_review", pa.bool_(), nullable=False),
        pa.field("lines", pa.list_(pa.struct(RECEIPT_LINE_FIELDS))),
    ]
)
"""One row per receipt; its lines as a list of structs."""

RECEIPT_LINES = pa.schema(
    [
        *_RECEIPT_KEY,
        *(
            pa.field("line_total_cents", f.type, nullable=False)
            if f.name == "total_cents"
            # the receipt's own total and review flag are columns of RECEIPTS
            else pa.field("line_needs_review", f.type, nullable=False)
            if f.name == "needs_review"
            else f
            for f in RECEIPT_LINE_FIELDS
        ),
    ]
)
"""One row per receipt line, with the receipt's track, token and exit time."""

_HYPOTHESIS = pa.struct(
    [
        pa.field("sku", pa.string(), nullable=False),
        pa.field("quantity", pa.uint32(), nullable=False),
        pa.field("probability", pa.float64(), nullable=False),
    ]
)
_SHOPPER = pa.struct(
    [
        pa.field("track_id", pa.uint32(), nullable=False),
        pa.field("probability", pa.float64(), nullable=False),
        pa.field("distance_m", pa.float64(), nullable=False),
        pa.field("hands", pa.uint32(), nullable=False),
    ]
)

SHELF_EVENTS = pa.schema(
    [
        pa.field("id", pa.uint64(), nullable=False),
        pa.field("plates", pa.list_(pa.uint32())),
        pa.field("t_start_us", pa.int64(), nullable=False),
        pa.field("t_end_us", pa.int64(), nullable=False),
        pa.field("delta_g", pa.float64(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("best_sku", pa.string()),
        pa.field("best_quantity", pa.uint32()),
        pa.field("best_probability", pa.float64()),
        pa.field("unexplained", pa.float64(), nullable=False),
        pa.field("assigned_to", pa.uint32()),
        pa.field("confidence", pa.float64(), nullable=False),
        pa.field("hypotheses", pa.list_(_HYPOTHESIS)),
        pa.field("shoppers", pa.list_(_SHOPPER)),
    ]
)
"""One row per shelf event; ``best_*`` is its most likely hypothesis (null if none)."""

TRACKS = pa.schema(
    [
        pa.field("track_id", pa.uint32(), nullable=False),
        pa.field("token", pa.string()),
        pa.field("first_us", pa.int64(), nullable=False),
        pa.field("last_us", pa.int64(), nullable=False),
        pa.field("x", pa.float64(), nullable=False),
        pa.field("y", pa.float64(), nullable=False),
        pa.field("entered_us", pa.int64()),
        pa.field("exited_us", pa.int64()),
    ]
)
"""One row per track the engine knows now."""

GATE_PASSAGES = pa.schema(
    [
        pa.field("t_us", pa.int64(), nullable=False),
        pa.field("gate_id", pa.uint32(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("track_id", pa.uint32()),
        pa.field("has_token", pa.bool_(), nullable=False),
    ]
)
"""One row per gate passage; ``track_id`` null where none was bound."""

CART_LINES = pa.schema(
    [
        pa.field("track_id", pa.uint32(), nullable=False),
        pa.field("sku", pa.string(), nullable=False),
        pa.field("quantity", pa.uint32(), nullable=False),
        pa.field("confidence", pa.float64(), nullable=False),
        pa.field("evidence", _EVIDENCE),
    ]
)
"""One row per line of the carts of shoppers still in the store."""

HAND_OVERS = pa.schema(
    [
        pa.field("t_us", pa.int64(), nullable=False),
        pa.field("sku", pa.string(), nullable=False),
        pa.field("from_track", pa.uint32(), nullable=False),
        pa.field("to_track", pa.uint32(), nullable=False),
        pa.field("sightings", pa.uint32(), nullable=False),
    ]
)
"""One row per hand-over seen by the cameras."""


def _table(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def receipts_table(receipts: Iterable[Receipt]) -> pa.Table:
    """Receipts, one row each (schema :data:`RECEIPTS`)."""
    return _table([r.to_dict() for r in receipts], RECEIPTS)


def receipt_lines_table(receipts: Iterable[Receipt]) -> pa.Table:
    """Receipt lines, one row each (schema :data:`RECEIPT_LINES`)."""
    rows = []
    for r in receipts:
        for line in r.lines:
            row = line.to_dict()
            row["line_total_cents"] = row.pop("total_cents")
            row["line_needs_review"] = row.pop("needs_review")
            rows.append({"track_id": r.track_id, "token": r.token, "exit_us": r.exit_us, **row})
    return _table(rows, RECEIPT_LINES)


def shelf_events_table(events: Iterable[ShelfEvent]) -> pa.Table:
    """Shelf events, one row each (schema :data:`SHELF_EVENTS`)."""
    rows = []
    for e in events:
        row = e.to_dict()
        best = e.hypotheses[0] if e.hypotheses else None
        row["best_sku"] = best.sku if best else None
        row["best_quantity"] = best.quantity if best else None
        row["best_probability"] = best.probability if best else None
        rows.append(row)
    return _table(rows, SHELF_EVENTS)


def tracks_table(tracks: Iterable[Track]) -> pa.Table:
    """Tracks, one row each (schema :data:`TRACKS`)."""
    return _table([t.to_dict() for t in tracks], TRACKS)


def gate_passages_table(passages: Iterable[GatePassage]) -> pa.Table:
    """Gate passages, one row each (schema :data:`GATE_PASSAGES`)."""
    return _table([g.to_dict() for g in passages], GATE_PASSAGES)


def cart_lines_table(carts: Iterable[Cart]) -> pa.Table:
    """The lines of open carts, one row each (schema :data:`CART_LINES`)."""
    rows = [{"track_id": c.track_id, **line.to_dict()} for c in carts for line in c.lines]
    return _table(rows, CART_LINES)


def hand_overs_table(hand_overs: Iterable[HandOver]) -> pa.Table:
    """Hand-overs, one row each (schema :data:`HAND_OVERS`)."""
    return _table([h.to_dict() for h in hand_overs], HAND_OVERS)


__all__ = [
    "CART_LINES",
    "GATE_PASSAGES",
    "HAND_OVERS",
    "RECEIPTS",
    "RECEIPT_LINES",
    "SHELF_EVENTS",
    "TRACKS",
    "cart_lines_table",
    "gate_passages_table",
    "hand_overs_table",
    "receipt_lines_table",
    "receipts_table",
    "shelf_events_table",
    "tracks_table",
]
