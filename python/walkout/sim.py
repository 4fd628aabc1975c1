"""The store simulator (Rust, ``walkout-sim``) from Python: sessions with ground truth.

Every scenario (:func:`scenarios`) names the shipped store it is made for: the
convenience store for most, the large store for ``scale-large``. A session holds every
sensor stream (weights, tracker positions, gates, camera person and product detections,
thermal blobs, RFID reads) and the truth behind them; see :mod:`walkout.session` for the
tables.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from walkout import _core
from walkout.config import StoreConfig
from walkout.engine import as_config
from walkout.errors import InputError
from walkout.modalities import REGISTRY, Columns
from walkout.session import Session

EXAMPLES = Path(__file__).resolve().parent / "stores"
DEFAULT_SCENARIO = "single-picks"


def scenarios() -> list[dict[str, Any]]:
    """The built-in scenarios, easiest first: ``[{"name", "tier", "description", "store",
    "duration_s", "faults"}]``."""
    return sorted(_core.scenarios(), key=lambda s: (s["tier"], s["name"]))


def default_store() -> StoreConfig:
    """The 360-plate convenience store that ships with the package."""
    return store_for()


def store_for(scenario: str = DEFAULT_SCENARIO) -> StoreConfig:
    """The shipped store ``scenario`` is made for (``large.toml`` for ``scale-large``)."""
    stores = {s["name"]: s["store"] for s in _core.scenarios()}
    return as_config(EXAMPLES / f"{stores.get(scenario, 'convenience')}.toml")


def simulate(
    scenario: str = DEFAULT_SCENARIO,
    seed: int = 0,
    config: StoreConfig | str | PathLike[str] | None = None,
    duration_s: float | None = None,
) -> Session:
    """Simulate ``scenario`` (see :func:`scenarios`) in ``config`` (default: the shipped
    store the scenario is made for). ``duration_s`` sets the length of open-ended
    scenarios (``scale-large`` runs an hour by default). Deterministic: the same
    arguments give the same session.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise InputError(
            f"`seed` must be an integer from 0 to 2**64 - 1 (got {seed!r})",
            field="seed",
            value=repr(seed),
        )
    cfg = store_for(scenario) if config is None else as_config(config)
    raw = _core.simulate(cfg.to_core_json(), scenario, int(seed), duration_s)
    truth = {name: _columns(cols) for name, cols in raw["truth"].items()}
    return Session(
        config=cfg,
        meta=dict(raw["meta"]),
        truth=truth,
        streams={name: _columns(raw[name]) for name in REGISTRY if name in raw},
    )


def _columns(cols: dict[str, Any]) -> Columns:
    return {k: _array(v) for k, v in cols.items()}


def _array(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if values and isinstance(values[0], str | type(None)):
        return np.array(values, dtype=object)
    if not values:
        return np.array([], dtype=object)
    return np.asarray(values)
