"""Sensor streams: plate weights as decimated time series.

A store sends 60 samples a second from every plate; a recording of all of them would be
unusable. Samples are reduced to one (min, mean, max) bin per plate per ``bin_s``
(:class:`WeightBins`), and in the default *auto* selection only the bins around a
change are logged (:class:`WeightLayer`): a plate appears in the plot when its level
moves, with the quiet bin before the change as anchor, and stays until it has been
stable for ``hold_s``. A fixed selection of plates logs every bin of those plates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import rerun as rr

from walkout.config import StoreConfig
from walkout.viz import paths, style

# A bin's mean differs from the plate's reference level by more than this many standard
# errors of a bin mean, or its spread exceeds this many sample sigmas: the plate moves.
_MEAN_SIGMAS = 6.0
_SPREAD_SIGMAS = 8.0
_MIN_DEADBAND_G = 3.0


@dataclass
class Bins:
    """Closed weight bins, sorted by plate then time. ``t_us`` is each bin's centre."""

    plate_id: np.ndarray
    t_us: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray

    def __len__(self) -> int:
        return len(self.plate_id)


class WeightBins:
    """Holds raw samples until their (plate, time bin) closes, then reduces them."""

    def __init__(self, bin_s: float = 0.1) -> None:
        self.bin_us = max(1, int(bin_s * 1e6))
        self._plate = np.empty(0, dtype=np.int64)
        self._bin = np.empty(0, dtype=np.int64)
        self._grams = np.empty(0, dtype=np.float64)
        self._closed_before = -(2**62)  # bins with an index below this are closed
        self.late = 0

    def add(self, plate_id: np.ndarray, t_us: np.ndarray, grams: np.ndarray) -> None:
        """Add raw samples (any order). Samples of an already closed bin are counted as
        ``late`` and left out of the plot (the engine still uses them).
        """
        b = np.asarray(t_us, dtype=np.int64) // self.bin_us
        fresh = b >= self._closed_before
        self.late += int(len(b) - np.count_nonzero(fresh))
        self._plate = np.concatenate([self._plate, np.asarray(plate_id, dtype=np.int64)[fresh]])
        self._bin = np.concatenate([self._bin, b[fresh]])
        self._grams = np.concatenate([self._grams, np.asarray(grams, dtype=np.float64)[fresh]])

    def close(self, until_us: int | None = None) -> Bins:
        """Close and return the bins that end at or before ``until_us`` (all if None)."""
        limit = 2**62 if until_us is None else int(until_us) // self.bin_us
        self._closed_before = max(self._closed_before, limit)
        done = self._bin < limit
        plate, b, g = self._plate[done], self._bin[done], self._grams[done]
        keep = ~done
        self._plate, self._bin, self._grams = self._plate[keep], self._bin[keep], self._grams[keep]
        if len(b) == 0:
            empty_i, empty_f = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
            return Bins(empty_i, empty_i, empty_f, empty_f, empty_f, empty_i)
        order = np.lexsort((b, plate))
        plate, b, g = plate[order], b[order], g[order]
        starts = np.flatnonzero(np.r_[True, (plate[1:] != plate[:-1]) | (b[1:] != b[:-1])])
        n = np.diff(np.r_[starts, len(g)])
        return Bins(
            plate_id=plate[starts],
            t_us=b[starts] * self.bin_us + self.bin_us // 2,
            mean=np.add.reduceat(g, starts) / n,
            lo=np.minimum.reduceat(g, starts),
            hi=np.maximum.reduceat(g, starts),
            n=n,
        )


@dataclass
class _PlateState:
    ref: float | None = None  # stable level while quiet
    last: tuple[int, float, float, float] | None = None  # last quiet bin (anchor)
    active: bool = False
    quiet_bins: int = 0
    named: bool = False


class WeightLayer:
    """Logs decimated plate weights at ``sensors/weights/plate_*``.

    ``plates``: log every bin of these plates; ``None`` (auto) logs only plates that
    change, around their changes. ``noise_g`` maps plate ids to the per-sample noise
    sigma of their load cells (from the store config), which sets the change threshold.
    """

    def __init__(
        self,
        rec: rr.RecordingStream,
        noise_g: Mapping[int, float],
        *,
        plates: Collection[int] | None = None,
        bin_s: float = 0.1,
        hold_s: float = 1.0,
    ) -> None:
        self._rec = rec
        self._noise = dict(noise_g)
        self._plates = None if plates is None else {int(p) for p in plates}
        self._hold_bins = max(1, round(hold_s / bin_s))
        self._state: dict[int, _PlateState] = {}
        self.bins = WeightBins(bin_s)
        self.logged = 0

    def add(self, plate_id: np.ndarray, t_us: np.ndarray, grams: np.ndarray) -> None:
        """Raw samples in; nothing is logged until :meth:`flush` closes their bins."""
        self.bins.add(plate_id, t_us, grams)

    def flush(self, until_us: int | None = None) -> int:
        """Close bins up to ``until_us`` (all if None), log the selected ones; returns
        the number of bins logged.
        """
        bins = self.bins.close(until_us)
        if not len(bins):
            return 0
        before = self.logged
        starts = np.flatnonzero(np.r_[True, bins.plate_id[1:] != bins.plate_id[:-1]])
        ends = np.r_[starts[1:], len(bins)]
        if self._plates is not None:
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                pid = int(bins.plate_id[a])
                if pid in self._plates:
                    self._send(pid, bins, np.arange(a, b))
            return self.logged - before
        # Auto: most plates are quiet; find them without a Python loop over bins.
        sigma = np.array([self._noise.get(int(p), 5.0) for p in bins.plate_id[starts]])
        sigma_bin = np.repeat(sigma, ends - starts)
        ref = np.array([self._ref_or_nan(int(p)) for p in bins.plate_id[starts]], dtype=np.float64)
        ref_bin = np.repeat(ref, ends - starts)
        deadband = np.maximum(
            _MEAN_SIGMAS * sigma_bin / np.sqrt(np.maximum(bins.n, 1)), _MIN_DEADBAND_G
        )
        moving = (
            np.isnan(ref_bin)
            | (np.abs(bins.mean - ref_bin) > deadband)
            | (bins.hi - bins.lo > _SPREAD_SIGMAS * sigma_bin)
        )
        any_moving = np.logical_or.reduceat(moving, starts)
        for a, b, busy in zip(starts.tolist(), ends.tolist(), any_moving.tolist(), strict=True):
            pid = int(bins.plate_id[a])
            st = self._state.setdefault(pid, _PlateState())
            if busy or st.active:
                self._auto(pid, bins, a, b)
            else:  # a quiet plate: remember its last bin as the anchor of a later change
                st.last = (
                    int(bins.t_us[b - 1]),
                    float(bins.mean[b - 1]),
                    float(bins.lo[b - 1]),
                    float(bins.hi[b - 1]),
                )
        return self.logged - before

    def _ref_or_nan(self, pid: int) -> float:
        st = self._state.get(pid)
        return np.nan if st is None or st.ref is None else st.ref

    def _thresholds(self, pid: int, n: np.ndarray) -> tuple[np.ndarray, float]:
        sigma = self._noise.get(pid, 5.0)
        deadband = np.maximum(_MEAN_SIGMAS * sigma / np.sqrt(np.maximum(n, 1)), _MIN_DEADBAND_G)
        return deadband, _SPREAD_SIGMAS * sigma

    def _auto(self, pid: int, bins: Bins, a: int, b: int) -> None:
        st = self._state.setdefault(pid, _PlateState())
        mean, lo, hi, n = bins.mean[a:b], bins.lo[a:b], bins.hi[a:b], bins.n[a:b]
        deadband, spread = self._thresholds(pid, n)
        if st.ref is None:
            st.ref = float(mean[0])
        keep: list[int] = []
        for i in range(a, b):
            k = i - a
            quiet = hi[k] - lo[k] <= spread
            if st.active:
                prev = self._prev_mean(st)
                quiet = quiet and abs(mean[k] - prev) <= deadband[k]
                keep.append(i)
                st.quiet_bins = st.quiet_bins + 1 if quiet else 0
                if st.quiet_bins >= self._hold_bins:
                    st.active, st.ref = False, float(mean[k])
                st.last = (int(bins.t_us[i]), float(mean[k]), float(lo[k]), float(hi[k]))
            elif quiet and abs(mean[k] - st.ref) <= deadband[k]:
                st.last = (int(bins.t_us[i]), float(mean[k]), float(lo[k]), float(hi[k]))
            else:
                if st.last is not None:
                    self._send_one(pid, *st.last)
                st.active, st.quiet_bins = True, 0
                keep.append(i)
                st.last = (int(bins.t_us[i]), float(mean[k]), float(lo[k]), float(hi[k]))
        if keep:
            self._send(pid, bins, np.asarray(keep))

    @staticmethod
    def _prev_mean(st: _PlateState) -> float:
        return st.last[1] if st.last is not None else (st.ref or 0.0)

    def _name(self, pid: int) -> None:
        st = self._state.setdefault(pid, _PlateState())
        if st.named:
            return
        st.named = True
        color = style.series_color(pid)
        self._rec.log(
            paths.weight(pid),
            rr.SeriesLines(
                names=[f"plate {pid} min", f"plate {pid}", f"plate {pid} max"],
                colors=[style.paler(color, 0.4), color, style.paler(color, 0.4)],
                widths=[0.5, 2.0, 0.5],
                visible_series=[False, True, False],
            ),
            static=True,
        )

    def _send_one(self, pid: int, t_us: int, mean: float, lo: float, hi: float) -> None:
        self._name(pid)
        paths.at(self._rec, t_us)
        self._rec.log(paths.weight(pid), rr.Scalars([lo, mean, hi]))
        self.logged += 1

    def _send(self, pid: int, bins: Bins, idx: np.ndarray) -> None:
        if len(idx) == 0:
            return
        self._name(pid)
        values = np.column_stack([bins.lo[idx], bins.mean[idx], bins.hi[idx]])
        self._rec.send_columns(
            paths.weight(pid),
            indexes=[paths.time_column(bins.t_us[idx])],
            columns=rr.Scalars.columns(scalars=values),
        )
        self.logged += len(idx)


def plate_noise(config: StoreConfig) -> dict[int, float]:
    """Per-plate sample noise sigma (grams) from a store config."""
    return {p.id: float(p.sensor.noise_std_g) for _, _, p in config.plates()}
