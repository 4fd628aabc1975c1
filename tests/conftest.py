"""Shared fixtures: simulated sessions are deterministic, so build each once."""

from __future__ import annotations

import functools

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
