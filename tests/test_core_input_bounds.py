"""Input the core refuses, through the Python API: each error names the field, the row
and the value, and leaves the engine as it was."""

from __future__ import annotations

import numpy as np
import pytest

import walkout

T0 = 1_767_258_000_000_000
MINIMAL = walkout.stores.minimal()
#: The convenience store has cameras, thermal cameras and RFID; gate 0 is its entry,
#: gate 1 its exit (as in the minimal store).
CONVENIENCE = walkout.stores.convenience()
EPC = "3074257BF7194E4000001A85"


def _weights(engine: walkout.Engine, t_us: int) -> None:
    engine.ingest_weights(plate_id=[0], t_us=[t_us], grams=[1500.0])


@pytest.mark.parametrize(
    "until",
    [T0 * 1000, 2**63 - 1, T0 // 1_000_000, T0 // 1000, 0, -1],
    ids=["nanoseconds", "i64-max", "seconds", "milliseconds", "zero", "negative"],
)
def test_step_refuses_a_time_that_is_not_microseconds(until):
    engine = walkout.Engine(MINIMAL)
    _weights(engine, T0)
    with pytest.raises(walkout.InputError, match=rf"`step.until_us`.*\(got {until}\)"):
        engine.step(until)
    assert engine.stats()["processed_until_us"] is None
    # The engine goes on as if the call had not been made: nothing later counts as late.
    engine.step(T0 + 1_000_000)
    _weights(engine, T0 + 2_000_000)
    assert engine.stats()["weights"]["late"] == 0


def _detection(engine: walkout.Engine) -> None:
    engine.ingest_person_detections(
        camera_id=[0], t_us=[T0], bbox=[[900.0, 300.0, 1000.0, 800.0]], score=[0.9]
    )


def _blob(engine: walkout.Engine) -> None:
    engine.ingest_thermal_blobs(
        camera_id=[0], t_us=[T0], centroid=[[320.0, 256.0]], area_px=[900.0], temperature_c=[33.5]
    )


def _position(engine: walkout.Engine) -> None:
    engine.ingest_positions(t_us=[T0], track_id=[7], x=[2.0], y=[2.0])


@pytest.mark.parametrize("camera", [_detection, _blob], ids=["detections", "blobs"])
def test_positions_after_camera_detections_are_refused(camera):
    engine = walkout.Engine(CONVENIENCE)
    camera(engine)
    # Also after a restart from a snapshot.
    engine = walkout.Engine.restore(engine.snapshot())
    before = engine.stats()
    with pytest.raises(
        walkout.InputError,
        match=r"`positions` at row 0: this engine tracks shoppers from camera detections; "
        r"positions and camera detections are two trackers of the same shoppers and cannot "
        r"be mixed",
    ):
        _position(engine)
    assert engine.stats() == before


@pytest.mark.parametrize(
    ("camera", "field"),
    [(_detection, "person_detections"), (_blob, "thermal_blobs")],
    ids=["detections", "blobs"],
)
def test_camera_detections_after_positions_are_refused(camera, field):
    engine = walkout.Engine(CONVENIENCE)
    _position(engine)
    with pytest.raises(
        walkout.InputError,
        match=rf"`{field}` at row 0: this engine tracks shoppers from "
        r"upstream positions",
    ):
        camera(engine)


def test_gate_tokens_are_bounded():
    engine = walkout.Engine(MINIMAL)
    with pytest.raises(walkout.InputError, match=r"`gates.token` at row 1: .*1048576 bytes") as err:
        engine.ingest_gates(
            gate_id=[0, 0],
            t_us=[T0, T0 + 1],
            kind=["enter", "enter"],
            token=["ok", "A" * (1 << 20)],
        )
    assert len(str(err.value)) < 400
    for bad in ["acct\n2", "\x1b[2J"]:
        with pytest.raises(walkout.InputError, match=r"`gates.token` at row 0: .*control"):
            engine.ingest_gates(gate_id=[0], t_us=[T0], kind=["enter"], token=[bad])
    engine.ingest_gates(gate_id=[0], t_us=[T0], kind=["enter"], token=["x" * 256])
    assert engine.stats()["gates"]["received"] == 1


def test_an_exit_at_an_entry_gate_is_refused():
    engine = walkout.Engine(MINIMAL)
    with pytest.raises(
        walkout.InputError, match=r"`gates.kind` at row 0: an `exit` passage at an entry gate"
    ):
        engine.ingest_gates(gate_id=[0], t_us=[T0], kind=["exit"])
    with pytest.raises(
        walkout.InputError, match=r"`gates.kind` at row 0: an `enter` passage at an exit gate"
    ):
        engine.ingest_gates(gate_id=[1], t_us=[T0], kind=["enter"])
    assert engine.stats()["gates"]["received"] == 0


def test_a_token_on_an_exit_passage_is_refused():
    engine = walkout.Engine(MINIMAL)
    with pytest.raises(walkout.InputError, match=r"`gates.token` at row 0: .*exit passage"):
        engine.ingest_gates(gate_id=[1], t_us=[T0], kind=["exit"], token=["acct-1"])
    engine.ingest_gates(gate_id=[1], t_us=[T0], kind=["exit"], token=[None])
    assert engine.stats()["gates"]["received"] == 1


def test_entry_reads_like_enter():
    engine = walkout.Engine(MINIMAL)
    engine.ingest_gates(gate_id=[0], t_us=[T0], kind=["entry"], token=["acct-1"])
    assert engine.stats()["gates"]["received"] == 1


@pytest.mark.parametrize("bad", ["ABC", "0", " 0x" + EPC[3:]])
def test_epc_text_must_be_24_hex_digits(bad):
    engine = walkout.Engine(CONVENIENCE)
    with pytest.raises(walkout.InputError, match=r"`rfid_reads.epc` at row 1"):
        engine.ingest_rfid_reads(
            reader_id=[0, 0],
            antenna_id=[0, 0],
            t_us=[T0, T0],
            epc=np.array([EPC, bad], dtype=object),
            rssi_dbm=[-50.0, -50.0],
        )
