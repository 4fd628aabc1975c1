"""Gate passages bind the shoppers who made them, also when people pass one after
another: exits are bound jointly, check-ins only take tracks coming from outside."""

from __future__ import annotations

import numpy as np

import walkout

T = 1_767_258_000_000_000
S = 1_000_000
HZ = 15


def _walk(engine: walkout.Engine, track: int, legs: list[tuple[float, float, float, float]]):
    """Positions of ``track`` at 15 Hz: each leg is (from s, to s, x, y) after T."""
    for a, b, x, y in legs:
        t = T + np.arange(int(a * S), int(b * S), S // HZ, dtype=np.int64)
        engine.ingest_positions(
            t_us=t, track_id=np.full(len(t), track), x=np.full(len(t), x), y=np.full(len(t), y)
        )


def _run(legs: dict[int, list], gates: list[tuple[float, int, str, str | None]]) -> walkout.Engine:
    """A finished engine fed the tracks' legs and the gate passages (at s after T)."""
    engine = walkout.Engine(walkout.stores.minimal())
    for track, track_legs in legs.items():
        _walk(engine, track, track_legs)
    for at, gate, kind, token in gates:
        engine.ingest_gates(gate_id=[gate], t_us=[T + int(at * S)], kind=[kind], token=[token])
    engine.finish()
    return engine


def test_two_shoppers_leaving_close_together_each_close_their_own_track():
    # A leaves first but the tracker still places it 0.6 m short of the exit; B, right
    # behind, is 0.2 m from it then and passes 0.7 s later. Nearest-at-the-moment
    # closes B's track at A's passage (and A's at B's): both receipts wrong.
    legs = {
        1: [(0.0, 3.0, 0.8, 0.8), (3.0, 9.5, 4.3, 0.8), (9.5, 10.05, 4.6, 0.8)],
        2: [
            (3.5, 5.0, 0.8, 0.8),
            (5.0, 9.5, 4.0, 1.5),
            (9.5, 10.4, 5.0, 0.8),
            (10.4, 10.75, 5.2, 0.8),
        ],
    }
    gates = [
        (1.0, 0, "enter", "acct-a"),
        (4.0, 0, "enter", "acct-b"),
        (10.0, 1, "exit", None),
        (10.7, 1, "exit", None),
    ]
    engine = _run(legs, gates)
    got = {r.token: (r.track_id, (r.exit_us - T) / S) for r in engine.receipts()}
    assert got["acct-a"] == (1, 10.0)
    assert got["acct-b"] == (2, 10.7)


def test_a_check_in_never_binds_a_shopper_who_is_already_inside():
    # A's own passage was missed (no gate event), A shopped, and walks back past the
    # entry just as B appears there and scans: the scan is B's, although A stands
    # nearer the gate and is still unbound.
    legs = {
        1: [(0.0, 2.0, 0.8, 0.8), (2.0, 9.0, 4.0, 2.0), (9.0, 12.0, 0.9, 0.8)],
        2: [(10.2, 12.0, 1.3, 0.8)],
    }
    engine = _run(legs, [(10.0, 0, "enter", "acct-b")])
    bound = {p.track_id: p.t_us for p in engine.gate_passages() if p.kind == "enter"}
    assert bound.get(2) == T + 10 * S
