"""Evaluation against ground truth.

Receipt precision / recall / F1 are counted per product unit per shopper, the
definition of the 2020 CPS-IoT Week autonomous checkout competition: for each shopper,
true positives are ``min(predicted, true)`` units per SKU; every other predicted unit is
a false positive and every other true unit a false negative. Predicted receipts are
matched to true shoppers by account token (the gate check-in), else by track id (when
the engine was fed the session's upstream tracker positions), else, for anonymous
shoppers tracked by the engine's own cameras, by the time they passed the exit gate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class ReceiptScore:
    """Unit counts behind precision, recall and F1; add scores to pool them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    per_shopper: list[dict[str, object]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of charged units that the shopper really took (1.0 when none charged)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of taken units that were charged (1.0 when none taken)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: ReceiptScore) -> ReceiptScore:
        return ReceiptScore(
            self.tp + other.tp,
            self.fp + other.fp,
            self.fn + other.fn,
            self.per_shopper + other.per_shopper,
        )


@dataclass(frozen=True)
class TrueReceipt:
    """What one shopper really left with."""

    shopper: int
    track_id: int
    token: str | None
    quantities: Mapping[str, int]
    exit_us: int | None = None


def true_receipts(truth: Mapping[str, Mapping[str, object]]) -> list[TrueReceipt]:
    """True receipts from a session's ``truth`` tables (shoppers and receipts)."""
    shoppers = truth["shoppers"]
    qty: dict[int, dict[str, int]] = defaultdict(dict)
    r = truth["receipts"]
    for s, sku, q in zip(r["shopper"], r["sku"], r["quantity"], strict=True):
        qty[int(s)][str(sku)] = int(q)
    exits = shoppers.get("exit_us", [None] * len(shoppers["shopper"]))
    out = []
    for s, tid, tok, ex in zip(
        shoppers["shopper"], shoppers["track_id"], shoppers["token"], exits, strict=True
    ):
        out.append(
            TrueReceipt(
                int(s),
                int(tid),
                None if tok is None else str(tok),
                qty.get(int(s), {}),
                None if ex is None else int(ex),
            )
        )
    return out


#: A receipt issued for an exit passage this close to a shopper's true exit is theirs.
EXIT_MATCH_US = 1_000_000


def _by_exit_time(preds: list[object], used: set[int], exit_us: int | None) -> object | None:
    if exit_us is None:
        return None
    best = min(
        (p for p in preds if id(p) not in used and getattr(p, "exit_us", None) is not None),
        key=lambda p: abs(p.exit_us - exit_us),
        default=None,
    )
    if best is None or abs(best.exit_us - exit_us) > EXIT_MATCH_US:
        return None
    return best


def match_receipts(
    predicted: Iterable[object], truth: Iterable[TrueReceipt]
) -> tuple[list[tuple[TrueReceipt, object | None]], list[object]]:
    """Pair each true shopper with their predicted receipt (or None), and list the
    receipts that belong to nobody the truth knows."""
    preds = list(predicted)
    by_token = {p.token: p for p in preds if getattr(p, "token", None)}
    by_track = {p.track_id: p for p in preds}
    used: set[int] = set()
    truth = list(truth)
    # Tokens and track ids first, so exit-time matching only sees what is left.
    matched: dict[int, object] = {}
    for i, t in enumerate(truth):
        p = by_token.get(t.token) if t.token else None
        if p is None:
            p = by_track.get(t.track_id)
        if p is not None and id(p) not in used:
            matched[i] = p
            used.add(id(p))
    for i, t in enumerate(truth):
        if i not in matched and not t.token:
            p = _by_exit_time(preds, used, t.exit_us)
            if p is not None:
                matched[i] = p
                used.add(id(p))
    pairs = [(t, matched.get(i)) for i, t in enumerate(truth)]
    return pairs, [p for p in preds if id(p) not in used]


def score_receipts(predicted: Iterable[object], truth: Iterable[TrueReceipt]) -> ReceiptScore:
    """Score predicted receipts (objects with ``token``, ``track_id``, ``exit_us`` and
    ``quantities()``)."""
    pairs, unmatched = match_receipts(predicted, truth)
    score = ReceiptScore()
    for t, p in pairs:
        pred_qty: Mapping[str, int] = p.quantities() if p is not None else {}
        s = _score_one(pred_qty, t.quantities)
        s.per_shopper.append(
            {
                "shopper": t.shopper,
                "token": t.token,
                "true": dict(t.quantities),
                "predicted": dict(pred_qty),
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
            }
        )
        score = score + s
    # Receipts for nobody the truth knows: every unit on them is a false positive.
    for p in unmatched:
        score = score + _score_one(p.quantities(), {})
    return score


def _score_one(pred: Mapping[str, int], true: Mapping[str, int]) -> ReceiptScore:
    tp = sum(min(pred.get(k, 0), v) for k, v in true.items())
    return ReceiptScore(tp=tp, fp=sum(pred.values()) - tp, fn=sum(true.values()) - tp)
