"""The store simulator (Rust, ``walkout-sim``) from Python: sessions with ground truth."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from walkout import _core
from walkout.config import StoreConfig
from walkout.engine import as_config
from walkout.session import Session

EXAMPLES = Path(__file__).resolve().parent / "stores"
DEFAULT_SCENARIO = "single-picks"


def scenarios() -> list[dict[str, Any]]:
    """The built-in scenarios: ``[{"name", "tier", "description"}]``, easiest first."""
    return sorted(_core.scenarios(), key=lambda s: (s["tier"], s["name"]))


def default_store() -> StoreConfig:
    """The 360-plate convenience store that ships with the package."""
    return as_config(EXAMPLES / "convenience.toml")


def simulate(
    scenario: str = DEFAULT_SCENARIO,
    seed: int = 0,
    config: StoreConfig | str | PathLike[str] | None = None,
) -> Session:
    """Simulate ``scenario`` (see :func:`scenarios`) in ``config`` (default: the
    shipped convenience store). Deterministic: the same arguments give the same session.
    """
    cfg = default_store() if config is None else as_config(config)
    raw = _core.simulate(cfg.to_core_json(), scenario, int(seed))
    truth = {name: {k: _array(v) for k, v in cols.items()} for name, cols in raw["truth"].items()}
    return Session(
        config=cfg,
        weights=raw["weights"],
        positions=raw["positions"],
        gates={k: _array(v) for k, v in raw["gates"].items()},
        meta=dict(raw["meta"]),
        truth=truth,
    )


def _array(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    if values and isinstance(values[0], str | type(None)):
        return np.array(values, dtype=object)
    return np.asarray(values)
