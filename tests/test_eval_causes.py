"""The error breakdown: every wrong unit given one cause, the counts adding up to the
receipts' false positives and negatives; known errors, made by editing the truth of a
real session, are named by their cause."""

from __future__ import annotations

import copy
from functools import cache

import numpy as np
import pytest

import walkout
from walkout.eval import CAUSES, error_breakdown, score_receipts, true_receipts
from walkout.replay import replay
from walkout.session import Session
from walkout.sim import simulate


@cache
def _run(scenario: str, seed: int, sensors: str) -> tuple[Session, walkout.Engine]:
    session = simulate(scenario, seed)
    engine = walkout.Engine(session.config, trajectory_log_hz=5.0)
    replay(session, engine=engine, sensors=sensors)
    return session, engine


@pytest.mark.parametrize(
    ("scenario", "seed", "sensors"),
    [
        ("adversarial-crowd", 0, "positions"),
        ("adversarial-crowd", 4, "positions"),
        ("adversarial-crowd", 5, "all"),
        ("hand-over", 1, "positions"),
        ("crowd", 2, "cameras"),
    ],
)
def test_the_causes_add_up_to_the_wrong_units(scenario: str, seed: int, sensors: str):
    session, engine = _run(scenario, seed, sensors)
    assert session.truth is not None
    score = score_receipts(engine.receipts(), true_receipts(session.truth))
    causes = error_breakdown(session.truth, engine)
    assert causes.total == score.fp + score.fn
    assert sum(fp for _, fp, _ in causes.rows()) == score.fp
    assert sum(fn for _, _, fn in causes.rows()) == score.fn
    assert set(causes.to_dict()) <= set(CAUSES)


def test_a_perfect_session_has_no_cause():
    session, engine = _run("single-picks", 0, "all")
    assert session.truth is not None
    assert error_breakdown(session.truth, engine).total == 0


def _without_action(truth: dict, row: int) -> dict:
    """The truth with action ``row`` never having happened (its unit off the receipt)."""
    out = copy.deepcopy(truth)
    a = out["actions"]
    keep = np.arange(len(a["kind"])) != row
    out["actions"] = {k: np.asarray(v)[keep] for k, v in a.items()}
    _charge(out["receipts"], a, row, -1)
    return out


def _charge(receipts: dict, actions: dict, row: int, sign: int) -> None:
    """Add (``sign`` 1) or take (-1) the units of action ``row`` on its shopper's receipt
    line of its product."""
    shopper, sku = actions["shopper"][row], actions["sku"][row]
    hit = np.flatnonzero((receipts["shopper"] == shopper) & (receipts["sku"] == sku))[0]
    q = np.array(receipts["quantity"], dtype=np.int64)
    q[hit] += sign * int(actions["quantity"][row])
    receipts["quantity"] = q


def _first_pick() -> tuple[Session, walkout.Engine, dict, int]:
    """The single-picks session with every sensor, its truth and the row of its first
    pick in the truth's actions."""
    session, engine = _run("single-picks", 0, "all")
    assert session.truth is not None
    row = int(np.flatnonzero(session.truth["actions"]["kind"] == "pick")[0])
    return session, engine, session.truth, row


def test_a_charge_no_true_action_explains_is_a_phantom_interaction():
    _, engine, truth, row = _first_pick()
    units = int(truth["actions"]["quantity"][row])
    causes = error_breakdown(_without_action(truth, row), engine)
    assert causes.fp["phantom interaction"] == units
    assert causes.total == units


def test_a_true_pick_without_an_event_is_a_missed_interaction():
    session, engine, truth, row = _first_pick()
    truth = copy.deepcopy(truth)
    a = truth["actions"]
    # The same pick once more, a minute after the session: no event can explain it.
    late = int(session.end_us) + 60_000_000
    for k, v in a.items():
        extra = {"t_start_us": late, "t_end_us": late + 500_000}.get(k, v[row])
        a[k] = np.append(np.asarray(v, dtype=np.asarray(v).dtype), extra)
    _charge(truth["receipts"], a, row, 1)
    causes = error_breakdown(truth, engine)
    assert causes.fn["missed interaction"] == int(a["quantity"][row])
    assert causes.total == int(a["quantity"][row])


def test_tokens_on_the_wrong_bodies_are_a_binding_error():
    session, engine = _run("two-shoppers-putback", 3, "all")
    assert session.truth is not None
    truth = copy.deepcopy(session.truth)
    tokens = truth["shoppers"]["token"]
    assert tokens[0] and tokens[1]
    truth["shoppers"]["token"] = np.array([tokens[1], tokens[0], *tokens[2:]], dtype=object)
    truth["receipts"]["token"] = np.array(
        [
            tokens[1] if t == tokens[0] else tokens[0] if t == tokens[1] else t
            for t in truth["receipts"]["token"]
        ],
        dtype=object,
    )
    score = score_receipts(engine.receipts(), true_receipts(truth))
    causes = error_breakdown(truth, engine)
    assert score.fp + score.fn > 0
    assert causes.total == score.fp + score.fn
    assert (
        causes.fp["token bound to the wrong track"] + causes.fn["token bound to the wrong track"]
        == causes.total
    )


def test_the_trajectory_log_changes_no_result():
    session, logged = _run("crowd", 2, "cameras")
    plain = replay(session, sensors="cameras")

    def summary(e: walkout.Engine) -> list:
        return sorted((r.token, r.track_id, sorted(r.quantities().items())) for r in e.receipts())

    assert summary(plain) == summary(logged)
    assert len(plain.shelf_events()) == len(logged.shelf_events())
