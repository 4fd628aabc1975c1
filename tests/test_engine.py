"""The engine through its Python API: arrival order, duplicates, bad input, state."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walkout
from conftest import receipt_summary
from walkout import _core
from walkout.modalities import ingest
from walkout.replay import replay, sensor_set
from walkout.session import Session

T0 = 1_767_258_000_000_000


def _arrivals(
    session: Session,
    rng: np.random.Generator,
    max_delay_s: float,
    dup_every: int,
    sensors: str = "positions",
):
    """Every event of the sensor set with a random network delay; some sent twice.
    Returns per modality the rows and their arrival times."""
    out = {}
    for name in sensor_set(session, sensors):
        cols = getattr(session, name)
        n = len(cols["t_us"])
        idx = np.arange(n)
        if dup_every:
            idx = np.concatenate([idx, idx[::dup_every]])
        delay = rng.integers(0, int(max_delay_s * 1e6) + 1, size=len(idx))
        arrival = cols["t_us"][idx] + delay
        order = np.argsort(arrival, kind="stable")
        out[name] = ({k: v[idx[order]] for k, v in cols.items()}, arrival[order])
    return out


def _feed(engine: walkout.Engine, arrivals: dict, chunk_s: float) -> None:
    start = min(int(a[0]) for _, a in arrivals.values() if len(a))
    end = max(int(a[-1]) for _, a in arrivals.values() if len(a))
    edges = np.arange(start, end + int(chunk_s * 1e6) * 2, int(chunk_s * 1e6))
    cuts = {k: np.searchsorted(a, edges) for k, (_, a) in arrivals.items()}
    for i in range(len(edges) - 1):
        for name, (cols, _) in arrivals.items():
            a, b = cuts[name][i], cuts[name][i + 1]
            if a == b:
                continue
            ingest(engine, name, {k: v[a:b] for k, v in cols.items()})
        engine.step()
    engine.finish()


def test_replay_gives_the_true_receipt(single_session):
    engine = replay(single_session)
    truth = single_session.truth
    assert truth is not None
    expected = sorted(zip(truth["receipts"]["sku"], truth["receipts"]["quantity"], strict=True))
    [receipt] = engine.receipts()
    assert sorted(receipt.quantities().items()) == [(str(s), int(q)) for s, q in expected]
    assert receipt.token == truth["shoppers"]["token"][0]
    assert receipt.total_cents > 0
    assert engine.stats()["weights"]["late"] == 0


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    max_delay_s=st.floats(0.0, 1.9),
    chunk_s=st.sampled_from([0.05, 0.3, 1.0, 4.0]),
    dup_every=st.sampled_from([0, 7, 101]),
    sensors=st.sampled_from(["positions", "all"]),
)
def test_late_shuffled_duplicated_input_gives_identical_results(
    two_shopper_session, seed, max_delay_s, chunk_s, dup_every, sensors
):
    """Whether the shoppers are tracked upstream (positions) or by the engine from every
    camera, thermal, RFID and product stream: the result is a function of the events."""
    reference = replay(two_shopper_session, sensors=sensors)
    engine = walkout.Engine(two_shopper_session.config)
    rng = np.random.default_rng(seed)
    arrivals = _arrivals(two_shopper_session, rng, max_delay_s, dup_every, sensors)
    _feed(engine, arrivals, chunk_s)
    assert receipt_summary(engine) == receipt_summary(reference)
    ev = [(e.plates, e.t_end_us, e.kind, e.assigned_to) for e in engine.shelf_events()]
    ev_ref = [(e.plates, e.t_end_us, e.kind, e.assigned_to) for e in reference.shelf_events()]
    assert ev == ev_ref
    stats = engine.stats()
    assert stats["weights"]["late"] == 0
    if dup_every:
        assert stats["weights"]["duplicates"] > 0


def test_data_older_than_the_processed_time_is_counted_late(single_session):
    engine = walkout.Engine(single_session.config)
    w = single_session.weights
    engine.ingest_weights(
        plate_id=w["plate_id"][:1], t_us=[single_session.end_us], grams=w["grams"][:1]
    )
    engine.step(single_session.end_us)
    engine.ingest_weights(
        plate_id=w["plate_id"][:500], t_us=w["t_us"][:500], grams=w["grams"][:500]
    )
    stats = engine.stats()
    assert stats["weights"]["late"] == 500
    assert stats["weights"]["received"] == 501


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda e: e.ingest_weights(plate_id=[1, 99_999], t_us=[T0, T0], grams=[1.0, 2.0]),
            "weights.plate_id` at row 1",
        ),
        (
            lambda e: e.ingest_weights(plate_id=[1], t_us=[T0], grams=[float("nan")]),
            "weights.grams` at row 0",
        ),
        (lambda e: e.ingest_weights(plate_id=[1, 2], t_us=[T0], grams=[1.0, 2.0]), "weights.t_us"),
        (lambda e: e.ingest_weights(plate_id=[-3], t_us=[T0], grams=[1.0]), "(got -3)"),
        (
            lambda e: e.ingest_weights(plate_id=[1.5], t_us=[T0], grams=[1.0]),
            "weights.plate_id` must hold integers",
        ),
        (lambda e: e.ingest_weights(plate_id=[[1]], t_us=[T0], grams=[1.0]), "must be 1-D"),
        (
            lambda e: e.ingest_positions(t_us=[5], track_id=[1], x=[1.0], y=[1.0]),
            "positions.t_us` at row 0",
        ),
        (
            lambda e: e.ingest_positions(t_us=[T0], track_id=[1], x=[1.0], y=[500.0]),
            "positions.y` at row 0",
        ),
        (
            lambda e: e.ingest_gates(gate_id=[0], t_us=[T0], kind=["leave"]),
            "expected 'enter' (or 'entry') or 'exit' (got 'leave')",
        ),
        (
            lambda e: e.ingest_gates(gate_id=[7], t_us=[T0], kind=["enter"]),
            "gates.gate_id` at row 0",
        ),
    ],
)
def test_bad_input_names_field_row_and_value_and_ingests_nothing(call, fragment):
    engine = walkout.Engine(walkout.sim.default_store())
    with pytest.raises(walkout.InputError) as err:
        call(engine)
    assert fragment in str(err.value)
    stats = engine.stats()
    assert all(stats[m]["received"] == 0 for m in ("weights", "positions", "gates"))


def test_finished_engine_refuses_more_input():
    engine = walkout.Engine(walkout.sim.default_store())
    engine.finish()
    assert engine.finished
    with pytest.raises(walkout.StateError, match="finished"):
        engine.ingest_weights(plate_id=[1], t_us=[T0], grams=[1.0])


def test_core_config_errors_carry_path_and_value():
    cfg = walkout.sim.default_store().model_dump(mode="json")
    cfg["planogram"][0]["sku"] = "NOT-A-SKU"
    import json

    with pytest.raises(walkout.ConfigError) as err:
        _core.Engine(json.dumps(cfg))
    [detail] = err.value.details
    assert detail.path == "planogram[0].sku"
    assert "NOT-A-SKU" in detail.value


def test_the_core_checks_row_shapes_and_layout_itself():
    """Called directly (the Python layer fixes the layout first), the binding still
    refuses a wrong row shape or a strided array, naming the whole field."""
    import json

    engine = _core.Engine(json.dumps(walkout.sim.default_store().model_dump(mode="json")))
    one = (np.array([1], np.uint32), np.array([T0], np.int64))
    f32 = np.float32
    with pytest.raises(walkout.InputError, match=r"`thermal_blobs.centroid` must have shape"):
        engine.ingest_thermal_blobs(*one, np.zeros((1, 3), f32), np.ones(1, f32), np.ones(1, f32))
    strided = np.zeros((1, 8), f32)[:, ::2]
    with pytest.raises(walkout.InputError, match=r"`product_detections.bbox` must be C-cont"):
        engine.ingest_product_detections(*one, strided, np.ones(1, np.uint32), np.ones(1, f32))
    assert engine.stats()["thermal_blobs"]["received"] == 0


def test_zero_copy_columns_are_accepted_in_place():
    from walkout._columns import column

    a = np.arange(10, dtype=np.int64)
    assert column(a, np.int64, "t") is a or np.shares_memory(column(a, np.int64, "t"), a)
    with pytest.raises(walkout.InputError, match=r"fit in uint32 \(got 4294967296\)"):
        column(np.array([1, 2**32]), np.uint32, "ids")


def test_columns_in_the_cores_layout_pass_through_and_others_are_converted():
    from walkout._columns import column, matrix, rows

    box = np.zeros((3, 4), dtype=np.float32)
    assert rows(box, np.float32, (4,), "bbox") is box
    emb = np.ones((3, 8), dtype=np.float32)
    assert matrix(emb, np.float32, "embedding") is emb
    # Another dtype, byte order or a strided view is converted, not passed on.
    for other in (box.astype(np.float64), box.astype(">f4"), np.zeros((3, 8), np.float32)[:, ::2]):
        out = rows(other, np.float32, (4,), "bbox")
        assert out.dtype == np.float32 and out.flags.c_contiguous and out.shape == (3, 4)
    with pytest.raises(walkout.InputError, match=r"`bbox` must have shape \(N, 4\)"):
        rows(np.zeros((3, 5), dtype=np.float32), np.float32, (4,), "bbox")
    t = np.arange(4, dtype=np.int64)
    assert column(t, np.int64, "t") is t


@pytest.mark.parametrize("epc", [3.0, 2 + 1j, True, np.float32(7), np.complex64(1)])
def test_an_epc_that_is_no_text_or_integer_is_refused(epc):
    from walkout._columns import epc_columns

    with pytest.raises(walkout.InputError, match=r"`rfid_reads.epc` at row 1: expected 24 hex"):
        epc_columns(["3074257bf7194e4000001a85", epc])
    assert epc_columns(np.array([5, 6], dtype=np.uint16))[1].tolist() == [5, 6]


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut_fraction=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
    sensors=st.sampled_from(["positions", "all"]),
)
def test_snapshot_restore_at_random_points_gives_identical_receipts(
    two_shopper_session, cut_fraction, sensors
):
    """A process that crashes and restarts from its last checkpoint loses nothing (with
    the tracks' learnt looks in the snapshot: without, a restored engine learns them
    anew, tests/test_embeddings.py)."""
    s = two_shopper_session
    fusion = s.config.fusion.model_copy(update={"snapshot_embeddings": True})
    config = s.config.model_copy(update={"fusion": fusion})
    reference = replay(s, engine=walkout.Engine(config), sensors=sensors)
    chunks = int((s.end_us - s.start_us) / 1e6) + 2
    cuts = {int(f * chunks) for f in cut_fraction}
    engine = walkout.Engine(config)
    rng = np.random.default_rng(0)
    arrivals = _arrivals(s, rng, 0.0, 0, sensors)
    start = s.start_us
    for i in range(chunks + 1):
        lo, hi = start + i * 1_000_000, start + (i + 1) * 1_000_000
        for name, (cols, arrival) in arrivals.items():
            a, b = np.searchsorted(arrival, [lo, hi])
            if a < b:
                ingest(engine, name, {k: v[a:b] for k, v in cols.items()})
        engine.step()
        if i in cuts:
            engine = walkout.Engine.restore(engine.snapshot())
    engine.finish()
    assert receipt_summary(engine) == receipt_summary(reference)
    assert engine.config == config


def test_restore_rejects_garbage():
    with pytest.raises(walkout.StateError, match="bad magic"):
        walkout.Engine.restore(b"not a snapshot")
