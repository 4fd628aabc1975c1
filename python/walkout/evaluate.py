"""Simulate, fuse and score many sessions: the accuracy figures of the project."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from walkout.config import StoreConfig
from walkout.eval import ReceiptScore, score_receipts, true_receipts
from walkout.replay import replay
from walkout.sim import simulate
from walkout.ui import progress_bar


@dataclass
class SeedResult:
    """The score of one simulated session."""

    scenario: str
    seed: int
    score: ReceiptScore


def evaluate(
    scenario: str,
    seeds: Iterable[int],
    config: StoreConfig | None = None,
    progress: bool = False,
) -> list[SeedResult]:
    """Simulate ``scenario`` once per seed, replay it through the engine, and score the
    receipts against the simulator's truth.
    """
    seeds = list(seeds)
    out = []
    with progress_bar(f"evaluating {scenario}", total=len(seeds), enabled=progress) as advance:
        for seed in seeds:
            session = simulate(scenario, seed, config)
            engine = replay(session)
            assert session.truth is not None
            score = score_receipts(engine.receipts(), true_receipts(session.truth))
            out.append(SeedResult(scenario, seed, score))
            advance()
    return out


def pooled(results: Iterable[SeedResult]) -> ReceiptScore:
    """All units of all seeds counted together (micro-averaged)."""
    total = ReceiptScore()
    for r in results:
        total = total + r.score
    return total
