"""Terminal reports: receipts next to the truth, and evaluation summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

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
    for t, pred in pairs:
        r = cast("_core.Receipt | None", pred)
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


def _units(score: ReceiptScore) -> int:
    return score.tp + score.fp + score.fn


def score_line(label: str, score: ReceiptScore) -> str:
    """One line: precision, recall, F1 and the unit counts behind them. Without a unit
    charged or taken the scores are undefined, and the line says so."""
    if not _units(score):
        return f"{label}: precision, recall and F1 undefined (no unit charged or taken)"
    return (
        f"{label}: precision {score.precision:.4f}  recall {score.recall:.4f}  "
        f"F1 {score.f1:.4f}  (units: {score.tp} right, {score.fp} overcharged, {score.fn} missed)"
    )


def score_dict(score: ReceiptScore) -> dict[str, float | int | None]:
    """A score as JSON-ready values: precision, recall and F1 (``None`` when no unit was
    charged or taken, where they are undefined) and the unit counts."""
    defined = bool(_units(score))
    return {
        "precision": score.precision if defined else None,
        "recall": score.recall if defined else None,
        "f1": score.f1 if defined else None,
        "units_right": score.tp,
        "units_overcharged": score.fp,
        "units_missed": score.fn,
    }


def tier_tables_dict(tables: Sequence[TierTable]) -> dict[str, Any]:
    """``walkout eval --tiers/--ablation --json``: per sensor set, the score of every
    scenario and tier (with MOTA / IDF1 where tracking was measured)."""
    out = []
    for t in tables:
        tracks = t.tracking_by_scenario() if t.tracking else {}
        tier_tracks = t.tracking_by_tier() if t.tracking else {}
        scenarios = {}
        for name, score in sorted(t.by_scenario.items()):
            row: dict[str, Any] = {"tier": t.tier_of[name], **score_dict(score)}
            if name in tracks:
                row |= {"mota": tracks[name].mota, "idf1": tracks[name].idf1}
            scenarios[name] = row
        tiers = {}
        for tier, score in t.by_tier().items():
            tier_row: dict[str, Any] = dict(score_dict(score))
            if tier in tier_tracks:
                tier_row |= {"mota": tier_tracks[tier].mota, "idf1": tier_tracks[tier].idf1}
            tiers[str(tier)] = tier_row
        out.append({"sensors": t.sensors, "scenarios": scenarios, "tiers": tiers})
    return {"seeds": tables[0].seeds if tables else 0, "tables": out}


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
        for by_tier in tier_tracks:
            cells += [f"[bold]{by_tier[tier].mota:.3f}[/]", f"[bold]{by_tier[tier].idf1:.3f}[/]"]
        table.add_row(str(tier), "[bold]all of the tier[/]", *cells)
    console.print(table)
