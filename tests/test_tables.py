"""The engine's results as Arrow tables: the columns and values of the object API."""

from __future__ import annotations

import pyarrow as pa
import pytest

import walkout
from walkout import tables
from walkout.replay import replay
from walkout.sim import simulate


@pytest.fixture(scope="module")
def engine() -> walkout.Engine:
    """A finished hand-over session fed every sensor: receipts, shelf events with
    several hypotheses and shoppers, gate passages, tracks and a hand-over."""
    return replay(simulate("hand-over", 0), sensors="all")


@pytest.fixture(scope="module")
def open_engine() -> walkout.Engine:
    """The same session stopped mid-visit, with carts still open."""
    session = simulate("two-shoppers-putback", 1)
    engine = walkout.Engine(session.config)
    cut = session.start_us + (session.end_us - session.start_us) // 2
    w = session.weights
    keep = w["t_us"] < cut
    engine.ingest_weights(
        plate_id=w["plate_id"][keep], t_us=w["t_us"][keep], grams=w["grams"][keep]
    )
    p = session.positions
    keep = p["t_us"] < cut
    engine.ingest_positions(
        t_us=p["t_us"][keep], track_id=p["track_id"][keep], x=p["x"][keep], y=p["y"][keep]
    )
    g = session.gates
    keep = g["t_us"] < cut
    engine.ingest_gates(
        gate_id=g["gate_id"][keep],
        t_us=g["t_us"][keep],
        kind=g["kind"][keep],
        token=g["token"][keep],
    )
    engine.step()
    return engine


def test_receipts_table_matches_the_receipts(engine):
    receipts = engine.receipts()
    table = engine.receipts_table()
    assert receipts and table.schema == tables.RECEIPTS
    assert table.to_pylist() == [r.to_dict() for r in receipts]


def test_receipt_lines_table_is_one_row_per_line(engine):
    rows = engine.receipt_lines_table().to_pylist()
    lines = [(r, line) for r in engine.receipts() for line in r.lines]
    assert len(rows) == len(lines) > 1
    for row, (r, line) in zip(rows, lines, strict=True):
        assert (row["track_id"], row["token"], row["exit_us"]) == (r.track_id, r.token, r.exit_us)
        assert (row["sku"], row["quantity"], row["line_total_cents"]) == (
            line.sku,
            line.quantity,
            line.total_cents,
        )
        assert row["line_needs_review"] == line.needs_review
        assert row["confidence"] == line.confidence
    df = engine.receipt_lines_table().to_pandas()
    assert df["line_total_cents"].sum() == sum(r.total_cents for r in engine.receipts())


def test_shelf_events_table(engine):
    events = engine.shelf_events()
    table = engine.shelf_events_table()
    assert table.schema == tables.SHELF_EVENTS and table.num_rows == len(events) > 1
    for row, e in zip(table.to_pylist(), events, strict=True):
        assert row["id"] == e.id and row["kind"] == e.kind and row["plates"] == e.plates
        assert row["assigned_to"] == e.assigned_to and row["delta_g"] == e.delta_g
        assert row["hypotheses"] == [h.to_dict() for h in e.hypotheses]
        assert row["shoppers"] == [s.to_dict() for s in e.shoppers]
        best = e.hypotheses[0] if e.hypotheses else None
        assert row["best_sku"] == (best.sku if best else None)


def test_gate_passages_tracks_and_hand_overs(engine):
    for name, objects, schema in [
        ("gate_passages_table", engine.gate_passages(), tables.GATE_PASSAGES),
        ("tracks_table", engine.tracks(), tables.TRACKS),
        ("hand_overs_table", engine.hand_overs(), tables.HAND_OVERS),
    ]:
        table = getattr(engine, name)()
        assert table.schema == schema, name
        assert table.to_pylist() == [o.to_dict() for o in objects], name
    assert engine.gate_passages_table().num_rows >= 4
    assert engine.hand_overs_table().num_rows >= 1


def test_cart_lines_table(open_engine):
    carts = open_engine.carts()
    rows = open_engine.cart_lines_table().to_pylist()
    expected = [{"track_id": c.track_id, **line.to_dict()} for c in carts for line in c.lines]
    assert expected and rows == expected


def test_empty_results_are_empty_tables_with_their_columns():
    engine = walkout.Engine(walkout.stores.minimal())
    for name, schema in [
        ("receipts_table", tables.RECEIPTS),
        ("receipt_lines_table", tables.RECEIPT_LINES),
        ("shelf_events_table", tables.SHELF_EVENTS),
        ("tracks_table", tables.TRACKS),
        ("gate_passages_table", tables.GATE_PASSAGES),
        ("cart_lines_table", tables.CART_LINES),
        ("hand_overs_table", tables.HAND_OVERS),
    ]:
        table = getattr(engine, name)()
        assert isinstance(table, pa.Table) and table.num_rows == 0
        assert table.schema == schema
        assert list(table.to_pandas().columns) == schema.names
