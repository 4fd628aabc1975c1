"""Entity paths and the timeline of every walkout recording, in one place.

The layout of a recording (``*`` is an id)::

    store/floor, store/gondolas/*, store/gates/*     the fixtures (static)
    store/plates/*                                   plate boxes, coloured by fill
    store/plates/*/events                            shelf events on the plate (text log)
    store/plates/*/marker                            a marker while an event is fresh
    store/gates/*/passages                           gate passages (text log)
    store/cameras/*, store/thermal/*, store/rfid/*/* sensors' poses and zones (static)
    store/cameras/*/people, .../keypoints            person boxes and COCO keypoints in
    store/cameras/*/products                         each camera's image (under its pinhole)
    store/thermal/*/blobs                            thermal blobs on the floor (homography)
    store/rfid/*/*/reads                             RFID reads worth reading (text log)
    shoppers/*, shoppers/*/trail                     estimated tracks
    truth/shoppers/*, truth/shoppers/*/trail         ground-truth trajectories
    truth/actions, truth/receipts/*                  ground-truth actions and receipts
    sensors/weights/plate_*                          decimated weight per plate (g)
    sensors/thermal/*/blobs, sensors/thermal/*/frame thermal blobs in the thermal image
    sensors/rfid/*/*                                 RFID reads and tags per second
    fusion/carts, fusion/cart_items/*                open carts; items per shopper
    fusion/receipts, fusion/receipts/*               receipt log; one document each
    session                                          notes: start, end with engine stats

Every temporal row is on the :data:`TIMELINE` timeline: sensor time, µs since the Unix
epoch (the engine's clock).
"""

from __future__ import annotations

import numpy as np
import rerun as rr

TIMELINE = "sensor_time"

STORE = "store"
FLOOR = "store/floor"
SHOPPERS = "shoppers"
TRUTH = "truth"
TRUTH_SHOPPERS = "truth/shoppers"
TRUTH_ACTIONS = "truth/actions"
TRUTH_RECEIPTS = "truth/receipts"
WEIGHTS = "sensors/weights"
THERMAL_IMAGES = "sensors/thermal"
RFID_RATES = "sensors/rfid"
CAMERAS = "store/cameras"
RFID = "store/rfid"
CARTS = "fusion/carts"
CART_ITEMS = "fusion/cart_items"
RECEIPTS = "fusion/receipts"
SESSION = "session"


def gondola(gondola_id: int) -> str:
    """Outline of a gondola."""
    return f"store/gondolas/{gondola_id}"


def plate(plate_id: int) -> str:
    """Box of a plate (its colour and label follow the inventory)."""
    return f"store/plates/{plate_id}"


def plate_events(plate_id: int) -> str:
    """Text log of the shelf events on a plate."""
    return f"{plate(plate_id)}/events"


def plate_marker(plate_id: int) -> str:
    """Marker shown on a plate while one of its shelf events is fresh."""
    return f"{plate(plate_id)}/marker"


def gate(gate_id: int) -> str:
    """A gate and its radius on the floor."""
    return f"store/gates/{gate_id}"


def gate_passages(gate_id: int) -> str:
    """Text log of the passages through a gate."""
    return f"{gate(gate_id)}/passages"


def camera(camera_id: int) -> str:
    """An RGB camera's pose and frustum."""
    return f"store/cameras/{camera_id}"


def camera_people(camera_id: int) -> str:
    """Person boxes of a camera, in its image (under the camera's pinhole)."""
    return f"{camera(camera_id)}/people"


def camera_keypoints(camera_id: int) -> str:
    """COCO keypoints of the persons a camera detected, in its image."""
    return f"{camera(camera_id)}/keypoints"


def camera_products(camera_id: int) -> str:
    """Product boxes of a camera, in its image."""
    return f"{camera(camera_id)}/products"


def thermal(camera_id: int) -> str:
    """A thermal camera's footprint on the floor."""
    return f"store/thermal/{camera_id}"


def thermal_floor(camera_id: int) -> str:
    """A thermal camera's blobs on the floor, through its homography."""
    return f"{thermal(camera_id)}/blobs"


def thermal_image(camera_id: int) -> str:
    """A thermal camera's image space (a 2D space of its own)."""
    return f"{THERMAL_IMAGES}/{camera_id}"


def thermal_blobs(camera_id: int) -> str:
    """A thermal camera's blobs in its image (pixels)."""
    return f"{thermal_image(camera_id)}/blobs"


def thermal_frame(camera_id: int) -> str:
    """The outline of a thermal camera's image."""
    return f"{thermal_image(camera_id)}/frame"


def antenna(reader_id: int, antenna_id: int) -> str:
    """An RFID antenna's read zone."""
    return f"store/rfid/{reader_id}/{antenna_id}"


def antenna_reads(reader_id: int, antenna_id: int) -> str:
    """Text log of an antenna's reads: tags at an exit, tags new to a shelf zone."""
    return f"{antenna(reader_id, antenna_id)}/reads"


def rfid_rate(reader_id: int, antenna_id: int) -> str:
    """Reads and distinct tags per second of an antenna."""
    return f"{RFID_RATES}/{reader_id}/{antenna_id}"


def weight(plate_id: int) -> str:
    """Decimated weight of a plate (min, mean, max per bin)."""
    return f"{WEIGHTS}/plate_{plate_id}"


def shopper(root: str, track_id: int) -> str:
    """A shopper's current position under ``root`` (estimate or truth)."""
    return f"{root}/{track_id}"


def trail(root: str, track_id: int) -> str:
    """A shopper's recent path under ``root``."""
    return f"{shopper(root, track_id)}/trail"


def cart_items(track_id: int) -> str:
    """Number of items in a shopper's cart over time."""
    return f"{CART_ITEMS}/{track_id}"


def receipt(track_id: int) -> str:
    """The receipt document of one shopper."""
    return f"{RECEIPTS}/{track_id}"


def truth_receipt(track_id: int) -> str:
    """The ground-truth receipt of one shopper."""
    return f"{TRUTH_RECEIPTS}/{track_id}"


def at(rec: rr.RecordingStream, t_us: int) -> None:
    """Set the recording's sensor time (µs since the Unix epoch) for what is logged next."""
    rec.set_time(TIMELINE, timestamp=np.datetime64(int(t_us), "us"))


def time_column(t_us: np.ndarray) -> rr.TimeColumn:
    """A column of sensor times (µs since the Unix epoch) for ``send_columns``."""
    return rr.TimeColumn(
        TIMELINE, timestamp=np.asarray(t_us, dtype=np.int64).astype("datetime64[us]")
    )
