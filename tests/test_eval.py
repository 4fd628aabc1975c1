"""Receipt scoring per product unit per shopper, and the accuracy targets of the skeleton."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from walkout.eval import TrueReceipt, evaluate, pooled, score_receipts


@dataclass
class FakeReceipt:
    """Only the three attributes the scorer reads: this is test data, not a mock engine."""

    token: str | None
    track_id: int
    q: dict[str, int]
    exit_us: int | None = None

    def quantities(self) -> dict[str, int]:
        return self.q


def test_units_are_counted_per_shopper():
    truth = [
        TrueReceipt(0, 10, "a", {"cola": 2, "chips": 1}),
        TrueReceipt(1, 11, None, {"milk": 1}),
    ]
    predicted = [
        FakeReceipt("a", 99, {"cola": 1, "chips": 1, "gum": 2}),  # matched by token
        FakeReceipt(None, 11, {"milk": 1}),  # matched by track id
        FakeReceipt(None, 12, {"wine": 1}),  # nobody: a false positive
    ]
    s = score_receipts(predicted, truth)
    assert (s.tp, s.fp, s.fn) == (3, 3, 1)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.75)
    assert s.f1 == pytest.approx(0.6)


def test_anonymous_shoppers_are_matched_by_exit_time_when_track_ids_differ():
    # The engine's own camera tracks have ids of their own: an anonymous receipt is the
    # shopper's whose exit it was issued for (within a second), never someone else's.
    truth = [
        TrueReceipt(0, 10, None, {"cola": 1}, exit_us=50_000_000),
        TrueReceipt(1, 11, None, {"milk": 1}, exit_us=52_000_000),
    ]
    predicted = [
        FakeReceipt(None, 2**31 + 1, {"milk": 1}, exit_us=52_100_000),
        FakeReceipt(None, 2**31 + 2, {"cola": 1}, exit_us=49_900_000),
        FakeReceipt(None, 2**31 + 3, {"gum": 1}, exit_us=60_000_000),
    ]
    s = score_receipts(predicted, truth)
    assert (s.tp, s.fp, s.fn) == (2, 1, 0)


def test_missing_receipt_is_all_false_negatives():
    s = score_receipts([], [TrueReceipt(0, 1, "x", {"a": 3})])
    assert (s.tp, s.fp, s.fn) == (0, 0, 3)
    assert s.f1 == 0.0


def test_single_shopper_scenario_is_perfect():
    results = evaluate("single-picks", range(5))
    assert pooled(results).f1 == 1.0


def test_two_shopper_put_back_scenario_reaches_095_over_20_seeds():
    total = pooled(evaluate("two-shoppers-putback", range(20)))
    assert total.f1 >= 0.95, f"F1 {total.f1:.4f}"
