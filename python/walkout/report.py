"""Terminal reports: receipts next to the truth, and evaluation summaries."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from walkout import _core
from walkout.config import StoreConfig
from walkout.eval import ReceiptScore, TierTable, TrueReceipt, match_receipts, score_receipts


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
    pairs, _ = match_receipts(receipts, truth)
    total = ReceiptScore()
    for t, r in pairs:
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


def tier_table(console: Console, tables: Sequence[TierTable]) -> None:
    """Receipt F1 per scenario and per tier, one column per sensor set (and MOTA / IDF1
    of the engine's own tracking where it was measured)."""
    first = tables[0]
    table = Table(title=f"receipt F1 per scenario, {first.seeds} seeds each", title_justify="left")
    table.add_column("tier", justify="right")
    table.add_column("scenario")
    for t in tables:
        table.add_column(t.sensors, justify="right")
    tracked = [t for t in tables if t.tracking]
    for t in tracked:
        table.add_column(f"MOTA ({t.sensors})", justify="right")
        table.add_column(f"IDF1 ({t.sensors})", justify="right")
    tracks = [t.tracking_by_scenario() for t in tracked]
    for name, tier in sorted(first.tier_of.items(), key=lambda kv: (kv[1], kv[0])):
        cells = [f"{t.by_scenario[name].f1:.3f}" for t in tables]
        for tr in tracks:
            cells += [f"{tr[name].mota:.3f}", f"{tr[name].idf1:.3f}"] if name in tr else ["", ""]
        table.add_row(str(tier), name, *cells)
    tiers = [t.by_tier() for t in tables]
    tier_tracks = [t.tracking_by_tier() for t in tracked]
    for tier in tiers[0]:
        cells = [f"[bold]{t[tier].f1:.3f}[/]" for t in tiers]
        for tr in tier_tracks:
            cells += [f"[bold]{tr[tier].mota:.3f}[/]", f"[bold]{tr[tier].idf1:.3f}[/]"]
        table.add_row(str(tier), "[bold]all of the tier[/]", *cells)
    console.print(table)
