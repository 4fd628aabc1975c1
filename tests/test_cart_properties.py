"""Cart invariants of whole simulated sessions, whatever the scenario, seed and sensor
set (hypothesis): items are conserved (the engine's shelves, the carts still open and
the receipts add up to the initial stock, per product), no quantity is negative or
zero, and every receipt line comes from a shelf event or a hand-over the engine logged.
The Rust side checks the same on random shopping scripts (proptest,
``crates/walkout-core/tests/cart_properties.rs``)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import walkout
from walkout.replay import replay
from walkout.sim import simulate

# Tiers 1-4 (tier 5 and scale-large take too long for a property test).
SCENARIOS = [
    "single-picks",
    "pick-put-back",
    "multi-item-picks",
    "two-shoppers-putback",
    "wrong-plate-put-back",
    "hand-over",
    "same-plate-same-time",
    "crowd",
    "sensor-faults",
]


def _stock(inventory: dict[int, dict[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in inventory.values():
        for sku, n in counts.items():
            assert n >= 0, f"negative count {n} of {sku} on a plate"
            total[sku] += n
    return total


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(SCENARIOS),
    seed=st.integers(0, 10_000),
    sensors=st.sampled_from(["positions", "all"]),
)
# Found by the property: a split pick put back whole by one shopper; a 15 g touch read
# as a lighter put back by nobody who held one.
@example(scenario="two-shoppers-putback", seed=9737, sensors="positions")
@example(scenario="single-picks", seed=2873, sensors="positions")
def test_items_are_conserved_and_never_negative(scenario: str, seed: int, sensors: str) -> None:
    session = simulate(scenario, seed)
    initial = _stock(walkout.Engine(session.config).inventory())
    engine = replay(session, sensors=sensors)

    bought: Counter[str] = Counter()
    for receipt in engine.receipts():
        for line in receipt.lines:
            assert line.quantity > 0, (receipt.track_id, line.sku, line.quantity)
            bought[line.sku] += line.quantity
    in_carts: Counter[str] = Counter()
    for cart in engine.carts():
        for line in cart.lines:
            assert line.quantity > 0, (cart.track_id, line.sku, line.quantity)
            in_carts[line.sku] += line.quantity
    on_shelves = _stock(engine.inventory())
    for sku in set(initial) | set(bought) | set(in_carts) | set(on_shelves):
        assert on_shelves[sku] + in_carts[sku] + bought[sku] == initial[sku], (
            f"{sku}: {on_shelves[sku]} on shelves + {in_carts[sku]} in carts + "
            f"{bought[sku]} bought != {initial[sku]} at the start"
        )


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=st.sampled_from(SCENARIOS), seed=st.integers(0, 10_000))
def test_every_receipt_line_has_evidence_the_engine_logged(scenario: str, seed: int) -> None:
    session = simulate(scenario, seed)
    engine = replay(session, sensors="all")
    events = {e.id for e in engine.shelf_events()}
    handed = {h.sku for h in engine.hand_overs()}
    for receipt in engine.receipts():
        for line in receipt.lines:
            assert line.evidence or line.sku in handed, (receipt.track_id, line.sku)
            unknown = [i for i in line.evidence if i not in events]
            assert not unknown, (receipt.track_id, line.sku, unknown)


def test_a_put_back_of_a_split_pick_takes_every_unit_back_out_of_the_carts():
    """Two shoppers at one plate, hands unseen: a two-unit pick is split between them;
    then one of them puts both units back. Both leave the carts (the split was wrong),
    none is charged: found by the property above (seed 9737)."""
    session = simulate("two-shoppers-putback", 9737)
    initial = _stock(walkout.Engine(session.config).inventory())
    engine = replay(session, sensors="positions")
    bought: Counter[str] = Counter()
    for receipt in engine.receipts():
        for line in receipt.lines:
            bought[line.sku] += line.quantity
    assert bought["ICED-TEA-500"] == 0
    assert _stock(engine.inventory())["ICED-TEA-500"] == initial["ICED-TEA-500"]
