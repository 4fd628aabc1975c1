"""Fusion results: shelf events, gate passages, carts and receipts.

Each shelf event becomes a text-log row on its plate's entity
(``store/plates/<id>/events``, so selecting the row selects the plate) with its
candidate (sku, quantity) hypotheses and shopper probabilities, and a marker on the
plate while the event is fresh. Carts are a markdown document updated when a cart
changes, plus an item count per shopper; receipts are a document per shopper at exit
time with the review flags, and a log row.

Privacy: no text here carries an account token; a receipt says whether the shopper
checked in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import numpy as np
import rerun as rr

from walkout import _core
from walkout.config import StoreConfig
from walkout.viz import paths, style

_TOP_HYPOTHESES = 3
_TOP_SHOPPERS = 3


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency}"


def _clock(t_us: int) -> str:
    return datetime.fromtimestamp(t_us / 1e6, tz=timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def event_text(ev: _core.ShelfEvent, review_confidence: float) -> str:
    """One line that says what the engine concluded about a shelf event, and why."""
    hyps = sorted(ev.hypotheses, key=lambda h: -h.probability)[:_TOP_HYPOTHESES]
    cands = ", ".join(f"{h.sku} ×{h.quantity} p={h.probability:.2f}" for h in hyps)
    shoppers = sorted(ev.shoppers, key=lambda s: -s.probability)[:_TOP_SHOPPERS]
    who = ", ".join(
        f"track {s.track_id} p={s.probability:.2f} ({s.distance_m:.2f} m)" for s in shoppers
    )
    plates = "+".join(str(p) for p in ev.plates)
    verdict = (
        f"→ track {ev.assigned_to}" if ev.assigned_to is not None else "→ UNASSIGNED (no shopper)"
    )
    flag = " ⚠ review" if ev.confidence < review_confidence else ""
    return (
        f"#{ev.id} {ev.kind} plate {plates} Δ{ev.delta_g:+.0f} g "
        f"({(ev.t_end_us - ev.t_start_us) / 1e6:.1f} s) | "
        f"candidates: {cands or 'none'}, unexplained p={ev.unexplained:.2f} | "
        f"shoppers: {who or 'none in reach'} {verdict} | "
        f"confidence {ev.confidence:.2f}{flag}"
    )


def _event_level(ev: _core.ShelfEvent, review_confidence: float) -> rr.TextLogLevel:
    if ev.assigned_to is None:
        return rr.TextLogLevel.ERROR
    if ev.confidence < review_confidence:
        return rr.TextLogLevel.WARN
    return rr.TextLogLevel.INFO


class EventLayer:
    """Shelf events: a text-log row on the plate and a marker while fresh."""

    def __init__(
        self, rec: rr.RecordingStream, config: StoreConfig, *, marker_s: float = 3.0
    ) -> None:
        self._rec = rec
        self._review = config.fusion.review_confidence
        self._tops = {
            p.id: (np.asarray(p.min) + np.asarray(p.max)) / 2 for _, _, p in config.plates()
        }
        for _, _, p in config.plates():
            self._tops[p.id][2] = p.max[2] + 0.08
        self._marker_us = int(marker_s * 1e6)
        self._expiry: dict[int, int] = {}
        self.logged = 0

    def log(self, ev: _core.ShelfEvent) -> None:
        """Log one shelf event (text on its first plate, markers on every plate)."""
        text = event_text(ev, self._review)
        level = _event_level(ev, self._review)
        paths.at(self._rec, ev.t_end_us)
        self._rec.log(paths.plate_events(ev.plates[0]), rr.TextLog(text, level=level))
        best = max(ev.hypotheses, key=lambda h: h.probability, default=None)
        what = f"{best.sku} ×{best.quantity}" if best is not None else "?"
        color = (
            style.UNASSIGNED
            if ev.assigned_to is None
            else (style.PICK if ev.kind == "pick" else style.PUT_BACK)
        )
        paths.at(self._rec, ev.t_start_us)
        for pid in ev.plates:
            top = self._tops.get(pid)
            if top is None:
                continue
            self._rec.log(
                paths.plate_marker(pid),
                rr.Points3D(
                    [top],
                    colors=[color],
                    radii=[0.07],
                    labels=[f"#{ev.id} {ev.kind} {what}"],
                    show_labels=True,
                ),
            )
            self._expiry[pid] = max(self._expiry.get(pid, 0), ev.t_end_us + self._marker_us)
        self.logged += 1

    def expire(self, now_us: int | None) -> None:
        """Hide the markers whose time is up by ``now_us`` (all if None)."""
        for pid, until in list(self._expiry.items()):
            if now_us is None or until <= now_us:
                paths.at(self._rec, until)
                self._rec.log(paths.plate_marker(pid), rr.Clear(recursive=False))
                del self._expiry[pid]


class GateLayer:
    """Gate passages as text-log rows on the gate (with the bound track, no token)."""

    def __init__(self, rec: rr.RecordingStream) -> None:
        self._rec = rec
        self.logged = 0

    def log(self, passage: _core.GatePassage) -> None:
        """Log one gate passage."""
        who = f"track {passage.track_id}" if passage.track_id is not None else "no track bound"
        checkin = ", app check-in" if passage.has_token else ""
        level = rr.TextLogLevel.INFO if passage.track_id is not None else rr.TextLogLevel.WARN
        paths.at(self._rec, passage.t_us)
        self._rec.log(
            paths.gate_passages(passage.gate_id),
            rr.TextLog(f"{passage.kind} at gate {passage.gate_id}: {who}{checkin}", level=level),
        )
        self.logged += 1


def cart_markdown(carts: Sequence[_core.Cart], names: Mapping[str, str]) -> str:
    """Markdown of the open carts."""
    if not carts:
        return "## Open carts\n\nnone\n"
    out = ["## Open carts", ""]
    for cart in sorted(carts, key=lambda c: c.track_id):
        out.append(f"**track {cart.track_id}**")
        out.append("")
        if not cart.lines:
            out += ["empty", ""]
            continue
        out += ["| sku | product | qty | confidence | events |", "|---|---|---:|---:|---|"]
        for line in cart.lines:
            events = ", ".join(f"#{e}" for e in line.evidence)
            out.append(
                f"| {line.sku} | {names.get(line.sku, '')} | {line.quantity} "
                f"| {line.confidence:.2f} | {events} |"
            )
        out.append("")
    return "\n".join(out)


def _cart_key(cart: _core.Cart) -> tuple[tuple[str, int, float, tuple[int, ...]], ...]:
    return tuple(
        (ln.sku, ln.quantity, round(ln.confidence, 3), tuple(ln.evidence)) for ln in cart.lines
    )


class CartLayer:
    """Open carts: one markdown document, and the item count per shopper over time."""

    def __init__(self, rec: rr.RecordingStream, config: StoreConfig) -> None:
        self._rec = rec
        self._names = {p.sku: p.name for p in config.products}
        self._last: dict[int, tuple[tuple[str, int, float, tuple[int, ...]], ...]] = {}
        self.logged = 0

    def update(
        self, carts: Sequence[_core.Cart], changed_at: Mapping[int, int], now_us: int
    ) -> None:
        """Log the carts if any changed. ``changed_at[track_id]`` dates a shopper's change
        (the end of the newest shelf event assigned to them, or their exit for a cart
        that closed); changes without a date get ``now_us``.
        """
        current = {c.track_id: _cart_key(c) for c in carts}
        if current == self._last:
            return
        when = -(2**62)
        for cart in carts:
            if self._last.get(cart.track_id) == current[cart.track_id]:
                continue
            t = changed_at.get(cart.track_id, now_us)
            paths.at(self._rec, t)
            self._rec.log(
                paths.cart_items(cart.track_id),
                rr.Scalars([float(sum(ln.quantity for ln in cart.lines))]),
            )
            when = max(when, t)
        for gone in set(self._last) - set(current):
            t = changed_at.get(gone, now_us)
            paths.at(self._rec, t)
            self._rec.log(paths.cart_items(gone), rr.Scalars([0.0]))
            when = max(when, t)
        # One document for all carts, dated by the newest change it shows.
        paths.at(self._rec, when)
        self._rec.log(
            paths.CARTS,
            rr.TextDocument(cart_markdown(carts, self._names), media_type="text/markdown"),
        )
        self._last = current
        self.logged += 1


def receipt_markdown(
    receipt: _core.Receipt,
    names: Mapping[str, str],
    currency: str,
    truth: Mapping[str, int] | None = None,
) -> str:
    """Markdown of one receipt with its review flags (and the true quantities if known)."""
    review = "⚠ **needs review**" if receipt.needs_review else "no review needed"
    out = [
        f"## Receipt · track {receipt.track_id}",
        "",
        f"checked-in: {'yes' if receipt.token is not None else 'no'} · "
        f"exit {_clock(receipt.exit_us)} UTC · total **{_money(receipt.total_cents, currency)}**"
        f" · {review}",
        "",
    ]
    head = "| sku | product | qty | unit | total | confidence | review | events |"
    rule = "|---|---|---:|---:|---:|---:|---|---|"
    if truth is not None:
        head += " truth qty |"
        rule += "---:|"
    rows = []
    for ln in receipt.lines:
        row = (
            f"| {ln.sku} | {ln.name} | {ln.quantity} | {_money(ln.unit_price_cents, currency)} "
            f"| {_money(ln.total_cents, currency)} | {ln.confidence:.2f} "
            f"| {'⚠' if ln.needs_review else ''} | {', '.join(f'#{e}' for e in ln.evidence)} |"
        )
        rows.append(row + (f" {truth.get(ln.sku, 0)} |" if truth is not None else ""))
    if truth is not None:
        charged = {ln.sku for ln in receipt.lines}
        for sku, qty in sorted(truth.items()):
            if sku not in charged:
                rows.append(f"| {sku} | {names.get(sku, '')} | 0 | | | | missed | | {qty} |")
    if not rows:
        rows.append("| (nothing charged) |" + " |" * (head.count("|") - 2))
    out += [head, rule, *rows]
    return "\n".join(out) + "\n"


class ReceiptLayer:
    """Receipts at exit time: a document per shopper and a row in the receipt log."""

    def __init__(
        self,
        rec: rr.RecordingStream,
        config: StoreConfig,
        truth: Mapping[int, Mapping[str, int]] | None = None,
    ) -> None:
        self._rec = rec
        self._names = {p.sku: p.name for p in config.products}
        self._currency = config.currency
        self._truth = truth
        self.logged = 0

    def log(self, receipt: _core.Receipt) -> None:
        """Log one receipt at its exit time."""
        truth = None if self._truth is None else self._truth.get(receipt.track_id, {})
        paths.at(self._rec, receipt.exit_us)
        self._rec.log(
            paths.receipt(receipt.track_id),
            rr.TextDocument(
                receipt_markdown(receipt, self._names, self._currency, truth),
                media_type="text/markdown",
            ),
        )
        flagged = sum(ln.needs_review for ln in receipt.lines)
        summary = (
            f"receipt track {receipt.track_id}: {len(receipt.lines)} lines, "
            f"{_money(receipt.total_cents, self._currency)}"
            + (f", {flagged} line(s) need review" if receipt.needs_review else "")
        )
        level = rr.TextLogLevel.WARN if receipt.needs_review else rr.TextLogLevel.INFO
        self._rec.log(paths.RECEIPTS, rr.TextLog(summary, level=level))
        self.logged += 1
