"""Tracking accuracy against the simulator's true trajectories: MOTA and IDF1, computed
by the maintained ``motmetrics`` library (``pip install walkout[eval]``).

Both sides are compared on the floor plane at the truth's frame times (optionally
subsampled): a track's position at a truth frame is interpolated between its logged
positions, and only where the track existed. A track and a true shopper match when they
are within ``max_distance_m`` (0.5 m: about a body width).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # motmetrics is an optional dependency, imported where used
    from motmetrics import MOTAccumulator


@dataclass(frozen=True)
class TrackingScore:
    """CLEAR-MOT and identity metrics of one or more sessions."""

    mota: float
    idf1: float
    num_switches: int
    num_frames: int


def _hypotheses_at(log: Mapping[str, np.ndarray], times: np.ndarray) -> list[dict[int, np.ndarray]]:
    """Per truth frame time: {track_id: position} of the tracks alive then."""
    out: list[dict[int, np.ndarray]] = [{} for _ in times]
    ids = np.asarray(log["track_id"])
    for tid in np.unique(ids):
        sel = ids == tid
        t = np.asarray(log["t_us"])[sel]
        order = np.argsort(t, kind="stable")
        t = t[order]
        x = np.asarray(log["x"])[sel][order]
        y = np.asarray(log["y"])[sel][order]
        # Alive from its first to its last logged position (plus one log interval).
        alive = (times >= t[0]) & (times <= t[-1])
        for i in np.flatnonzero(alive):
            out[i][int(tid)] = np.array([np.interp(times[i], t, x), np.interp(times[i], t, y)])
    return out


def accumulate(
    truth_trajectories: Mapping[str, np.ndarray],
    track_log: Mapping[str, np.ndarray],
    every: int = 3,
    max_distance_m: float = 0.5,
) -> MOTAccumulator:
    """A ``motmetrics.MOTAccumulator`` over the truth frames (every ``every``-th)."""
    import motmetrics as mm

    tt = np.asarray(truth_trajectories["t_us"])
    frames = np.unique(tt)[::every]
    hyps = _hypotheses_at(track_log, frames)
    acc = mm.MOTAccumulator(auto_id=True)
    shopper = np.asarray(truth_trajectories["shopper"])
    tx, ty = np.asarray(truth_trajectories["x"]), np.asarray(truth_trajectories["y"])
    starts = np.searchsorted(tt, frames, side="left")
    ends = np.searchsorted(tt, frames, side="right")
    for f, (a, b) in enumerate(zip(starts, ends, strict=True)):
        gt_ids = shopper[a:b].tolist()
        gt = np.column_stack([tx[a:b], ty[a:b]])
        h_ids = list(hyps[f])
        h = np.array([hyps[f][i] for i in h_ids]).reshape(-1, 2)
        dists = mm.distances.norm2squared_matrix(gt, h, max_d2=max_distance_m**2)
        acc.update(gt_ids, h_ids, dists)
    return acc


def score(accumulators: list[MOTAccumulator]) -> TrackingScore:
    """Pool accumulators of several sessions into one score."""
    import motmetrics as mm

    mh = mm.metrics.create()
    summary = mh.compute_many(
        accumulators,
        metrics=["mota", "idf1", "num_switches", "num_frames"],
        generate_overall=True,
        names=[str(i) for i in range(len(accumulators))],
    )
    row = summary.loc["OVERALL"]
    return TrackingScore(
        mota=float(row["mota"]),
        idf1=float(row["idf1"]),
        num_switches=int(row["num_switches"]),
        num_frames=int(row["num_frames"]),
    )
