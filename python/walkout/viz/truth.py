"""Ground truth of a simulated session, beside the engine's estimate.

``truth/shoppers/<track_id>`` (paler colour) follows each shopper's true path, keyed by
the track id the tracker gave that shopper so that the pair sits side by side;
``truth/actions`` logs what each shopper really did at each plate; and
``truth/receipts/<track_id>`` is what they really left with, at their exit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import rerun as rr

from walkout.config import StoreConfig
from walkout.eval import true_receipts
from walkout.viz import paths
from walkout.viz.shoppers import ShopperLayer

Truth = Mapping[str, Mapping[str, np.ndarray]]


def true_quantities(truth: Truth) -> dict[int, dict[str, int]]:
    """``{track_id: {sku: quantity}}`` that each shopper really left with."""
    return {r.track_id: dict(r.quantities) for r in true_receipts(truth)}


def log_truth(
    rec: rr.RecordingStream, truth: Truth, config: StoreConfig, *, trail_s: float = 10.0
) -> int:
    """Log a session's ground truth; returns the number of rows logged."""
    shoppers = truth["shoppers"]
    track_of = {
        int(s): int(t) for s, t in zip(shoppers["shopper"], shoppers["track_id"], strict=True)
    }
    rows = 0
    traj = truth.get("trajectories")
    if traj is not None and len(traj["t_us"]):
        layer = ShopperLayer(rec, paths.TRUTH_SHOPPERS, truth=True, trail_s=trail_s)
        tracks = np.array([track_of.get(int(s), int(s)) for s in traj["shopper"]], dtype=np.int64)
        layer.positions(
            np.asarray(traj["t_us"], dtype=np.int64),
            tracks,
            np.asarray(traj["x"], dtype=np.float64),
            np.asarray(traj["y"], dtype=np.float64),
        )
        last: dict[int, int] = {}
        for tid, t in zip(tracks.tolist(), traj["t_us"].tolist(), strict=True):
            last[tid] = max(last.get(tid, t), t)
        for tid, t_last in last.items():
            layer.forget(tid, t_last + 1)  # the shopper walked out
        rows += layer.logged
    names = {p.sku: p.name for p in config.products}
    actions = truth.get("actions")
    if actions is not None:
        for i in np.argsort(actions["t_end_us"], kind="stable").tolist():
            shopper = int(actions["shopper"][i])
            sku = str(actions["sku"][i])
            paths.at(rec, int(actions["t_end_us"][i]))
            rec.log(
                paths.TRUTH_ACTIONS,
                rr.TextLog(
                    f"truth: track {track_of.get(shopper, shopper)} {actions['kind'][i]} "
                    f"{sku} ×{int(actions['quantity'][i])} ({names.get(sku, '')}) "
                    f"at plate {int(actions['plate_id'][i])}, "
                    f"{float(actions['grams'][i]):+.0f} g",
                    level="TRUTH",
                ),
            )
            rows += 1
    exit_us = dict(zip(shoppers["shopper"].tolist(), shoppers["exit_us"].tolist(), strict=True))
    for r in true_receipts(truth):
        lines = [
            f"| {sku} | {names.get(sku, '')} | {q} |" for sku, q in sorted(r.quantities.items())
        ]
        doc = "\n".join(
            [
                f"## True receipt · track {r.track_id}",
                "",
                f"checked-in: {'yes' if r.token is not None else 'no'}",
                "",
                "| sku | product | qty |",
                "|---|---|---:|",
                *(lines or ["| (nothing) | | |"]),
            ]
        )
        paths.at(rec, int(exit_us.get(r.shopper, 0)))
        rec.log(paths.truth_receipt(r.track_id), rr.TextDocument(doc, media_type="text/markdown"))
        rows += 1
    return rows
