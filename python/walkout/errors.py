"""Exceptions of walkout.

Every error says where the bad value is (a config field path such as
``planogram[3].sku``, or an input column and row) and what the value was. The Rust
core raises these same classes (``pyo3::import_exception!``), so a caller catches one
hierarchy whether the problem was found in Python or in Rust.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorDetail:
    """One problem: where it is, what was there, and what is wrong with it."""

    path: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (got {self.value})"


class WalkoutError(Exception):
    """Base class of every error walkout raises on purpose."""


class ConfigError(WalkoutError, ValueError):
    """The store configuration is malformed or inconsistent.

    ``details`` lists every problem found, each with its field path and value.
    """

    def __init__(self, message: str, details: list[ErrorDetail] | None = None) -> None:
        super().__init__(message, list(details or []))
        self.details: list[ErrorDetail] = list(details or [])

    def __str__(self) -> str:
        return str(self.args[0])


class InputError(WalkoutError, ValueError):
    """A sensor input batch (or another argument) is malformed: wrong shape or dtype,
    NaN, unknown id.

    ``field`` names the input (``"weights.plate_id"``), ``row`` the first bad row
    (``None`` when the problem is the whole column, e.g. its shape) and ``value`` the
    offending value as text (``None`` when there is no single one).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.field: str | None = field
        self.row: int | None = row
        self.value: str | None = value

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only fields survive pickling (multiprocessing, Ray) too.
        return (_input_error, (str(self), self.field, self.row, self.value))


def _input_error(message: str, field: str | None, row: int | None, value: str | None) -> InputError:
    return InputError(message, field=field, row=row, value=value)


class SessionError(WalkoutError, OSError):
    """A session directory is missing files or holds malformed ones."""


class StateError(WalkoutError, RuntimeError):
    """A call the engine's state does not allow, such as ingesting after ``finish()``."""


__all__ = [
    "ConfigError",
    "ErrorDetail",
    "InputError",
    "SessionError",
    "StateError",
    "WalkoutError",
]
