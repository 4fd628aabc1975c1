"""Simulate, fuse and score many sessions: the accuracy figures of the project."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from walkout.config import StoreConfig
from walkout.eval import ReceiptScore, score_receipts, true_receipts
from walkout.replay import DEFAULT_SENSORS, replay
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
    sensors: str | Sequence[str] = DEFAULT_SENSORS,
) -> list[SeedResult]:
    """Simulate ``scenario`` once per seed, replay it through the engine with the
    sensor set ``sensors`` (:mod:`walkout.replay`), and score the receipts against the
    simulator's truth.
    """
    seeds = list(seeds)
    out = []
    with progress_bar(f"evaluating {scenario}", total=len(seeds), enabled=progress) as advance:
        for seed in seeds:
            session = simulate(scenario, seed, config)
            engine = replay(session, sensors=sensors)
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


@dataclass
class TierTable:
    """Pooled scores of many scenarios, per scenario and per difficulty tier."""

    sensors: str
    seeds: int
    by_scenario: dict[str, ReceiptScore] = field(default_factory=dict)
    tier_of: dict[str, int] = field(default_factory=dict)

    def by_tier(self) -> dict[int, ReceiptScore]:
        """Each tier's scenarios pooled."""
        out: dict[int, ReceiptScore] = {}
        for name, score in self.by_scenario.items():
            tier = self.tier_of[name]
            out[tier] = out.get(tier, ReceiptScore()) + score
        return dict(sorted(out.items()))


def evaluate_tiers(
    seeds: Iterable[int],
    sensors: str | Sequence[str] = DEFAULT_SENSORS,
    scenarios: Iterable[str] | None = None,
    progress: bool = False,
) -> TierTable:
    """Every scenario of the catalogue (but ``scale-large``, which is a speed test), or
    the named ones, over ``seeds``: receipt scores per scenario and per tier."""
    from walkout.sim import scenarios as catalogue

    seeds = list(seeds)
    tiers = {s["name"]: int(s["tier"]) for s in catalogue()}
    names = list(scenarios) if scenarios is not None else [n for n in tiers if n != "scale-large"]
    table = TierTable(sensors if isinstance(sensors, str) else "+".join(sensors), len(seeds))
    for name in names:
        table.by_scenario[name] = pooled(evaluate(name, seeds, None, progress, sensors))
        table.tier_of[name] = tiers[name]
    return table
