"""Evaluation against ground truth: receipts, tracking, and runs over many seeds.

- :mod:`walkout.eval.receipts`: receipt precision / recall / F1 per product unit per
  shopper (:func:`score_receipts`), the true receipts of a simulated session.
- :mod:`walkout.eval.causes`: every wrong unit explained, by cause
  (:func:`error_breakdown`): wrong binding at the gate, identity switch, wrong shopper,
  wrong product or quantity, missed or phantom interaction, hand-over missed or
  invented.
- :mod:`walkout.eval.tracking`: MOTA and IDF1 of the engine's tracks against the true
  trajectories (needs ``motmetrics``: ``pip install walkout[eval]``).
- :mod:`walkout.eval.runs`: simulate, fuse and score many seeds and tiers (the
  project's accuracy tables).

Everything here works on any labelled session, not only simulated ones: the truth is
columns (:mod:`walkout.session`).
"""

from walkout.eval.causes import CAUSES, ErrorBreakdown, error_breakdown
from walkout.eval.receipts import (
    ReceiptScore,
    TrueReceipt,
    match_receipts,
    score_receipts,
    true_receipts,
)
from walkout.eval.runs import SeedResult, TierTable, evaluate, evaluate_tiers, pooled
from walkout.eval.tracking import TrackingScore

__all__ = [
    "CAUSES",
    "ErrorBreakdown",
    "ReceiptScore",
    "SeedResult",
    "TierTable",
    "TrackingScore",
    "TrueReceipt",
    "error_breakdown",
    "evaluate",
    "evaluate_tiers",
    "match_receipts",
    "pooled",
    "score_receipts",
    "true_receipts",
]
