"""Shoppers on the floor: a point per track with its recent trail and an identity label.

The same layer draws the engine's tracks (root ``shoppers``) and the simulator's ground
truth (root ``truth/shoppers``, paler) so that the two can be compared side by side.

Privacy: labels carry the pseudonymous track id and whether the shopper checked in, never
the account token.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import rerun as rr

from walkout.viz import paths, style

_Z_M = 0.05  # points and trails float just above the floor


@dataclass
class _Shopper:
    last_us: int = -(2**62)
    trail: deque[tuple[int, float, float]] = field(default_factory=deque)
    label: str | None = None
    label_us: int = -(2**62)
    styled: bool = False


class ShopperLayer:
    """Positions, trails and labels of the shoppers under one root entity.

    Positions are decimated to at most one every ``interval_s`` per shopper; the trail
    is the path over the last ``trail_s`` seconds, logged with each kept position.
    """

    def __init__(
        self,
        rec: rr.RecordingStream,
        root: str = paths.SHOPPERS,
        *,
        truth: bool = False,
        interval_s: float = 0.2,
        trail_s: float = 10.0,
    ) -> None:
        self._rec = rec
        self._root = root
        self._truth = truth
        self._interval_us = int(interval_s * 1e6)
        self._trail_us = int(trail_s * 1e6)
        self._shoppers: dict[int, _Shopper] = {}
        self.logged = 0

    def _color(self, track_id: int) -> style.Rgb:
        color = style.shopper_color(track_id)
        return style.paler(color) if self._truth else color

    def positions(
        self, t_us: np.ndarray, track_id: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> None:
        """Log positions (any order, any mix of shoppers), decimated per shopper; one
        columnar send per shopper per call.
        """
        order = np.lexsort((t_us, track_id))
        t_us, track_id, x, y = t_us[order], track_id[order], x[order], y[order]
        cuts = np.flatnonzero(np.r_[True, track_id[1:] != track_id[:-1], True])
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            self._track_positions(int(track_id[a]), t_us[a:b], x[a:b], y[a:b])

    def _track_positions(self, tid: int, t_us: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        s = self._shoppers.get(tid)
        if s is None:
            s = self._shoppers[tid] = _Shopper()
        times: list[int] = []
        points: list[tuple[float, float, float]] = []
        strips: list[list[tuple[float, float, float]]] = []
        for t, px, py in zip(t_us.tolist(), x.tolist(), y.tolist(), strict=True):
            if t - s.last_us < self._interval_us:
                continue
            s.last_us = t
            s.trail.append((t, px, py))
            while s.trail[0][0] < t - self._trail_us:
                s.trail.popleft()
            times.append(t)
            points.append((px, py, _Z_M))
            strips.append([(tx, ty, _Z_M) for _, tx, ty in s.trail])
        if not times:
            return
        if not s.styled:
            s.styled = True
            color = self._color(tid)
            paths.at(self._rec, times[0])
            self._rec.log(
                paths.shopper(self._root, tid),
                rr.Points3D.from_fields(colors=[color], radii=[0.12 if self._truth else 0.2]),
            )
            self._rec.log(
                paths.trail(self._root, tid),
                rr.LineStrips3D.from_fields(colors=[color], radii=[0.02 if self._truth else 0.035]),
            )
            if s.label is None:
                self.label(tid, times[0], "truth" if self._truth else f"track {tid}")
        index = [paths.time_column(np.asarray(times, dtype=np.int64))]
        self._rec.send_columns(
            paths.shopper(self._root, tid),
            indexes=index,
            columns=rr.Points3D.columns(positions=np.asarray(points)),
        )
        self._rec.send_columns(
            paths.trail(self._root, tid),
            indexes=index,
            columns=rr.LineStrips3D.columns(strips=strips),
        )
        self.logged += len(times)

    def label(self, track_id: int, t_us: int, text: str) -> None:
        """Set a shopper's label from ``t_us`` on (logged only when it changes; never
        dated before the label it replaces).
        """
        s = self._shoppers.setdefault(track_id, _Shopper())
        if s.label == text:
            return
        s.label = text
        s.label_us = max(int(t_us), s.label_us)
        paths.at(self._rec, s.label_us)
        self._rec.log(
            paths.shopper(self._root, track_id),
            rr.Points3D.from_fields(labels=[text], show_labels=not self._truth),
        )

    def forget(self, track_id: int, t_us: int) -> None:
        """Remove a shopper (and its trail) from the view from ``t_us`` on."""
        if self._shoppers.pop(track_id, None) is None:
            return
        paths.at(self._rec, t_us)
        self._rec.log(paths.shopper(self._root, track_id), rr.Clear(recursive=True))

    def known(self) -> Iterable[int]:
        """Track ids currently shown."""
        return list(self._shoppers)


def track_label(track_id: int, checked_in: bool, state: str) -> str:
    """The label of an estimated track: id, check-in flag (never the token), state."""
    return f"track {track_id} · checked-in: {'yes' if checked_in else 'no'} · {state}"
