"""Shared fixtures: simulated sessions are deterministic, so build each once."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from walkout.session import Session
from walkout.sim import simulate


@functools.cache
def _session(scenario: str, seed: int) -> Session:
    return simulate(scenario, seed)


@pytest.fixture
def single_session() -> Session:
    """One shopper picking from several gondolas of the shipped convenience store."""
    return _session("single-picks", 0)


@pytest.fixture
def two_shopper_session() -> Session:
    """Two shoppers side by side, with put-backs."""
    return _session("two-shoppers-putback", 3)


def receipt_summary(engine: object) -> list[tuple[str | None, int, list[tuple[str, int]]]]:
    """Comparable form of an engine's receipts."""
    return sorted(
        (r.token, r.track_id, sorted(r.quantities().items()))
        for r in engine.receipts()  # type: ignore[attr-defined]
    )


def milk_visit(engine: Any, seconds: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The README's integrator feed, second by second, on the minimal store: one shopper
    checks in, takes a litre of milk from plate 0 and leaves. Each second is ingested and
    stepped, then its weight times and grams are yielded."""
    rng = np.random.default_rng(0)
    t0 = 1_767_258_000_000_000
    for second in range(seconds):
        t = t0 + second * 1_000_000 + np.arange(60) * 16_667
        grams = 2400.0 + 6 * 1058.0 - np.where(t >= t0 + 10_000_000, 1058.0, 0.0)
        noisy = grams + rng.normal(0, 5, 60)
        engine.ingest_weights(plate_id=np.zeros(60, int), t_us=t, grams=noisy)
        where = (2.55, 2.2) if 4 <= second < 20 else (0.8, 0.8) if second < 4 else (5.2, 0.8)
        engine.ingest_positions(
            t_us=t[::4], track_id=np.full(15, 7), x=np.full(15, where[0]), y=np.full(15, where[1])
        )
        if second == 1:
            engine.ingest_gates(gate_id=[0], t_us=[t[0]], kind=["enter"], token=["acct-42"])
        if second == 22:
            engine.ingest_gates(gate_id=[1], t_us=[t[0]], kind=["exit"])
        engine.step()
        yield t, noisy
