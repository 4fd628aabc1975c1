"""Colours and sizes shared by the layers of a recording."""

from __future__ import annotations

import colorsys

Rgb = tuple[int, int, int]

FLOOR = (70, 72, 78)
GONDOLA = (150, 150, 160)
ENTRY_GATE = (80, 200, 120)
EXIT_GATE = (230, 110, 90)
CAMERA = (120, 170, 255)
THERMAL = (255, 150, 60)
RFID = (190, 120, 255)
PICK = (255, 160, 30)
PUT_BACK = (60, 170, 255)
UNASSIGNED = (255, 60, 60)
PERSON = (120, 220, 255)  # person boxes in a camera's image
JOINT_LEFT = (255, 200, 60)  # COCO keypoints of the left side, of the right side, of the face
JOINT_RIGHT = (90, 200, 255)
JOINT_CENTRE = (235, 235, 235)
EXIT_READ = (230, 110, 90)

# Distinct hues for shoppers (estimated tracks); ground truth uses the same hue, paler.
_SHOPPERS: list[Rgb] = [
    (31, 119, 180),
    (214, 39, 40),
    (44, 160, 44),
    (148, 103, 189),
    (255, 127, 14),
    (23, 190, 207),
    (227, 119, 194),
    (188, 189, 34),
]

# Fill gradient of a plate: empty (red) -> half (amber) -> full (green); over-full blue.
_EMPTY: Rgb = (215, 48, 39)
_HALF: Rgb = (253, 190, 80)
_FULL: Rgb = (26, 152, 80)
_OVER: Rgb = (69, 117, 180)


def shopper_color(track_id: int) -> Rgb:
    """A stable colour per track id (Knuth's multiplicative hash picks the hue)."""
    return _SHOPPERS[(track_id * 2654435761 >> 8) % len(_SHOPPERS)]


def series_color(key: int) -> Rgb:
    """A distinct colour per plot series (hues spaced by the golden angle)."""
    h = (key * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(h, 0.65, 0.95)
    return (round(r * 255), round(g * 255), round(b * 255))


def paler(color: Rgb, amount: float = 0.55) -> Rgb:
    """``color`` mixed towards white: used for ground truth beside the estimate."""
    r, g, b = color
    return (
        round(r + (255 - r) * amount),
        round(g + (255 - g) * amount),
        round(b + (255 - b) * amount),
    )


def _mix(a: Rgb, b: Rgb, f: float) -> Rgb:
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def fill_color(fill: float) -> Rgb:
    """Colour of a plate holding ``fill`` of its initial stock (0 empty, 1 full)."""
    if fill > 1.0 + 1e-9:
        return _OVER
    f = min(max(fill, 0.0), 1.0)
    return _mix(_EMPTY, _HALF, f * 2) if f < 0.5 else _mix(_HALF, _FULL, (f - 0.5) * 2)


def temperature_color(celsius: float) -> Rgb:
    """Colour of a thermal blob: yellow at 28 °C and below, deep red at 37 °C and above."""
    f = min(max((celsius - 28.0) / 9.0, 0.0), 1.0)
    return _mix((255, 230, 90), (200, 20, 30), f)
