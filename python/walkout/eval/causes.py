"""Every wrong unit on a receipt explained: an error breakdown by cause.

:func:`score_receipts` counts the wrong units (false positives: charged but not taken;
false negatives: taken but not charged). This module says why each one is wrong, by
comparing what the engine did with the truth, step by step:

1. Receipts are paired with true shoppers (:func:`match_receipts`). A shopper without
   a receipt, or a receipt of nobody the truth knows, explains all its units.
2. A receipt whose track was somebody else's body when it passed the entry gate has
   its token bound to the wrong track: everything on it is wrong for that reason.
3. Every true shelf action (pick, put-back) is matched to the engine's shelf event on
   the same plate at the same time; the event's charge (its most likely product and
   quantity, given to the receipt of the track it was assigned to) is compared with
   the action's effect. The differences are the causes: an interaction missed (no
   event, or nothing charged) or phantom (an event no action explains), given to the
   wrong shopper (the assigned track was another body at that moment), a track
   identity switch (the track was the right body then, but its receipt is another
   shopper's: its identity changed between the shelf and the exit), the wrong product,
   the wrong quantity.
4. True hand-overs are matched to the engine's (same product, within a few seconds):
   one the engine did not see leaves the unit with the giver, one it invented moves it.

Each shopper's wrong units of each product are then given, one by one, to the causes
found for that shopper and product with the same sign (a unit too many is explained by
a cause that added one); what no cause explains is ``unexplained`` (for example a line
the exit RFID reconciliation added). So the counts always add up to ``fp + fn``.

Who a track "was" at a moment comes from the engine's trajectory log (an engine made
with ``trajectory_log_hz``) and the true trajectories: the nearest true shopper within
:data:`BODY_MATCH_M`. Without a log, a track is the shopper whose upstream track id it
carries (the positions path), else nobody.

It runs on any session with the simulator's truth tables (``actions``, ``shoppers``,
``receipts``, ``trajectories``), so integrators can run it on their own labelled
sessions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from walkout.eval.receipts import TrueReceipt, match_receipts, true_receipts

#: The causes, in the order a unit is explained by them when several apply.
CAUSES = (
    "token bound to the wrong track",
    "no receipt",
    "receipt of nobody",
    "track identity switch",
    "interaction to the wrong shopper",
    "wrong product",
    "wrong quantity",
    "missed interaction",
    "phantom interaction",
    "hand-over missed",
    "hand-over invented",
    "unexplained",
)

#: A track is a true shopper's body when their positions are this close.
BODY_MATCH_M = 0.75
#: A true action and a shelf event match when their intervals are this close.
ACTION_SLACK_US = 1_500_000
#: A true hand-over and the engine's match when this close in time.
HAND_OVER_SLACK_US = 3_000_000


@dataclass
class ErrorBreakdown:
    """Wrong units by cause: ``fp`` and ``fn`` counts per cause (see :data:`CAUSES`)."""

    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: ErrorBreakdown) -> ErrorBreakdown:
        return ErrorBreakdown(self.fp + other.fp, self.fn + other.fn)

    @property
    def total(self) -> int:
        """Every wrong unit: the receipts' ``fp + fn``."""
        return sum(self.fp.values()) + sum(self.fn.values())

    def rows(self) -> list[tuple[str, int, int]]:
        """``(cause, fp, fn)`` for every cause that explains a unit, in :data:`CAUSES`
        order."""
        return [(c, self.fp[c], self.fn[c]) for c in CAUSES if self.fp[c] or self.fn[c]]

    def to_dict(self) -> dict[str, dict[str, int]]:
        """``{cause: {"fp": n, "fn": n}}`` for the causes that explain a unit."""
        return {c: {"fp": fp, "fn": fn} for c, fp, fn in self.rows()}

    def summary(self) -> str:
        """One line: each cause with its units, most first."""
        rows = sorted(self.rows(), key=lambda r: -(r[1] + r[2]))
        parts = [f"{c} {fp + fn} ({fp} fp, {fn} fn)" for c, fp, fn in rows]
        return "; ".join(parts) if parts else "no wrong unit"


@dataclass(frozen=True)
class _Effect:
    """Units of one product added to (positive) or taken from one shopper's receipt,
    and why."""

    shopper: int | None
    sku: str
    units: int
    cause: str


class _Bodies:
    """Who a track was at a moment: the nearest true shopper to its logged position."""

    def __init__(
        self,
        truth_traj: Mapping[str, np.ndarray],
        log: Mapping[str, np.ndarray],
        upstream: Mapping[int, int],
    ) -> None:
        self._upstream = upstream
        t = np.asarray(truth_traj["t_us"], dtype=np.int64)
        order = np.argsort(t, kind="stable")
        self._t = t[order]
        self._who = np.asarray(truth_traj["shopper"])[order]
        self._xy = np.stack(
            [np.asarray(truth_traj["x"])[order], np.asarray(truth_traj["y"])[order]], axis=1
        )
        self._frames = np.unique(self._t)
        self._log: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        lt = np.asarray(log.get("t_us", []), dtype=np.int64)
        if len(lt):
            ids = np.asarray(log["track_id"])
            xy = np.stack([np.asarray(log["x"]), np.asarray(log["y"])], axis=1)
            for tid in np.unique(ids):
                rows = np.flatnonzero(ids == tid)
                rows = rows[np.argsort(lt[rows], kind="stable")]
                self._log[int(tid)] = (lt[rows], xy[rows])

    def at(self, track: int, t_us: int) -> int | None:
        """The true shopper track ``track`` was at ``t_us``, or None."""
        logged = self._log.get(track)
        if logged is None:
            return self._upstream.get(track)
        times, xy = logged
        i = int(np.clip(np.searchsorted(times, t_us), 1, len(times) - 1)) if len(times) > 1 else 0
        if len(times) > 1 and abs(times[i - 1] - t_us) < abs(times[i] - t_us):
            i -= 1
        if abs(int(times[i]) - t_us) > 2_000_000 or not len(self._frames):
            return None
        f = int(np.clip(np.searchsorted(self._frames, times[i]), 0, len(self._frames) - 1))
        a, b = np.searchsorted(self._t, [self._frames[f], self._frames[f] + 1])
        if a == b:
            return None
        d = np.hypot(*(self._xy[a:b] - xy[i]).T)
        j = int(np.argmin(d))
        return int(self._who[a + j]) if d[j] <= BODY_MATCH_M else None


def error_breakdown(truth: Mapping[str, Mapping[str, Any]], engine: Any) -> ErrorBreakdown:
    """The wrong units of ``engine``'s receipts against ``truth`` (a session's truth
    tables), each given one cause. ``engine`` is a finished :class:`walkout.Engine`
    (made with ``trajectory_log_hz`` for the camera path, so its tracks can be told
    apart by body). The counts add up to :func:`score_receipts`'s ``fp + fn``."""
    trues = true_receipts(truth)
    receipts = list(engine.receipts())
    pairs, nobody = match_receipts(receipts, trues)
    upstream = {t.track_id: t.shopper for t in trues}
    bodies = _Bodies(truth["trajectories"], engine.trajectories(), upstream)
    shopper_of_track = {p.track_id: t.shopper for t, p in pairs if p is not None}

    out = ErrorBreakdown()
    for p in nobody:
        out.fp["receipt of nobody"] += sum(p.quantities().values())
    effects = _shelf_effects(truth["actions"], engine.shelf_events(), shopper_of_track, bodies)
    effects += _hand_over_effects(truth["actions"], engine.hand_overs(), shopper_of_track)
    by_key: dict[tuple[int | None, str], list[_Effect]] = defaultdict(list)
    for e in effects:
        by_key[(e.shopper, e.sku)].append(e)
    entries = _entry_times(engine)
    for t, p in pairs:
        if p is None:
            out.fn["no receipt"] += sum(t.quantities.values())
            continue
        pred = p.quantities()
        wrong_body = _bound_to_another(t, p, entries, bodies)
        for sku in set(pred) | set(t.quantities):
            diff = pred.get(sku, 0) - t.quantities.get(sku, 0)
            if diff == 0:
                continue
            side = out.fp if diff > 0 else out.fn
            if wrong_body:
                side["token bound to the wrong track"] += abs(diff)
                continue
            _allocate(side, diff, by_key.get((t.shopper, sku), []))
    return out


def _allocate(side: Counter[str], diff: int, effects: Sequence[_Effect]) -> None:
    """Give ``|diff|`` wrong units to the causes of effects of the same sign, in
    :data:`CAUSES` order; the rest is unexplained."""
    left = abs(diff)
    same = [e for e in effects if (e.units > 0) == (diff > 0)]
    for e in sorted(same, key=lambda e: CAUSES.index(e.cause)):
        take = min(left, abs(e.units))
        side[e.cause] += take
        left -= take
        if not left:
            return
    side["unexplained"] += left


def _entry_times(engine: Any) -> dict[int, int]:
    """When each track was bound at an entry gate."""
    out: dict[int, int] = {}
    for g in engine.gate_passages():
        if g.kind == "enter" and g.track_id is not None:
            out.setdefault(int(g.track_id), int(g.t_us))
    return out


def _bound_to_another(t: TrueReceipt, p: Any, entries: Mapping[int, int], bodies: _Bodies) -> bool:
    """Whether the receipt's track was another shopper's body at its entry."""
    when = entries.get(int(p.track_id))
    if when is None:
        return False
    # Just after the gate, when the body has left the queue behind.
    who = bodies.at(int(p.track_id), when + 1_000_000)
    return who is not None and who != t.shopper


def _charge(event: Any) -> tuple[str, int] | None:
    """The product and quantity a shelf event charges: its most likely hypothesis,
    unless "unexplained" is likelier."""
    best = max(event.hypotheses, key=lambda h: h.probability, default=None)
    if best is None or best.probability < event.unexplained:
        return None
    return str(best.sku), int(best.quantity)


def _match_actions(actions: Mapping[str, Any], events: Sequence[Any]) -> dict[int, list[int]]:
    """Each true shelf action (row of ``actions``) matched to the shelf event on its
    plate nearest in time (intervals within :data:`ACTION_SLACK_US`): event index ->
    action rows."""
    by_plate: dict[int, list[int]] = defaultdict(list)
    for i, e in enumerate(events):
        for plate in e.plates:
            by_plate[int(plate)].append(i)
    out: dict[int, list[int]] = defaultdict(list)
    for row, (kind, plate) in enumerate(zip(actions["kind"], actions["plate_id"], strict=True)):
        if kind not in ("pick", "put_back") or int(plate) < 0:
            continue
        a0, a1 = int(actions["t_start_us"][row]), int(actions["t_end_us"][row])
        best, gap = None, ACTION_SLACK_US + 1
        for i in by_plate.get(int(plate), []):
            e = events[i]
            g = max(e.t_start_us - a1, a0 - e.t_end_us, 0)
            if g < gap:
                best, gap = i, g
        if best is not None:
            out[best].append(row)
        else:
            out[-1 - row].append(row)  # an action with no event: a key of its own
    return out


def _shelf_effects(
    actions: Mapping[str, Any],
    events: Sequence[Any],
    shopper_of_track: Mapping[int, int],
    bodies: _Bodies,
) -> list[_Effect]:
    """What the engine got wrong at the shelves, event by event, as effects on the
    receipts of the true shoppers."""
    out: list[_Effect] = []
    matched = _match_actions(actions, events)
    for i, e in enumerate(events):
        if i not in matched:
            out.extend(_phantom(e, shopper_of_track))
    for key, rows in matched.items():
        truth: Counter[tuple[int, str]] = Counter()
        for row in rows:
            sign = 1 if actions["kind"][row] == "pick" else -1
            truth[(int(actions["shopper"][row]), str(actions["sku"][row]))] += sign * int(
                actions["quantity"][row]
            )
        if key < 0:
            out.extend(_Effect(s, k, -u, "missed interaction") for (s, k), u in truth.items())
            continue
        out.extend(_compare(events[key], truth, shopper_of_track, bodies))
    return out


def _phantom(event: Any, shopper_of_track: Mapping[int, int]) -> list[_Effect]:
    charge = _charge(event)
    if charge is None or event.assigned_to is None:
        return []
    sign = -1 if event.kind == "put_back" else 1
    who = shopper_of_track.get(int(event.assigned_to))
    return [_Effect(who, charge[0], sign * charge[1], "phantom interaction")]


def _compare(
    event: Any,
    truth: Counter[tuple[int, str]],
    shopper_of_track: Mapping[int, int],
    bodies: _Bodies,
) -> list[_Effect]:
    """The effects of one shelf event that differ from the true actions it matched."""
    charge = _charge(event)
    if charge is None or event.assigned_to is None:
        return [_Effect(s, k, -u, "missed interaction") for (s, k), u in truth.items()]
    track = int(event.assigned_to)
    receipt_of = shopper_of_track.get(track)
    sign = -1 if event.kind == "put_back" else 1
    engine: Counter[tuple[int | None, str]] = Counter({(receipt_of, charge[0]): sign * charge[1]})
    out: list[_Effect] = []
    actors = {s for s, _ in truth}
    if receipt_of not in actors:
        # Given to a receipt none of the true actors has: whose body was it then?
        body = bodies.at(track, (event.t_start_us + event.t_end_us) // 2)
        cause = "track identity switch" if body in actors else "interaction to the wrong shopper"
        out.extend(_Effect(s, k, -u, cause) for (s, k), u in truth.items())
        out.append(_Effect(receipt_of, charge[0], sign * charge[1], cause))
        return out
    for s, k in set(truth) | {key for key in engine if key[0] is not None}:
        diff = engine.get((s, k), 0) - truth.get((s, k), 0)
        if not diff:
            continue
        same_product_elsewhere = any(kk == k and ss != s for ss, kk in set(truth) | set(engine))
        if (s, k) in truth and (s, k) in engine:
            cause = "wrong quantity"
        elif same_product_elsewhere:
            cause = "interaction to the wrong shopper"
        else:
            cause = "wrong product"
        out.append(_Effect(s, k, diff, cause))
    return out


def _hand_over_effects(
    actions: Mapping[str, Any], hand_overs: Iterable[Any], shopper_of_track: Mapping[int, int]
) -> list[_Effect]:
    """Hand-overs the engine missed or invented, as effects on the receipts."""
    true_rows = [r for r, k in enumerate(actions["kind"]) if k == "hand_over"]
    seen = list(hand_overs)
    used: set[int] = set()
    out: list[_Effect] = []
    for row in true_rows:
        sku = str(actions["sku"][row])
        giver, receiver = int(actions["shopper"][row]), int(actions["receiver"][row])
        mid = (int(actions["t_start_us"][row]) + int(actions["t_end_us"][row])) // 2
        match = next(
            (
                i
                for i, h in enumerate(seen)
                if i not in used and h.sku == sku and abs(int(h.t_us) - mid) <= HAND_OVER_SLACK_US
            ),
            None,
        )
        if match is not None:
            used.add(match)
            continue
        units = int(actions["quantity"][row])
        out.append(_Effect(giver, sku, units, "hand-over missed"))
        out.append(_Effect(receiver, sku, -units, "hand-over missed"))
    for i, h in enumerate(seen):
        if i in used:
            continue
        out.append(
            _Effect(shopper_of_track.get(int(h.from_track)), h.sku, -1, "hand-over invented")
        )
        out.append(_Effect(shopper_of_track.get(int(h.to_track)), h.sku, 1, "hand-over invented"))
    return out
