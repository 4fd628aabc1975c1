"""walkout: open sensor fusion for cashierless stores.

Shelf weight plates, shopper positions and gate check-ins stream in; one cart per
shopper and a receipt at the exit come out. The engine runs in Rust (``walkout._core``);
this package holds the configuration, session files, simulation, evaluation and CLI.

The result types the engine returns (:class:`Receipt`, :class:`ReceiptLine`,
:class:`Cart`, :class:`CartLine`, :class:`ShelfEvent`, :class:`Hypothesis`,
:class:`ShopperScore`, :class:`Track`, :class:`GatePassage`, :class:`HandOver`) are
frozen value objects: readable reprs, equality by value, pickling and ``to_dict()``.
"""

from walkout import stores
from walkout._core import (
    Cart,
    CartLine,
    GatePassage,
    HandOver,
    Hypothesis,
    Receipt,
    ReceiptLine,
    ShelfEvent,
    ShopperScore,
    Track,
    __version__,
)
from walkout.config import StoreConfig, load_config
from walkout.engine import Engine
from walkout.errors import (
    ConfigError,
    ErrorDetail,
    InputError,
    SessionError,
    StateError,
    WalkoutError,
)
from walkout.session import Session

__all__ = [
    "Cart",
    "CartLine",
    "ConfigError",
    "Engine",
    "ErrorDetail",
    "GatePassage",
    "HandOver",
    "Hypothesis",
    "InputError",
    "Receipt",
    "ReceiptLine",
    "Session",
    "SessionError",
    "ShelfEvent",
    "ShopperScore",
    "StateError",
    "StoreConfig",
    "Track",
    "WalkoutError",
    "__version__",
    "load_config",
    "stores",
]
