"""The store configs shipped inside the package, loadable from any folder.

Each function returns the path of the TOML file, which :class:`walkout.Engine`,
:func:`walkout.load_config` and the CLI's ``--store`` all accept::

    engine = walkout.Engine(walkout.stores.minimal())
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

NAMES = ("minimal", "convenience", "large")
"""The shipped stores, smallest first."""


def path(name: str) -> Path:
    """The config file of the shipped store ``name`` (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"no shipped store {name!r}; the shipped stores are {', '.join(NAMES)}")
    return _HERE / f"{name}.toml"


def minimal() -> Path:
    """The minimal store: one gondola of 3 shelves x 4 plates, 6 products, an entry and
    an exit gate, no cameras."""
    return path("minimal")


def convenience() -> Path:
    """The 360-plate convenience store most simulator scenarios are made for."""
    return path("convenience")


def large() -> Path:
    """The large store of the ``scale-large`` scenario."""
    return path("large")


__all__ = ["NAMES", "convenience", "large", "minimal", "path"]
