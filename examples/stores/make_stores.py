#!/usr/bin/env python3
"""Generate the example store configs in this directory.

    python examples/stores/make_stores.py

writes ``convenience.toml`` (a 7-Eleven sized store: 5 gondolas x 6 shelves x 12
plates), ``large.toml`` (a supermarket floor of 1008 plates and 64 cameras, for scale
tests), ``minimal.toml`` (one gondola, no cameras, commented), and the core JSON of
each (``*.json``, what the Rust core's ``StoreConfig::from_json`` reads, for Rust-only
users, tests and benches). Every file is then loaded back with
``walkout.config.load_config`` so a generated store that fails validation is caught
here. The output is deterministic (fixed seed).

Store frame: metres, z up, origin at the front-left corner of the floor, the front
wall (with the door and the gates) along y = 0.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE_STORES = REPO / "python" / "walkout" / "stores"

# --- a small TOML writer ----------------------------------------------------------------
# Enough TOML for configs: scalars, arrays, inline tables, tables and arrays of tables,
# plus comments. Keys listed in `inline` are written as multi-line arrays of one-line
# inline tables (compact for hundreds of plates); other lists of tables become [[...]].


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML config values must be finite, got {value}")
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + items + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _is_matrix(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, list) for v in value)


class TomlWriter:
    """Writes one document; comments are keyed by table path and by key name."""

    def __init__(
        self,
        inline: Iterable[str] = (),
        section_comments: dict[str, str] | None = None,
        key_comments: dict[str, str] | None = None,
    ) -> None:
        self.inline = set(inline)
        self.section_comments = dict(section_comments or {})
        self.key_comments = dict(key_comments or {})
        self.lines: list[str] = []

    def dumps(self, doc: dict[str, Any], header: str = "") -> str:
        """The TOML text of ``doc``, after ``header`` (comment lines)."""
        self.lines = [f"# {line}".rstrip() for line in header.splitlines()]
        self._table("", doc)
        return "\n".join(self.lines).strip() + "\n"

    def _section_comment(self, path: str) -> None:
        comment = self.section_comments.pop(path, None)
        if comment is not None:
            self.lines.extend(f"# {line}".rstrip() for line in comment.splitlines())

    def _key(self, key: str, text: str) -> str:
        # Each key is explained once, where it first appears.
        comment = self.key_comments.pop(key, None)
        return f"{text}  # {comment}" if comment else text

    def _table(self, path: str, table: dict[str, Any]) -> None:
        nested = []
        for key, value in table.items():
            full = f"{path}.{key}" if path else key
            if value is None:
                continue
            if isinstance(value, dict) and key not in self.inline:
                nested.append((full, value, False))
            elif _is_table_list(value) and key not in self.inline:
                nested.append((full, value, True))
            elif _is_table_list(value) or _is_matrix(value):
                if full in self.section_comments:
                    self.lines.append("")
                    self._section_comment(full)
                self.lines.append(self._key(key, f"{key} = ["))
                self.lines.extend(f"  {_toml_value(v)}," for v in value)
                self.lines.append("]")
            else:
                self.lines.append(self._key(key, f"{key} = {_toml_value(value)}"))
        for full, value, is_array in nested:
            for item in value if is_array else [value]:
                self.lines.append("")
                self._section_comment(full)
                self.lines.append(f"[[{full}]]" if is_array else f"[{full}]")
                self._table(full, item)


# --- geometry helpers --------------------------------------------------------------------


def _r(x: float, nd: int = 4) -> float:
    # Coordinates are rounded so that neighbouring plates share exactly the same face.
    return round(x, nd) + 0.0


def _sub(a: Sequence[float], b: Sequence[float]) -> list[float]:
    return [x - y for x, y in zip(a, b, strict=True)]


def _cross(a: Sequence[float], b: Sequence[float]) -> list[float]:
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]


def _unit(a: Sequence[float]) -> list[float]:
    n = math.sqrt(sum(x * x for x in a))
    return [x / n for x in a]


def look_at(eye: Sequence[float], target: Sequence[float]) -> tuple[list[list[float]], list[float]]:
    """World->camera rotation R and translation t (OpenCV axes: x right, y down, z forward)."""
    z = _unit(_sub(target, eye))
    x = _unit(_cross(z, [0.0, 0.0, 1.0]))  # horizontal, to the right of the view
    y = _cross(z, x)  # points down in the image
    rot = [[v + 0.0 for v in row] for row in (x, y, z)]  # + 0.0 turns -0.0 into 0.0
    t = [-sum(rot[i][k] * eye[k] for k in range(3)) + 0.0 for i in range(3)]
    return rot, t


def _matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def thermal_homography(
    centre: Sequence[float], width: int, height: int, m_per_px: float, angle_deg: float
) -> list[list[float]]:
    """Image->floor homography of a top-down camera centred over ``centre``.

    Image x runs along world +x and image y along world -y (a camera looking straight
    down, its image top towards the back wall), rotated by a small mounting angle, with
    a slight perspective term because no camera hangs perfectly level.
    """
    a = math.radians(angle_deg)
    to_centre = [[1.0, 0.0, -width / 2], [0.0, 1.0, -height / 2], [0.0, 0.0, 1.0]]
    scale = [[m_per_px, 0.0, 0.0], [0.0, -m_per_px, 0.0], [0.0, 0.0, 1.0]]
    rotate = [[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0], [0, 0, 1.0]]
    place = [[1.0, 0.0, centre[0]], [0.0, 1.0, centre[1]], [0.0, 0.0, 1.0]]
    h = _matmul(place, _matmul(rotate, _matmul(scale, to_centre)))
    h[2] = [2e-7, -1e-7, 1.0]
    return [[float(f"{v:.9g}") for v in row] for row in h]


# --- the convenience store ----------------------------------------------------------------

# sku, name, unit weight g, weight std g, price (cents), rfid.
# Unit weights are gross (contents + packaging). Deliberate near-equal pairs:
# COLA-330 / COLA-ZERO-330, CHIPS-SALT-150 / CHIPS-PAPRIKA-150, CHOC-BAR-50 / CHOC-BAR-NUT-50.
PRODUCTS: list[tuple[str, str, float, float, int, bool]] = [
    ("COLA-330", "Cola can 330 ml", 345.0, 3.0, 149, False),
    ("COLA-ZERO-330", "Cola Zero can 330 ml", 343.5, 3.0, 149, False),
    ("LEMON-SODA-330", "Lemon soda can 330 ml", 351.0, 3.0, 139, False),
    ("ENERGY-250", "Energy drink can 250 ml", 276.0, 2.5, 249, False),
    ("WATER-500", "Still water 500 ml", 521.0, 4.0, 119, False),
    ("WATER-SPARK-500", "Sparkling water 500 ml", 529.0, 4.0, 129, False),
    ("ICED-TEA-500", "Iced tea 500 ml", 538.0, 4.5, 189, False),
    ("OJ-1L", "Orange juice 1 l", 1072.0, 8.0, 349, False),
    ("COLD-BREW-250", "Cold brew coffee 250 ml", 292.0, 3.0, 299, False),
    ("WINE-RED-750", "Red wine 750 ml", 1240.0, 15.0, 1299, True),
    ("MILK-1L", "Whole milk 1 l", 1058.0, 6.0, 179, False),
    ("YOGURT-150", "Strawberry yogurt 150 g", 163.0, 2.0, 89, False),
    ("CHEESE-SLICES-200", "Cheddar slices 200 g", 216.0, 4.0, 329, False),
    ("SANDWICH-HAM", "Ham and cheese sandwich", 186.0, 9.0, 449, False),
    ("CHIPS-SALT-150", "Potato chips salted 150 g", 158.0, 2.5, 249, False),
    ("CHIPS-PAPRIKA-150", "Potato chips paprika 150 g", 159.0, 2.5, 249, False),
    ("PRETZELS-200", "Pretzels 200 g", 209.0, 3.0, 199, False),
    ("NUTS-MIX-100", "Mixed nuts 100 g", 106.0, 1.5, 299, False),
    ("POPCORN-90", "Microwave popcorn 90 g", 96.0, 2.0, 219, False),
    ("CRACKERS-250", "Crackers 250 g", 262.0, 3.0, 229, False),
    ("CHOC-BAR-50", "Milk chocolate bar 50 g", 52.5, 1.0, 129, False),
    ("CHOC-BAR-NUT-50", "Hazelnut chocolate bar 50 g", 53.0, 1.0, 139, False),
    ("GUMMIES-200", "Gummy bears 200 g", 205.0, 2.5, 199, False),
    ("MINTS-40", "Peppermints 40 g", 44.0, 0.8, 179, False),
    ("GUM-10", "Chewing gum 10 pieces", 31.0, 0.6, 149, False),
    ("COOKIES-300", "Chocolate chip cookies 300 g", 312.0, 4.0, 279, False),
    ("BATTERIES-AA4", "AA batteries, 4 pack", 112.0, 1.5, 799, True),
    ("CHARGER-USBC", "USB-C charging cable 1 m", 84.0, 2.0, 1499, True),
    ("RAZOR-3", "Three-blade razor", 68.0, 1.5, 1299, True),
    ("TOOTHPASTE-75", "Toothpaste 75 ml", 118.0, 2.0, 249, False),
    ("TISSUES-10", "Pocket tissues, 10 pack", 152.0, 3.0, 199, False),
    ("LIGHTER", "Disposable lighter", 21.0, 0.5, 149, False),
    ("PAINKILLER-20", "Ibuprofen 200 mg, 20 tablets", 24.0, 0.5, 499, False),
]

# Per gondola, bottom shelf first: (sku, number of adjacent plates), 12 plates a shelf.
# Heavy goods low, small high-value items at eye level.
GONDOLAS: list[tuple[str, list[list[tuple[str, int]]]]] = [
    (
        "drinks",
        [
            [("OJ-1L", 6), ("MILK-1L", 6)],
            [("WATER-500", 6), ("WATER-SPARK-500", 6)],
            [("ICED-TEA-500", 6), ("COLD-BREW-250", 6)],
            [("COLA-330", 6), ("COLA-ZERO-330", 6)],
            [("ENERGY-250", 6), ("LEMON-SODA-330", 6)],
            [("COLA-330", 4), ("COLA-ZERO-330", 4), ("ENERGY-250", 4)],
        ],
    ),
    (
        "dairy and fresh",
        [
            [("WINE-RED-750", 6), ("MILK-1L", 6)],
            [("OJ-1L", 4), ("YOGURT-150", 8)],
            [("CHEESE-SLICES-200", 6), ("YOGURT-150", 6)],
            [("SANDWICH-HAM", 12)],
            [("SANDWICH-HAM", 6), ("COLD-BREW-250", 6)],
            [("WATER-500", 6), ("ICED-TEA-500", 6)],
        ],
    ),
    (
        "snacks",
        [
            [("CRACKERS-250", 6), ("PRETZELS-200", 6)],
            [("CHIPS-SALT-150", 6), ("CHIPS-PAPRIKA-150", 6)],
            [("CHIPS-SALT-150", 4), ("CHIPS-PAPRIKA-150", 4), ("POPCORN-90", 4)],
            [("NUTS-MIX-100", 6), ("POPCORN-90", 6)],
            [("PRETZELS-200", 6), ("NUTS-MIX-100", 6)],
            [("CRACKERS-250", 4), ("CHIPS-SALT-150", 4), ("CHIPS-PAPRIKA-150", 4)],
        ],
    ),
    (
        "sweets",
        [
            [("COOKIES-300", 12)],
            [("GUMMIES-200", 6), ("COOKIES-300", 6)],
            [("CHOC-BAR-50", 6), ("CHOC-BAR-NUT-50", 6)],
            [("CHOC-BAR-50", 4), ("CHOC-BAR-NUT-50", 4), ("MINTS-40", 4)],
            [("MINTS-40", 6), ("GUM-10", 6)],
            [("GUMMIES-200", 6), ("GUM-10", 6)],
        ],
    ),
    (
        "household",
        [
            [("TISSUES-10", 12)],
            [("TOOTHPASTE-75", 6), ("TISSUES-10", 6)],
            [("PAINKILLER-20", 6), ("TOOTHPASTE-75", 6)],
            [("BATTERIES-AA4", 6), ("CHARGER-USBC", 6)],
            [("RAZOR-3", 6), ("LIGHTER", 6)],
            [("LIGHTER", 6), ("PAINKILLER-20", 6)],
        ],
    ),
]

FLOOR = (14.0, 11.0)
PLATE_W = 0.30  # along the gondola (y)
PLATE_D = 0.45  # gondola depth (x)
PLATES_PER_SHELF = 12
SHELF_Z = [0.15, 0.47, 0.79, 1.11, 1.43, 1.75]  # shelf surfaces, bottom to top
PRODUCT_H = 0.28  # product volume above a shelf surface; 4 cm left for the board above
BLOCK_Y0 = 3.7  # gondolas run along y from here, 12 x 0.30 = 3.6 m long
# Gondola x (back-to-back pairs 0|1 and 2|3, 1.8 m aisles) and the side it faces:
# 0 faces the left walkway (x < 4.0), 1 and 2 face aisle A1 (x 4.9..6.7),
# 3 and 4 face aisle A2 (x 7.6..9.4); the right walkway is x > 9.85.
GONDOLA_X = [(4.00, "-x"), (4.45, "+x"), (6.70, "-x"), (7.15, "+x"), (9.40, "-x")]
ENTRY_GATE = (1.5, 1.5)
EXIT_GATE = (12.5, 1.5)
NOISY_PLATES = 8  # plates with a worse load cell (12-15 g noise)


# Units a plate starts with, drawn from a range by how heavy the product is: items of
# 900 g and up, of 250 g and up, lighter ones. Bigger items fill a 0.30 x 0.45 m plate
# with fewer units; supermarket shelves run deep, with stock for an hour of a busy store.
CONVENIENCE_STOCK = ((6, 8), (8, 12), (10, 15))
LARGE_STOCK = ((20, 30), (35, 50), (50, 80))


def _stock_count(weight_g: float, rng: random.Random, ranges: tuple[tuple[int, int], ...]) -> int:
    heavy, medium, light = ranges
    lo, hi = heavy if weight_g >= 900 else medium if weight_g >= 250 else light
    return rng.randint(lo, hi)


def _box_union(boxes: list[tuple[list[float], list[float]]]) -> tuple[list[float], list[float]]:
    lo = [min(b[0][k] for b in boxes) for k in range(3)]
    hi = [max(b[1][k] for b in boxes) for k in range(3)]
    return lo, hi


# GS1 company prefix of the fictional brand owner of every example product (7 digits,
# the length the simulator assumes when it encodes SGTIN-96 EPCs).
COMPANY_PREFIX = "4012345"


def gtin14(item_ref: int, indicator: int = 0) -> str:
    """A valid GTIN-14: indicator digit, company prefix, 5-digit item reference, check."""
    first13 = f"{indicator}{COMPANY_PREFIX}{item_ref:05d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(first13))
    return first13 + str((10 - total % 10) % 10)


def _product(i: int, sku: str, name: str, w: float, std: float, price: int, rfid: bool) -> dict:
    return {
        "sku": sku,
        "name": name,
        "weight_g": w,
        "weight_std_g": std,
        "price_cents": price,
        "rfid": rfid,
        "vision_class": i,
        # Tagged items carry EPCs built from the GTIN, so only they need one here.
        "gtin": gtin14(i + 1) if rfid else None,
    }


def _thermal_cameras(poses: list[tuple[tuple[float, float], float]]) -> list[dict[str, Any]]:
    """640 x 512 top-down thermal cameras at 9 fps, 0.01 m a pixel, one per (centre on the
    floor, rotation) in ``poses``."""
    return [
        {
            "id": i,
            "width": 640,
            "height": 512,
            "fps": 9.0,
            "homography": thermal_homography(centre, 640, 512, 0.01, angle),
        }
        for i, (centre, angle) in enumerate(poses)
    ]


def _rfid_readers(
    exit_gate: Sequence[float], rfid_zones: Mapping[Any, list[tuple[list[float], list[float]]]]
) -> list[dict[str, Any]]:
    """Reader 0 with one antenna over the exit gate, reader 1 with one antenna over each
    zone of tagged shelves (the union of its plates' boxes)."""
    return [
        {
            "id": 0,
            "antennas": [
                {
                    "id": 0,
                    "kind": "exit",
                    "min": [exit_gate[0] - 0.8, exit_gate[1] - 0.8, 0.0],
                    "max": [exit_gate[0] + 0.8, exit_gate[1] + 0.8, 2.2],
                }
            ],
        },
        {
            "id": 1,
            "antennas": [
                {"id": ai, "kind": "shelf", "min": lo, "max": hi}
                for ai, (lo, hi) in enumerate(_box_union(b) for b in rfid_zones.values())
            ],
        },
    ]


def _walkway_gates(entry: Sequence[float], exit_gate: Sequence[float]) -> list[dict[str, Any]]:
    """An entry and an exit gate on the front walkway."""
    return [
        {"id": 0, "kind": "entry", "position": list(entry), "radius_m": 1.2},
        {"id": 1, "kind": "exit", "position": list(exit_gate), "radius_m": 1.2},
    ]


def convenience_store() -> dict[str, Any]:
    """The reference convenience store (see the module docstring for the layout)."""
    rng = random.Random(7)
    weight = {sku: w for sku, _, w, _, _, _ in PRODUCTS}
    rfid_skus = {sku for sku, *_, rfid in PRODUCTS if rfid}
    products = [_product(i, *row) for i, row in enumerate(PRODUCTS)]

    n_plates = len(GONDOLAS) * len(SHELF_Z) * PLATES_PER_SHELF
    noisy = set(rng.sample(range(n_plates), NOISY_PLATES))
    gondolas, planogram = [], []
    rfid_zones: dict[tuple[int, int, str], list[tuple[list[float], list[float]]]] = {}
    plate_id = 0
    for gi, ((name, shelves), (x0, front)) in enumerate(zip(GONDOLAS, GONDOLA_X, strict=True)):
        shelf_list = []
        for si, facings in enumerate(shelves):
            skus = [sku for sku, n in facings for _ in range(n)]
            assert len(skus) == PLATES_PER_SHELF, (name, si)
            plates = []
            for pi, sku in enumerate(skus):
                lo = [_r(x0), _r(BLOCK_Y0 + pi * PLATE_W), _r(SHELF_Z[si])]
                hi = [
                    _r(x0 + PLATE_D),
                    _r(BLOCK_Y0 + (pi + 1) * PLATE_W),
                    _r(SHELF_Z[si] + PRODUCT_H),
                ]
                noise = rng.uniform(12, 15) if plate_id in noisy else rng.uniform(3, 8)
                plates.append(
                    {
                        "id": plate_id,
                        "min": lo,
                        "max": hi,
                        "front": front,
                        "sensor": {"noise_std_g": round(noise, 1), "rate_hz": 60.0},
                    }
                )
                count = _stock_count(weight[sku], rng, CONVENIENCE_STOCK)
                planogram.append({"plate": plate_id, "sku": sku, "count": count})
                if sku in rfid_skus:
                    rfid_zones.setdefault((gi, si, sku), []).append((lo, hi))
                plate_id += 1
            shelf_list.append({"id": si, "plates": plates})
        gondolas.append({"id": gi, "name": name, "shelves": shelf_list})

    return {
        "name": "Walkout convenience store (reference layout)",
        "currency": "USD",
        "floor": list(FLOOR),
        "products": products,
        "gondolas": gondolas,
        "planogram": planogram,
        "cameras": _ceiling_cameras(rng),
        "thermal_cameras": _thermal_cameras([((3.5, 2.4), 1.2), ((10.5, 2.4), -0.8)]),
        "rfid_readers": _rfid_readers(EXIT_GATE, rfid_zones),
        "gates": _walkway_gates(ENTRY_GATE, EXIT_GATE),
    }


# --- the large store ----------------------------------------------------------------------

LARGE_FLOOR = (26.0, 20.0)
LARGE_PLATE_W = 0.5  # along the gondola (y)
LARGE_PLATE_D = 0.5  # gondola depth (x)
LARGE_PLATES_PER_SHELF = 7
LARGE_ISLAND_X0 = 3.5  # first island's left edge; islands are two gondolas back to back
LARGE_ISLAND_PITCH = 3.3  # 1.0 m island + 2.3 m aisle
LARGE_ISLANDS = 6
LARGE_BLOCK_Y0 = (5.0, 11.5)  # two blocks of islands with a 3 m cross aisle between
LARGE_VARIANTS = 4  # each base product comes in this many variants (flavours, sizes)
LARGE_CAMERA_GRID = (8, 8)


def _large_products(rng: random.Random) -> list[dict[str, Any]]:
    # Variants of one base product weigh within about 1.5 % of each other, as flavours of
    # one line do: look-alikes for the weight plates and the vision detector alike.
    out = []
    for sku, name, w, std, price, rfid in PRODUCTS:
        for v in range(LARGE_VARIANTS):
            i = len(out)
            weight = round(w * (1 + rng.uniform(-0.015, 0.015)), 1) if v else w
            out.append(
                _product(
                    i, f"{sku}-V{v + 1}", f"{name} (variant {v + 1})", weight, std, price, rfid
                )
            )
    return out


def large_store() -> dict[str, Any]:
    """A supermarket floor for scale tests: 24 gondolas x 6 shelves x 7 plates (1008
    plates), 132 products, 64 ceiling cameras in an 8 x 8 grid, 4 thermal cameras over the
    front walkway, RFID at the exit and on the tagged products' shelves."""
    rng = random.Random(11)
    products = _large_products(rng)
    by_family: dict[int, list[dict[str, Any]]] = {}
    for i, p in enumerate(products):
        by_family.setdefault(i // LARGE_VARIANTS, []).append(p)
    families = list(by_family.values())
    gondolas, planogram = [], []
    rfid_zones: dict[tuple[int, int], list[tuple[list[float], list[float]]]] = {}
    plate_id = 0
    gi = 0
    for y0 in LARGE_BLOCK_Y0:
        for k in range(LARGE_ISLANDS):
            x_left = LARGE_ISLAND_X0 + k * LARGE_ISLAND_PITCH
            for x0, front in ((x_left, "-x"), (x_left + LARGE_PLATE_D, "+x")):
                shelves = []
                for si, z in enumerate(SHELF_Z):
                    # Heavy goods low: families sorted by weight, the shelf picks from the
                    # heavy end at the bottom and the light end at the top.
                    ranked = sorted(families, key=lambda f: -f[0]["weight_g"])
                    band = len(ranked) // len(SHELF_Z)
                    pool = ranked[si * band : (si + 1) * band] or ranked
                    plates = []
                    pi = 0
                    while pi < LARGE_PLATES_PER_SHELF:
                        family = rng.choice(pool)
                        product = rng.choice(family)
                        run = min(rng.randint(1, 3), LARGE_PLATES_PER_SHELF - pi)
                        for _ in range(run):
                            lo = [_r(x0), _r(y0 + pi * LARGE_PLATE_W), _r(z)]
                            hi = [
                                _r(x0 + LARGE_PLATE_D),
                                _r(y0 + (pi + 1) * LARGE_PLATE_W),
                                _r(z + PRODUCT_H),
                            ]
                            plates.append(
                                {
                                    "id": plate_id,
                                    "min": lo,
                                    "max": hi,
                                    "front": front,
                                    "sensor": {
                                        "noise_std_g": round(rng.uniform(3, 8), 1),
                                        "rate_hz": 60.0,
                                    },
                                }
                            )
                            count = _stock_count(product["weight_g"], rng, LARGE_STOCK)
                            planogram.append(
                                {"plate": plate_id, "sku": product["sku"], "count": count}
                            )
                            if product["rfid"]:
                                rfid_zones.setdefault((gi, si), []).append((lo, hi))
                            plate_id += 1
                            pi += 1
                    shelves.append({"id": si, "plates": plates})
                gondolas.append({"id": gi, "name": f"gondola {gi}", "shelves": shelves})
                gi += 1
    entry, exit_ = (2.0, 2.0), (LARGE_FLOOR[0] - 2.0, 2.0)
    return {
        "name": "Walkout large store (scale layout)",
        "currency": "USD",
        "floor": list(LARGE_FLOOR),
        "products": products,
        "gondolas": gondolas,
        "planogram": planogram,
        "cameras": _grid_cameras(rng),
        "thermal_cameras": _thermal_cameras(
            [((x, 2.5), angle) for x, angle in [(3.5, 0.8), (9.5, -1.1), (15.5, 0.4), (21.5, -0.6)]]
        ),
        "rfid_readers": _rfid_readers(exit_, rfid_zones),
        "gates": _walkway_gates(entry, exit_),
    }


def _distortion(rng: random.Random, k1_lo: float, k1_hi: float) -> list[float]:
    """Brown-Conrady coefficients k1, k2, p1, p2, k3 of a wide lens: barrel distortion
    with k1 drawn from ``[k1_lo, k1_hi]``, small tangential terms, no k3."""
    return [
        round(rng.uniform(k1_lo, k1_hi), 4),
        round(rng.uniform(0.005, 0.02), 4),
        round(rng.uniform(-5e-4, 5e-4), 5),
        round(rng.uniform(-5e-4, 5e-4), 5),
        0.0,
    ]


def _grid_cameras(rng: random.Random) -> list[dict[str, Any]]:
    # An 8 x 8 grid at 3.5 m over the whole floor, each camera tilted about 20 degrees
    # towards the store's middle line so that neighbours overlap (a person is in view of
    # two to five cameras) and every aisle is seen from two sides.
    nx, ny = LARGE_CAMERA_GRID
    cameras = []
    for j in range(ny):
        for i in range(nx):
            x = (i + 0.5) * LARGE_FLOOR[0] / nx
            y = (j + 0.5) * LARGE_FLOOR[1] / ny
            dy = 1.2 if y < LARGE_FLOOR[1] / 2 else -1.2
            rot, t = look_at((x, y, 3.5), (x, y + dy, 0.0))
            fx = 800.0 + rng.uniform(-5, 5)  # 1280 px wide: about 77 degrees horizontal
            cameras.append(
                {
                    "id": len(cameras),
                    "width": 1280,
                    "height": 720,
                    "fps": 15.0,
                    "intrinsics": [
                        [round(fx, 2), 0.0, round(640 + rng.uniform(-4, 4), 2)],
                        [0.0, round(fx, 2), round(360 + rng.uniform(-4, 4), 2)],
                        [0.0, 0.0, 1.0],
                    ],
                    "distortion": _distortion(rng, -0.08, -0.04),
                    "rotation": rot,
                    "translation": t,
                }
            )
    return cameras


def _ceiling_cameras(rng: random.Random) -> list[dict[str, Any]]:
    # Mounted at 3 m: two over each aisle (front and back end, looking towards its
    # middle at hand height), one over the left walkway looking at gondola 0, one over
    # the front walkway looking into the store, and one on each side wall looking at a
    # gate: shoppers queue there shoulder to shoulder to check in, and only a camera
    # that sees them from the side tells who is who as they walk on.
    views = [
        ((5.8, 3.2, 3.0), (5.8, 5.5, 0.9)),
        ((5.8, 7.8, 3.0), (5.8, 5.5, 0.9)),
        ((8.5, 3.2, 3.0), (8.5, 5.5, 0.9)),
        ((8.5, 7.8, 3.0), (8.5, 5.5, 0.9)),
        ((2.4, 5.5, 3.0), (3.9, 5.5, 0.9)),
        ((7.0, 0.6, 3.0), (7.0, 3.0, 0.0)),
        ((0.3, 3.6, 3.0), (1.9, 1.4, 0.8)),
        ((13.7, 3.6, 3.0), (12.1, 1.4, 0.8)),
    ]
    cameras = []
    for i, (eye, target) in enumerate(views):
        fx = 1100.0 + rng.uniform(-8, 8)  # about 82 degrees horizontal field of view
        rot, t = look_at(eye, target)
        cameras.append(
            {
                "id": i,
                "width": 1920,
                "height": 1080,
                "fps": 15.0,
                "intrinsics": [
                    [round(fx, 2), 0.0, round(960 + rng.uniform(-6, 6), 2)],
                    [
                        0.0,
                        round(fx * (1 + rng.uniform(-1e-3, 1e-3)), 2),
                        round(540 + rng.uniform(-6, 6), 2),
                    ],
                    [0.0, 0.0, 1.0],
                ],
                "distortion": _distortion(rng, -0.06, -0.03),
                "rotation": rot,
                "translation": t,
            }
        )
    return cameras


# --- the minimal store --------------------------------------------------------------------


def minimal_store() -> dict[str, Any]:
    """One gondola of 3 shelves x 4 plates facing the front walkway; no cameras."""
    products = [
        ("MILK-1L", "Whole milk 1 l", 1058.0, 6.0, 179),
        ("WATER-500", "Still water 500 ml", 521.0, 4.0, 119),
        ("COLA-330", "Cola can 330 ml", 345.0, 3.0, 149),
        ("CHIPS-SALT-150", "Potato chips salted 150 g", 158.0, 2.5, 249),
        ("CHOC-BAR-50", "Milk chocolate bar 50 g", 52.5, 1.0, 129),
        ("GUM-10", "Chewing gum 10 pieces", 31.0, 0.6, 149),
    ]
    layout = [  # bottom shelf first, plates along +x
        ["MILK-1L", "MILK-1L", "WATER-500", "WATER-500"],
        ["COLA-330", "COLA-330", "CHIPS-SALT-150", "CHIPS-SALT-150"],
        ["CHOC-BAR-50", "CHOC-BAR-50", "GUM-10", "GUM-10"],
    ]
    counts = {"MILK-1L": 6, "WATER-500": 8, "COLA-330": 10, "CHIPS-SALT-150": 8}
    shelf_z = [0.2, 0.7, 1.2]
    shelves, planogram = [], []
    for si, skus in enumerate(layout):
        plates = []
        for pi, sku in enumerate(skus):
            plate_id = si * len(skus) + pi
            plates.append(
                {
                    "id": plate_id,
                    "min": [_r(2.4 + pi * PLATE_W), 2.6, shelf_z[si]],
                    "max": [_r(2.4 + (pi + 1) * PLATE_W), 3.05, _r(shelf_z[si] + 0.4)],
                    "front": "-y",
                }
            )
            planogram.append({"plate": plate_id, "sku": sku, "count": counts.get(sku, 15)})
        shelves.append({"id": si, "plates": plates})
    return {
        "name": "Minimal walkout store",
        "currency": "EUR",
        "floor": [6.0, 5.0],
        "products": [
            {"sku": s, "name": n, "weight_g": w, "weight_std_g": sd, "price_cents": p}
            for s, n, w, sd, p in products
        ],
        "gondolas": [{"id": 0, "name": "snacks and drinks", "shelves": shelves}],
        "planogram": planogram,
        "gates": [
            {"id": 0, "kind": "entry", "position": [0.8, 0.8]},
            {"id": 1, "kind": "exit", "position": [5.2, 0.8]},
        ],
        "fusion": {
            "lateness_s": 2.0,
            "stable_window_s": 0.4,
            "max_sample_gap_s": 0.5,
            "merge_window_s": 1.0,
            "max_quantity": 6,
            "association_sigma_m": 0.4,
            "reach_m": 1.5,
            "gate_bind_window_s": 2.0,
            "receipt_delay_s": 3.0,
            "review_confidence": 0.8,
        },
    }


MINIMAL_HEADER = """\
Minimal walkout store: one gondola of 3 shelves x 4 plates, 6 products, two gates,
no cameras. Generated by examples/stores/make_stores.py; edit that script, not this file.

Units: lengths in metres, masses in grams, durations in seconds, prices in cents
(minor currency units). Store frame: right-handed, z up, floor at z = 0, origin at
the front-left corner; the front wall with the door runs along y = 0.
Layout: the gondola stands at x 2.4..3.6, y 2.6..3.05 with its front (-y) to the
front walkway; entry gate at the front-left, exit gate at the front-right."""

MINIMAL_SECTIONS = {
    "products": "Products: unit weight mean and std across items (grams), price in cents.",
    "gondolas": "Fixtures: gondola -> shelves -> plates. Each plate is an axis-aligned box of\n"
    "product volume with a load cell (sensor: noise 5 g, 60 Hz unless given).",
    "planogram": "Initial stock: how many units of which product stand on which plate.",
    "gates": "Gates: shoppers check in at an entry gate and leave through an exit gate.",
    "fusion": "Fusion tuning (these are the defaults; the whole table may be left out).",
}

MINIMAL_KEYS = {
    "floor": "store extent [x, y], metres",
    "weight_g": "mean unit weight, grams",
    "weight_std_g": "std of the unit weight across items, grams",
    "price_cents": "price in cents",
    "min": "lower box corner [x, y, z], metres",
    "max": "upper box corner [x, y, z], metres",
    "front": "side the shopper reaches in from: +x, -x, +y or -y",
    "count": "units on the plate",
    "position": "gate centre [x, y] on the floor, metres",
    "lateness_s": "seconds an event may arrive late",
    "stable_window_s": "seconds a plate must be steady",
    "max_sample_gap_s": "a longer gap between weight samples restarts the window",
    "merge_window_s": "neighbouring plates changing within this many seconds merge",
    "max_quantity": "most units one pick or put-back moves",
    "association_sigma_m": "metres, shopper-to-plate likelihood scale",
    "reach_m": "metres, farthest a shopper can reach a plate from",
    "gate_bind_window_s": "seconds after a gate event to find the shopper passing",
    "receipt_delay_s": "seconds between exit and receipt",
    "review_confidence": "receipt lines below this confidence go to review",
}

CONVENIENCE_HEADER = """\
Reference convenience store of roughly 7-Eleven size: 14 m x 11 m floor, 5 single-sided
gondolas x 6 shelves x 12 plates (360 plates), 33 products, 8 ceiling cameras, 2 thermal
cameras, RFID at the exit and on high-value shelves. Generated by
examples/stores/make_stores.py (deterministic); edit that script, not this file.

Units: metres, grams, seconds, cents (USD). Store frame: z up, origin at the
front-left corner, front wall along y = 0. Gondolas run along y (3.7..7.3 m):
gondola 0 (x 4.00..4.45) faces -x, the left walkway; gondolas 1 and 2 face aisle A1
(x 4.90..6.70); gondolas 3 and 4 face aisle A2 (x 7.60..9.40). Walkways of 3.7 m
front and back, 4.0 m left and 4.15 m right. Entry gate at (1.5, 1.5), exit gate at
(12.5, 1.5). Near-equal unit weights on purpose: COLA-330 / COLA-ZERO-330,
CHIPS-SALT-150 / CHIPS-PAPRIKA-150, CHOC-BAR-50 / CHOC-BAR-NUT-50."""

CONVENIENCE_SECTIONS = {
    "products": "Products: sku, unit weight mean / std (g), price (cents), RFID tag, vision class.",
    "planogram": "Initial stock: one sku per plate, 6 to 15 units.",
    "gondolas": "Fixtures. Plates are 0.30 m wide x 0.45 m deep; shelf surfaces at\n"
    "0.15, 0.47, 0.79, 1.11, 1.43, 1.75 m; plate ids run gondola by gondola, bottom shelf\n"
    "first, along +y.",
    "cameras": "Ceiling cameras at 3 m. rotation is world->camera (x_cam = R x_world + t),\n"
    "OpenCV axes (x right, y down, z forward).",
    "thermal_cameras": "Top-down thermal cameras over the front walkway and the gates;\n"
    "homography maps image pixels to floor metres.",
    "rfid_readers": "RFID: reader 0 watches the exit gate, reader 1 the shelves of the\n"
    "tagged products (wine, batteries and cables, razors).",
    "gates": "Gates on the front walkway.",
}


LARGE_HEADER = """\
Large store for scale tests: 26 m x 20 m floor, two blocks of six islands (24 gondolas x
6 shelves x 7 plates = 1008 plates), 132 products (33 lines in 4 look-alike variants),
64 ceiling cameras at 15 fps, 4 thermal cameras, RFID at the exit and on the tagged
products' shelves. Generated by examples/stores/make_stores.py (deterministic); edit
that script, not this file.

Units: metres, grams, seconds, cents (USD). Store frame: z up, origin at the
front-left corner, front wall along y = 0. Islands run along y (block 1: 5.0..8.5 m,
block 2: 11.5..15.0 m), 1 m deep with 2.3 m aisles; entry gate at (2, 2), exit gate
at (24, 2)."""

LARGE_SECTIONS = {
    "products": "Products: sku, unit weight mean / std (g), price (cents), RFID tag, vision class.",
    "planogram": "Initial stock: one sku per plate.",
    "gondolas": "Fixtures. Plates are 0.5 m wide x 0.5 m deep; shelf surfaces as in the\n"
    "convenience store; plate ids run gondola by gondola, bottom shelf first, along +y.",
    "cameras": "Ceiling cameras at 3.5 m in an 8 x 8 grid; rotation is world->camera.",
    "thermal_cameras": "Top-down thermal cameras over the front walkway and the gates.",
    "rfid_readers": "RFID: reader 0 watches the exit gate, reader 1 the tagged shelves.",
    "gates": "Gates on the front walkway.",
}


def write_store(
    out: Path, toml_out: Path, stem: str, doc: dict[str, Any], writer: TomlWriter, header: str
) -> None:
    """Write ``stem``.toml into ``toml_out`` and the core JSON ``stem``.json into ``out``,
    then load both back."""
    from walkout.config import load_config  # the source tree, see main()

    toml_path = toml_out / f"{stem}.toml"
    toml_path.write_text(writer.dumps(doc, header), encoding="utf-8")
    cfg = load_config(toml_path)
    json_path = out / f"{stem}.json"
    json_path.write_text(
        json.dumps(json.loads(cfg.to_core_json()), indent=1) + "\n", encoding="utf-8"
    )
    if load_config(json_path) != cfg:
        raise SystemExit(f"{json_path} does not load back to the same config")
    n_plates = sum(1 for _ in cfg.plates())
    print(f"wrote {toml_path} and {json_path.name}: {n_plates} plates")


def main(argv: list[str] | None = None) -> int:
    """Regenerate every example store."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder of the JSON copies (default: here)"
    )
    parser.add_argument(
        "--toml-out",
        type=Path,
        default=PACKAGE_STORES,
        help="folder of the TOML files (default: the package's shipped stores, which "
        "examples/stores links to)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    toml_out: Path = args.toml_out
    out.mkdir(parents=True, exist_ok=True)
    toml_out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO / "python"))
    write_store(
        out,
        toml_out,
        "convenience",
        convenience_store(),
        TomlWriter(
            inline={"products", "plates", "planogram"}, section_comments=CONVENIENCE_SECTIONS
        ),
        CONVENIENCE_HEADER,
    )
    write_store(
        out,
        toml_out,
        "large",
        large_store(),
        TomlWriter(inline={"products", "plates", "planogram"}, section_comments=LARGE_SECTIONS),
        LARGE_HEADER,
    )
    write_store(
        out,
        toml_out,
        "minimal",
        minimal_store(),
        TomlWriter(section_comments=MINIMAL_SECTIONS, key_comments=MINIMAL_KEYS),
        MINIMAL_HEADER,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
