"""Terminal reports: receipts next to the truth, and evaluation summaries."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from walkout import _core
from walkout.config import StoreConfig
from walkout.eval import ReceiptScore, TrueReceipt, score_receipts


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency}"


def receipts_vs_truth(
    console: Console,
    config: StoreConfig,
    receipts: Sequence[_core.Receipt],
    truth: Sequence[TrueReceipt],
) -> ReceiptScore:
    """Print one table per shopper (charged vs. taken) and return the pooled score."""
    names = {p.sku: p.name for p in config.products}
    by_token = {r.token: r for r in receipts if r.token}
    total = ReceiptScore()
    for t in truth:
        r = by_token.get(t.token) if t.token else None
        if r is None:
            r = next((x for x in receipts if x.track_id == t.track_id), None)
        charged = r.quantities() if r is not None else {}
        score = score_receipts([r] if r is not None else [], [t])
        total = total + score
        table = Table(
            title=f"shopper {t.shopper}  token={t.token}  track={t.track_id}  F1={score.f1:.3f}",
            title_justify="left",
        )
        for col in ("sku", "product", "charged", "taken", "confidence", "review"):
            table.add_column(
                col, justify="right" if col in ("charged", "taken", "confidence") else "left"
            )
        lines = {ln.sku: ln for ln in (r.lines if r is not None else [])}
        for sku in sorted(set(charged) | set(t.quantities)):
            c, q = charged.get(sku, 0), t.quantities.get(sku, 0)
            ln = lines.get(sku)
            style = None if c == q else "bold red"
            table.add_row(
                sku,
                names.get(sku, "?"),
                str(c),
                str(q),
                f"{ln.confidence:.2f}" if ln else "",
                "REVIEW" if ln and ln.needs_review else "",
                style=style,
            )
        if r is not None:
            table.caption = f"total {_money(r.total_cents, config.currency)}"
        else:
            table.caption = "no receipt issued"
        console.print(table)
    return total


def score_line(label: str, score: ReceiptScore) -> str:
    """One line: precision, recall, F1 and the unit counts behind them."""
    return (
        f"{label}: precision {score.precision:.4f}  recall {score.recall:.4f}  "
        f"F1 {score.f1:.4f}  (units: {score.tp} right, {score.fp} overcharged, {score.fn} missed)"
    )
