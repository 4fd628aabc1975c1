"""Replay a session through the engine as a live store would feed it."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from walkout.engine import Engine
from walkout.session import Columns, Session
from walkout.ui import progress_bar


def _by_time(cols: Columns) -> Columns:
    order = np.argsort(cols["t_us"], kind="stable")
    return {k: v[order] for k, v in cols.items()}


def _chunks(cols: Columns, edges: np.ndarray) -> Iterator[Columns]:
    cuts = np.searchsorted(cols["t_us"], edges, side="left")
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        yield {k: v[a:b] for k, v in cols.items()}


def replay(
    session: Session,
    *,
    engine: Engine | None = None,
    chunk_s: float = 1.0,
    progress: bool = False,
) -> Engine:
    """Feed ``session`` to an engine in chunks of ``chunk_s`` seconds of sensor time,
    stepping to the watermark after each, then finish. Returns the finished engine.
    """
    engine = engine or Engine(session.config)
    weights, positions, gates = (
        _by_time(c) for c in (session.weights, session.positions, session.gates)
    )
    step_us = max(1, int(chunk_s * 1e6))
    edges = np.arange(session.start_us, session.end_us + 2 * step_us, step_us, dtype=np.int64)
    edges[-1] = np.iinfo(np.int64).max
    with progress_bar("replaying", total=len(edges) - 1, enabled=progress) as advance:
        for w, p, g in zip(
            _chunks(weights, edges), _chunks(positions, edges), _chunks(gates, edges), strict=True
        ):
            if len(w["t_us"]):
                engine.ingest_weights(w["plate_id"], w["t_us"], w["grams"])
            if len(p["t_us"]):
                engine.ingest_positions(p["t_us"], p["track_id"], p["x"], p["y"])
            if len(g["t_us"]):
                engine.ingest_gates(g["gate_id"], g["t_us"], g["kind"], list(g["token"]))
            engine.step()
            advance()
    engine.finish()
    return engine
