"""Conversion of user-supplied columns to the dtypes the core reads in place."""

from __future__ import annotations

import re
from typing import Any, cast

import numpy as np

from walkout.errors import InputError


def _ready(values: Any, dtype: type[np.generic], ndim: int) -> bool:
    """Whether ``values`` is already a C-contiguous ndarray of ``dtype`` and ``ndim``
    dimensions: what an integrator feeding every frame tick usually passes, and then
    nothing needs converting (the general path costs microseconds per column, several
    columns per call, a thousand calls a minute)."""
    return (
        type(values) is np.ndarray
        and values.dtype == dtype
        and values.ndim == ndim
        and values.flags.c_contiguous
    )


def as_array(values: Any, field: str) -> np.ndarray:
    """``np.asarray`` with its failures (ragged nesting, odd objects) as InputError."""
    try:
        return np.asarray(values)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(f"`{field}` is not an array of numbers: {exc}", field=field) from None


def column(values: Any, dtype: type[np.generic], field: str) -> np.ndarray:
    """Return ``values`` as a contiguous 1-D array of ``dtype``.

    No copy is made when the input already has that layout. Integer inputs of another
    width are accepted when every value fits; anything else raises :class:`InputError`
    naming ``field`` and the offending value.
    """
    if _ready(values, dtype, 1):
        return cast(np.ndarray, values)
    arr = as_array(values, field)
    if arr.ndim != 1:
        raise InputError(f"`{field}` must be 1-D (got shape {arr.shape})", field=field)
    if arr.size == 0:
        # No values to check or convert (a cast would still warn, from complex say).
        return np.zeros(0, dtype=dtype)
    if arr.dtype == dtype:
        return np.ascontiguousarray(arr)
    target = np.dtype(dtype)
    if target.kind in "iu":
        if arr.dtype.kind not in "iu":
            raise InputError(f"`{field}` must hold integers (got dtype {arr.dtype})", field=field)
        # Every integer width is range-checked: a cast must never wrap a value into
        # another valid one (300 into gate kind 44, 2**64 - 1 into time -1).
        info = np.iinfo(target)
        lo, hi = int(arr.min()), int(arr.max())
        bad = lo if lo < info.min else hi if hi > info.max else None
        if bad is not None:
            row = int(np.flatnonzero(arr == bad)[0])
            raise InputError(
                f"input error in `{field}` at row {row}: value must fit in {target} (got {bad})",
                field=field,
                row=row,
                value=str(bad),
            )
    elif target.kind == "f" and arr.dtype.kind not in "iuf":
        raise InputError(f"`{field}` must hold numbers (got dtype {arr.dtype})", field=field)
    with np.errstate(over="ignore"):  # out-of-range floats become inf; the core rejects them
        return np.ascontiguousarray(arr.astype(dtype, copy=False))


def _numbers(arr: np.ndarray, dtype: type[np.generic], field: str) -> np.ndarray:
    """``arr``, of a checked shape, as a C-contiguous array of numbers of ``dtype``."""
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=dtype)
    if arr.dtype.kind not in "iuf":
        raise InputError(f"`{field}` must hold numbers (got dtype {arr.dtype})", field=field)
    with np.errstate(over="ignore"):
        return np.ascontiguousarray(arr, dtype=dtype)


def rows(values: Any, dtype: type[np.generic], tail: tuple[int, ...], field: str) -> np.ndarray:
    """Return ``values`` as a C-contiguous array of shape ``(N, *tail)`` and ``dtype``.

    No copy is made when the input already has that layout.
    """
    if _ready(values, dtype, 1 + len(tail)) and values.shape[1:] == tail:
        return cast(np.ndarray, values)
    arr = as_array(values, field)
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape((0, *tail))
    if arr.shape[1:] != tail:
        want = ", ".join(["N", *map(str, tail)])
        raise InputError(f"`{field}` must have shape ({want}) (got {arr.shape})", field=field)
    return _numbers(arr, dtype, field)


def matrix(values: Any, dtype: type[np.generic], field: str) -> np.ndarray:
    """Return ``values`` as a C-contiguous 2-D array ``(N, D)`` of ``dtype``, any D.

    No copy is made when the input already has that layout.
    """
    if _ready(values, dtype, 2):
        return cast(np.ndarray, values)
    arr = as_array(values, field)
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape((0, 0))
    if arr.ndim != 2:
        raise InputError(f"`{field}` must have shape (N, D) (got {arr.shape})", field=field)
    return _numbers(arr, dtype, field)


_EPC = "rfid_reads.epc"

#: One EPC as 12 big-endian bytes: the high 32 bits, then the low 64.
_EPC_BYTES = np.dtype([("hi", ">u4"), ("lo", ">u8")])


_EPC_HEX = re.compile(r"[0-9A-Fa-f]{24}")


def _epc_hex_fast(items: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """EPCs given as strings of exactly 24 hex digits (as session files and readers give
    them), converted without a Python loop per row; None when ``items`` is anything
    else."""
    try:
        text = "".join(items)
    except TypeError:  # not all strings
        return None
    n = len(items)
    if len(text) != 24 * n or (n and set(map(len, items)) != {24}):
        return None
    try:
        raw = bytes.fromhex(text)
    except ValueError:  # not hex digits (or not ASCII)
        return None
    if len(raw) != 12 * n:  # fromhex skipped whitespace: let the row loop judge it
        return None
    both = np.frombuffer(raw, dtype=_EPC_BYTES)
    return both["hi"].astype(np.uint64), both["lo"].astype(np.uint64)


def epc_columns(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split 96-bit EPCs (24-hex-character strings or ints) into high-32 and low-64 bit
    columns, the layout the core reads.

    The common layouts take no Python loop per row: a list (or 1-D array) of 24-digit
    hex strings, and a non-negative integer array. Anything else is converted row by
    row, with the same results and an error naming the row where there is one."""
    if isinstance(values, (str, bytes)):
        raise InputError("`rfid_reads.epc` must be a 1-D sequence of EPCs", field=_EPC)
    if isinstance(values, list):  # a list of strings is 1-D; no array needed to know
        fast = _epc_hex_fast(values)
        if fast is not None:
            return fast
    arr = as_array(values, "rfid_reads.epc")
    if arr.ndim != 1:
        raise InputError("`rfid_reads.epc` must be a 1-D sequence of EPCs", field=_EPC)
    if arr.dtype.kind in "iu" and not (arr.size and arr.dtype.kind == "i" and arr.min() < 0):
        return np.zeros(arr.size, dtype=np.uint64), arr.astype(np.uint64)
    if isinstance(values, np.ndarray) and arr.dtype.kind in "UO":
        fast = _epc_hex_fast(arr.tolist())
        if fast is not None:
            return fast
    items = list(values)
    hi = np.empty(len(items), dtype=np.uint64)
    lo = np.empty(len(items), dtype=np.uint64)
    for row, v in enumerate(items):
        # Only text and integers name a tag: `int()` would also truncate a float, drop
        # a complex number's imaginary part and read True as tag 1.
        integer = isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
        try:
            if not (integer or isinstance(v, str)):
                raise TypeError
            # An EPC-96 as text is exactly 24 hex digits: "ABC" or " 0x..." is no tag.
            if isinstance(v, str) and not _EPC_HEX.fullmatch(v):
                raise ValueError
            n = int(v, 16) if isinstance(v, str) else int(v)
        except (TypeError, ValueError):
            raise InputError(
                f"input error in `rfid_reads.epc` at row {row}: "
                f"expected 24 hex characters or an int (got {v!r})",
                field=_EPC,
                row=row,
                value=repr(v),
            ) from None
        if not 0 <= n < 1 << 96:
            raise InputError(
                f"input error in `rfid_reads.epc` at row {row}: an EPC has 96 bits (got {v!r})",
                field=_EPC,
                row=row,
                value=repr(v),
            )
        hi[row], lo[row] = n >> 64, n & ((1 << 64) - 1)
    return hi, lo
