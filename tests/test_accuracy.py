"""Accuracy guards of the fusion on every tier of the scenario catalogue, fed every sensor
(the engine tracks the shoppers itself from cameras and thermal cameras; RFID and
products in hand add evidence). Rules are tuned on seeds below 1000; the guards run on
seeds from 1000 on, which tuning never saw: a few seeds per scenario, and the tiers over
the 20 seeds of the figures of record (``walkout eval --ablation --seeds 20
--first-seed 1000``, README "Accuracy") with a margin."""

from __future__ import annotations

import pytest

from walkout.eval import evaluate_tiers

SEEDS = range(1000, 1004)
#: The seeds of the README's accuracy tables.
RECORD_SEEDS = range(1000, 1020)


@pytest.fixture(scope="module")
def tiers():
    return evaluate_tiers(SEEDS, "all", ["single-picks", "lean-and-hold", "multi-item-picks"])


def test_simple_shopping_with_holds_and_many_units_is_exact(tiers):
    for name, score in tiers.by_scenario.items():
        assert score.f1 == 1.0, f"{name}: F1 {score.f1:.3f} ({score.fp} fp, {score.fn} fn)"


@pytest.mark.parametrize(
    ("scenario", "floor"),
    [
        # Tier 3 (seeds 1000-1003: 0.95-1.0 with appearance embeddings).
        ("wrong-plate-put-back", 0.95),
        ("standing-close", 0.95),
        ("crossing-arms", 0.9),
        ("same-plate-same-time", 0.9),
        ("hand-over", 0.9),
        # Tiers 4 and 5 (seeds 1000-1003: 0.98-1.0).
        ("crowd", 0.92),
        ("sensor-faults", 0.95),
        ("adversarial-crowd", 0.92),
    ],
)
def test_confusions_crowds_and_faults_are_mostly_resolved(scenario, floor):
    table = evaluate_tiers(SEEDS, "all", [scenario])
    score = table.by_scenario[scenario]
    assert score.f1 >= floor, f"{scenario}: F1 {score.f1:.3f} ({score.fp} fp, {score.fn} fn)"


@pytest.mark.parametrize(
    ("scenario", "seed"),
    [
        # The second shopper's hands hidden behind the first's body at a shared plate:
        # standing at the plate beside the first is enough for a share of two units.
        ("same-plate-same-time", 2),
        ("same-plate-same-time", 11),
        # The second shopper next picks the same product from a plate nearby: seen
        # with it afterwards is that pick's unit, not a share of this one.
        ("same-plate-same-time", 13),
        # A walker's hands swinging past the plate's face are no reach into it.
        ("standing-close", 13),
        # The receiver of a hand-over reaches for another of the same right after.
        ("hand-over", 10),
        ("hand-over", 19),
    ],
)
def test_confusions_once_wrong_are_now_exact(scenario, seed):
    table = evaluate_tiers([seed], "all", [scenario])
    score = table.by_scenario[scenario]
    assert (score.fp, score.fn) == (0, 0), f"{scenario} seed {seed}: {score}"


@pytest.mark.slow
def test_the_tiers_of_record_hold_with_a_margin():
    """Tiers 3-5 over the README's 20 seeds: 0.991 / 0.983 / 0.967 when written."""
    table = evaluate_tiers(RECORD_SEEDS, "all")
    floors = {3: 0.98, 4: 0.97, 5: 0.95}
    for tier, score in table.by_tier().items():
        if tier in floors:
            assert score.f1 >= floors[tier], f"tier {tier}: F1 {score.f1:.3f} ({score})"
