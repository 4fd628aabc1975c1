"""walkout: open sensor fusion for cashierless stores.

Shelf weight plates, shopper positions and gate check-ins stream in; one cart per
shopper and a receipt at the exit come out. The engine runs in Rust (``walkout._core``);
this package holds the configuration, session files, simulation, evaluation and CLI.
"""

from walkout._core import __version__
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
    "ConfigError",
    "Engine",
    "ErrorDetail",
    "InputError",
    "Session",
    "SessionError",
    "StateError",
    "StoreConfig",
    "WalkoutError",
    "__version__",
    "load_config",
]
