"""Checks of the store configuration that a field's own type cannot express.

Two kinds live here: the calibration maths used by the field validators of
``walkout.config`` (one matrix at a time), and the store-wide checks that span many
fields (unique ids, planogram references, overlapping plates, floor extent, gates),
run once every field is individually valid. The Rust core repeats the same checks in
``crates/walkout-core/src/validate.rs``; keep the two in step, tolerances included.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from walkout.config import Plate, StoreConfig

Loc = tuple[str | int, ...]

# A rotation read from a text file carries rounding; 1e-5 accepts 6+ significant
# digits and still rejects any matrix that is visibly not a rotation.
ORTHONORMAL_TOL = 1e-5
# Scale-free singularity test of a homography: |det H| / ||H||_F^3. Real image->floor
# homographies sit around 1e-8; a rank-deficient one is at rounding level.
SINGULAR_TOL = 1e-12
# Plates that share a face are computed as i * width and may cross by a rounding
# error; only an overlap deeper than this on every axis counts.
OVERLAP_TOL_M = 1e-9
# Entries of K that must be exactly 0 or 1, up to rounding.
INTRINSICS_TOL = 1e-9

AXES = "xyz"


@dataclass(frozen=True)
class Problem:
    """One store-wide problem, located by a pydantic-style loc tuple."""

    loc: Loc
    value: object
    message: str


def loc_to_path(loc: Sequence[str | int]) -> str:
    """``("gondolas", 0, "shelves", 2, "min")`` -> ``"gondolas[0].shelves[2].min"``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(root)"


def format_value(value: object, limit: int = 160) -> str:
    """A short, JSON-like rendering of an offending value for error messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- calibration maths -------------------------------------------------------------


def is_3x3(m: Sequence[Sequence[float]]) -> bool:
    """Whether ``m`` is three rows of three numbers."""
    return len(m) == 3 and all(len(row) == 3 for row in m)


def det3(m: Sequence[Sequence[float]]) -> float:
    """Determinant of a 3x3 matrix."""
    return (
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    )


def intrinsics_problem(k: Sequence[Sequence[float]], width: int, height: int) -> str | None:
    """What is wrong with a pinhole matrix K for a ``width`` x ``height`` image, if anything."""
    if not is_3x3(k):
        return "intrinsics must be a 3x3 matrix"
    if k[0][0] <= 0 or k[1][1] <= 0:
        return f"focal lengths fx = K[0][0] and fy = K[1][1] must be > 0 ({k[0][0]}, {k[1][1]})"
    if any(abs(a - b) > INTRINSICS_TOL for a, b in zip(k[2], (0.0, 0.0, 1.0), strict=True)):
        return "last row of the intrinsics must be [0, 0, 1]"
    if abs(k[1][0]) > INTRINSICS_TOL:
        return "K[1][0] must be 0 (intrinsics are upper triangular)"
    cx, cy = k[0][2], k[1][2]
    if not (0 < cx < width and 0 < cy < height):
        return f"principal point ({cx}, {cy}) lies outside the {width}x{height} image"
    return None


def rotation_problem(r: Sequence[Sequence[float]]) -> str | None:
    """What keeps ``r`` from being a proper rotation (orthonormal, det +1), if anything."""
    if not is_3x3(r):
        return "rotation must be a 3x3 matrix"
    worst = max(
        abs(sum(r[i][n] * r[j][n] for n in range(3)) - (1.0 if i == j else 0.0))
        for i in range(3)
        for j in range(3)
    )
    if worst > ORTHONORMAL_TOL:
        return (
            f"rotation is not orthonormal: max |R R^T - I| = {worst:.3g} "
            f"exceeds the tolerance {ORTHONORMAL_TOL:g}"
        )
    det = det3(r)
    if abs(det - 1.0) > ORTHONORMAL_TOL:
        return (
            f"rotation has determinant {det:.6g}, not +1 within {ORTHONORMAL_TOL:g} "
            "(a reflection, not a rotation)"
        )
    return None


def homography_problem(h: Sequence[Sequence[float]]) -> str | None:
    """Whether the image->floor homography ``h`` is malformed or singular."""
    if not is_3x3(h):
        return "homography must be a 3x3 matrix"
    norm = math.sqrt(sum(v * v for row in h for v in row))
    ratio = abs(det3(h)) / norm**3 if norm > 0 else 0.0
    if ratio <= SINGULAR_TOL:
        return (
            f"homography is singular: |det H| / |H|^3 = {ratio:.3g} is not above {SINGULAR_TOL:g}"
        )
    return None


def gtin_check_digit(first13: str) -> int:
    """GS1 mod-10 check digit of the first 13 digits of a GTIN-14 (weights 3, 1, 3, ...)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(first13))
    return (10 - total % 10) % 10


def gtin_problem(gtin: str | None, rfid: bool) -> str | None:
    """What is wrong with a product's GTIN-14, if anything; RFID-tagged products need one
    (their tags carry SGTIN-96 EPCs built from it). The Rust core reports the same."""
    if gtin is None:
        return "an RFID-tagged product (rfid = true) needs a GTIN-14" if rfid else None
    if len(gtin) != 14 or not gtin.isascii() or not gtin.isdigit():
        return f"GTIN must be 14 digits (got {gtin!r})"
    expected = gtin_check_digit(gtin[:13])
    if int(gtin[13]) != expected:
        return f"GTIN {gtin} has check digit {gtin[13]}, expected {expected}"
    return None


def box_problem(lo: Sequence[float], hi: Sequence[float]) -> str | None:
    """Whether ``hi`` fails to exceed ``lo`` on some axis of a box."""
    for axis, a, b in zip(AXES, lo, hi, strict=True):
        if b <= a:
            return f"max must exceed min on every axis; on {axis}: max {b} <= min {a}"
    return None


# --- store-wide checks ---------------------------------------------------------------


def store_problems(cfg: StoreConfig) -> list[Problem]:
    """Every problem that spans more than one field, in document order."""
    return [
        *_duplicate_ids(cfg),
        *_planogram_problems(cfg),
        *_plates_off_floor(cfg),
        *_overlapping_plates(cfg),
        *_gate_problems(cfg),
    ]


def _duplicates(items: Iterable[tuple[Loc, Hashable]], what: str) -> Iterator[Problem]:
    first: dict[Hashable, Loc] = {}
    for loc, key in items:
        if key in first:
            yield Problem(loc, key, f"duplicate {what}, first used at {loc_to_path(first[key])}")
        else:
            first[key] = loc


def _plate_locs(cfg: StoreConfig) -> Iterator[tuple[Loc, Plate]]:
    for gi, gondola in enumerate(cfg.gondolas):
        for si, shelf in enumerate(gondola.shelves):
            for pi, plate in enumerate(shelf.plates):
                yield ("gondolas", gi, "shelves", si, "plates", pi), plate


def _duplicate_ids(cfg: StoreConfig) -> Iterator[Problem]:
    yield from _duplicates(
        ((("products", i, "sku"), p.sku) for i, p in enumerate(cfg.products)), "product sku"
    )
    yield from _duplicates(
        ((("gondolas", i, "id"), g.id) for i, g in enumerate(cfg.gondolas)), "gondola id"
    )
    for gi, gondola in enumerate(cfg.gondolas):
        yield from _duplicates(
            ((("gondolas", gi, "shelves", si, "id"), s.id) for si, s in enumerate(gondola.shelves)),
            f"shelf id in gondola {gondola.id}",
        )
    yield from _duplicates(
        (((*loc, "id"), plate.id) for loc, plate in _plate_locs(cfg)),
        "plate id (plate ids are unique across the store)",
    )
    yield from _duplicates(
        ((("cameras", i, "id"), c.id) for i, c in enumerate(cfg.cameras)), "camera id"
    )
    yield from _duplicates(
        ((("thermal_cameras", i, "id"), c.id) for i, c in enumerate(cfg.thermal_cameras)),
        "thermal camera id",
    )
    yield from _duplicates(
        ((("rfid_readers", i, "id"), r.id) for i, r in enumerate(cfg.rfid_readers)),
        "rfid reader id",
    )
    for ri, reader in enumerate(cfg.rfid_readers):
        yield from _duplicates(
            (
                (("rfid_readers", ri, "antennas", ai, "id"), a.id)
                for ai, a in enumerate(reader.antennas)
            ),
            f"antenna id in rfid reader {reader.id}",
        )
    yield from _duplicates(((("gates", i, "id"), g.id) for i, g in enumerate(cfg.gates)), "gate id")


def _planogram_problems(cfg: StoreConfig) -> Iterator[Problem]:
    skus = {p.sku for p in cfg.products}
    plate_ids = {plate.id for _, _, plate in cfg.plates()}
    seen: dict[tuple[int, str], int] = {}
    for i, entry in enumerate(cfg.planogram):
        if entry.plate not in plate_ids:
            yield Problem(("planogram", i, "plate"), entry.plate, "unknown plate: no plate has id")
        if entry.sku not in skus:
            yield Problem(("planogram", i, "sku"), entry.sku, "unknown sku: no product has it")
        key = (entry.plate, entry.sku)
        if key in seen:
            yield Problem(
                ("planogram", i, "sku"),
                entry.sku,
                f"plate {entry.plate} already lists this sku at planogram[{seen[key]}]",
            )
        else:
            seen[key] = i


def _plates_off_floor(cfg: StoreConfig) -> Iterator[Problem]:
    fx, fy = cfg.floor
    for loc, plate in _plate_locs(cfg):
        lo, hi = plate.min, plate.max
        where = f"the floor [0, {fx}] x [0, {fy}] m (z >= 0)"
        if lo[0] < 0 or lo[1] < 0 or lo[2] < 0:
            yield Problem((*loc, "min"), list(lo), f"plate lies outside {where}")
        elif hi[0] > fx or hi[1] > fy:
            yield Problem((*loc, "max"), list(hi), f"plate lies outside {where}")


def _overlapping_plates(cfg: StoreConfig) -> Iterator[Problem]:
    # Sweep along x: only plates whose x-ranges overlap are compared, so a store of
    # thousands of plates stays fast.
    plates = sorted(_plate_locs(cfg), key=lambda item: item[1].min[0])
    active: list[tuple[Loc, Plate]] = []
    found: list[Problem] = []
    for loc, plate in plates:
        active = [(a_loc, a) for a_loc, a in active if a.max[0] - plate.min[0] > OVERLAP_TOL_M]
        for other_loc, other in active:
            depth = [
                min(plate.max[k], other.max[k]) - max(plate.min[k], other.min[k]) for k in range(3)
            ]
            if all(d > OVERLAP_TOL_M for d in depth):
                # Report at the later plate in document order, naming the earlier one.
                (first_loc, first), (second_loc, second) = sorted(
                    [(other_loc, other), (loc, plate)], key=lambda item: item[0]
                )
                size = " x ".join(f"{d:.3g}" for d in depth)
                found.append(
                    Problem(
                        second_loc,
                        second.id,
                        f"plate {second.id} overlaps plate {first.id} "
                        f"at {loc_to_path(first_loc)} by {size} m",
                    )
                )
        active.append((loc, plate))
    yield from sorted(found, key=lambda problem: problem.loc)


def _gate_problems(cfg: StoreConfig) -> Iterator[Problem]:
    kinds = [g.kind for g in cfg.gates]
    for kind in ("entry", "exit"):
        if kind not in kinds:
            yield Problem(("gates",), kinds, f"the store needs at least one {kind} gate")
    fx, fy = cfg.floor
    for i, gate in enumerate(cfg.gates):
        x, y = gate.position
        if not (0 <= x <= fx and 0 <= y <= fy):
            yield Problem(
                ("gates", i, "position"),
                list(gate.position),
                f"gate lies outside the floor [0, {fx}] x [0, {fy}] m",
            )
