"""Simulate, fuse and score many sessions: the accuracy figures of the project."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from walkout.config import StoreConfig
from walkout.engine import Engine
from walkout.eval.causes import ErrorBreakdown, error_breakdown
from walkout.eval.receipts import ReceiptScore, score_receipts, true_receipts
from walkout.replay import DEFAULT_SENSORS, replay
from walkout.sim import simulate
from walkout.ui import progress_bar

if TYPE_CHECKING:
    from walkout.eval.tracking import TrackingScore


@dataclass
class SeedResult:
    """The score of one simulated session (and its tracking accumulator, a
    ``motmetrics.MOTAccumulator``, when tracking was measured)."""

    scenario: str
    seed: int
    score: ReceiptScore
    tracking: Any = None
    breakdown: ErrorBreakdown = field(default_factory=ErrorBreakdown)
    """Its wrong units by cause (:mod:`walkout.eval.causes`)."""


def evaluate(
    scenario: str,
    seeds: Iterable[int],
    config: StoreConfig | None = None,
    progress: bool = False,
    sensors: str | Sequence[str] = DEFAULT_SENSORS,
    tracking: bool = False,
    embeddings: bool = True,
) -> list[SeedResult]:
    """Simulate ``scenario`` once per seed, replay it through the engine with the
    sensor set ``sensors`` (:mod:`walkout.replay`; without ``embeddings``, person
    detections go without their re-identification vectors), and score the receipts
    against the simulator's truth; with ``tracking``, also the engine's tracks against
    the true trajectories (:mod:`walkout.eval.tracking`, needs motmetrics). Each
    result carries its wrong units by cause (:mod:`walkout.eval.causes`).
    """
    seeds = list(seeds)
    out = []
    with progress_bar(f"evaluating {scenario}", total=len(seeds), enabled=progress) as advance:
        for seed in seeds:
            session = simulate(scenario, seed, config)
            # The trajectory log (which fusion never reads) tells tracks apart by body
            # for the error breakdown and the tracking scores.
            engine = Engine(session.config, trajectory_log_hz=5.0)
            replay(session, engine=engine, sensors=sensors, embeddings=embeddings)
            assert session.truth is not None
            score = score_receipts(engine.receipts(), true_receipts(session.truth))
            breakdown = error_breakdown(session.truth, engine)
            acc = None
            if tracking:
                from walkout.eval.tracking import accumulate

                acc = accumulate(session.truth["trajectories"], engine.trajectories())
            out.append(SeedResult(scenario, seed, score, acc, breakdown))
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
    #: Tracking accumulators per scenario (empty when tracking was not measured).
    tracking: dict[str, list[Any]] = field(default_factory=dict)

    def by_tier(self) -> dict[int, ReceiptScore]:
        """Each tier's scenarios pooled."""
        out: dict[int, ReceiptScore] = {}
        for name, score in self.by_scenario.items():
            tier = self.tier_of[name]
            out[tier] = out.get(tier, ReceiptScore()) + score
        return dict(sorted(out.items()))

    def tracking_by_scenario(self) -> dict[str, TrackingScore]:
        """MOTA / IDF1 of each scenario's seeds pooled."""
        from walkout.eval.tracking import score

        return {name: score(accs) for name, accs in self.tracking.items() if accs}

    def tracking_by_tier(self) -> dict[int, TrackingScore]:
        """MOTA / IDF1 of each tier's scenarios and seeds pooled."""
        from walkout.eval.tracking import score

        tiers: dict[int, list[Any]] = {}
        for name, accs in self.tracking.items():
            tiers.setdefault(self.tier_of[name], []).extend(accs)
        return {tier: score(accs) for tier, accs in sorted(tiers.items()) if accs}


def evaluate_tiers(
    seeds: Iterable[int],
    sensors: str | Sequence[str] = DEFAULT_SENSORS,
    scenarios: Iterable[str] | None = None,
    progress: bool = False,
    tracking: bool = False,
    embeddings: bool = True,
) -> TierTable:
    """Every scenario of the catalogue (but ``scale-large``, which is a speed test), or
    the named ones, over ``seeds``: receipt scores (and with ``tracking``, MOTA / IDF1)
    per scenario and per tier; ``embeddings`` as for :func:`evaluate`."""
    from walkout.sim import scenarios as catalogue

    seeds = list(seeds)
    tiers = {s["name"]: int(s["tier"]) for s in catalogue()}
    names = list(scenarios) if scenarios is not None else [n for n in tiers if n != "scale-large"]
    label = sensors if isinstance(sensors, str) else "+".join(sensors)
    table = TierTable(label if embeddings else f"{label}, no embeddings", len(seeds))
    for name in names:
        results = evaluate(name, seeds, None, progress, sensors, tracking, embeddings)
        table.by_scenario[name] = pooled(results)
        table.tier_of[name] = tiers[name]
        if tracking:
            table.tracking[name] = [r.tracking for r in results if r.tracking is not None]
    return table
