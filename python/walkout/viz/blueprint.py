"""The layout a recording opens with: store in 3D, weight plots, event log, receipts;
camera, thermal and RFID views in tabs behind them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import rerun.blueprint as rrb

from walkout.config import StoreConfig
from walkout.viz import paths


def store_blueprint(config: StoreConfig) -> rrb.Blueprint:
    """The default layout of a walkout recording of ``config``'s store.

    Left: the store in 3D (fixtures, plates coloured by stock, shoppers with trails,
    ground truth paler) above the decimated plate weights. Right: the event log (shelf
    events, gate passages, exit RFID reads, receipts, true actions) above tabs with the
    open carts, the receipts, items per cart over time and the true receipts, and, when
    the store has them, a grid of camera views (each camera's detections in its image;
    add ``/shoppers/**`` to a camera view's contents in the viewer to see the tracks
    projected through the camera), a grid of thermal images and the RFID read rates
    above the RFID log. The side panels start collapsed so that the views get the room;
    the timeline is the sensor clock.
    """
    fx, fy = config.floor
    eye = rrb.EyeControls3D(
        position=(fx * 0.5, -fy * 0.25, max(fx, fy) * 0.6),
        look_target=(fx * 0.5, fy * 0.45, 0.0),
        eye_up=(0.0, 0.0, 1.0),
    )
    store = rrb.Spatial3DView(
        name="store",
        origin="/",
        contents=[
            f"+ /{paths.STORE}/**",
            f"+ /{paths.SHOPPERS}/**",
            f"+ /{paths.TRUTH_SHOPPERS}/**",
            # Detections live in the cameras' images; the 3D view would paint them on
            # the little image planes of the frusta.
            *(
                f"- /{path(cam.id)}/**"
                for cam in config.cameras
                for path in (paths.camera_people, paths.camera_keypoints, paths.camera_products)
            ),
        ],
        eye_controls=eye,
        background=(24, 24, 28),
    )
    weights = rrb.TimeSeriesView(name="plate weights (g)", origin=f"/{paths.WEIGHTS}")
    log = rrb.TextLogView(
        name="events",
        origin="/",
        contents=[
            f"+ /{paths.STORE}/**",
            f"+ /{paths.RECEIPTS}",
            f"+ /{paths.TRUTH_ACTIONS}",
            f"+ /{paths.SESSION}",
            # Shelf antennas' first reads are for the RFID tab; exit reads stay here.
            *(
                f"- /{paths.antenna_reads(r.id, a.id)}"
                for r in config.rfid_readers
                for a in r.antennas
                if a.kind != "exit"
            ),
        ],
    )
    details = rrb.Tabs(
        rrb.TextDocumentView(name="open carts", origin=f"/{paths.CARTS}"),
        rrb.TextDocumentView(name="receipts", origin=f"/{paths.RECEIPTS}"),
        rrb.TimeSeriesView(name="items per cart", origin=f"/{paths.CART_ITEMS}"),
        rrb.TextDocumentView(name="true receipts", origin=f"/{paths.TRUTH_RECEIPTS}"),
        *_sensor_tabs(config),
        active_tab=0,
    )
    return rrb.Blueprint(
        rrb.Horizontal(
            rrb.Vertical(store, weights, row_shares=[3, 2]),
            rrb.Vertical(log, details, row_shares=[1, 1]),
            column_shares=[3, 2],
        ),
        rrb.TimePanel(state="collapsed", timeline=paths.TIMELINE),
        rrb.BlueprintPanel(state="collapsed"),
        rrb.SelectionPanel(state="collapsed"),
        collapse_panels=False,
    )


def _image_grid(
    tab: str,
    view: str,
    cams: Sequence[Any],
    origin: Callable[[int], str],
    background: tuple[int, int, int],
) -> rrb.Container:
    """Tab `tab`: one 2D view per camera image (`origin(camera id)`), bounded to it."""
    return rrb.Grid(
        *(
            rrb.Spatial2DView(
                name=f"{view} {cam.id}",
                origin=f"/{origin(cam.id)}",
                background=background,
                visual_bounds=rrb.VisualBounds2D(
                    x_range=(0.0, float(cam.width)), y_range=(0.0, float(cam.height))
                ),
            )
            for cam in cams
        ),
        name=tab,
    )


def _sensor_tabs(config: StoreConfig) -> list[rrb.Container]:
    """Camera views, thermal images and RFID: one tab each, for the sensors the store has."""
    tabs: list[rrb.Container] = []
    if config.cameras:
        tabs.append(_image_grid("cameras", "camera", config.cameras, paths.camera, (24, 24, 28)))
    if config.thermal_cameras:
        tabs.append(
            _image_grid(
                "thermal", "thermal", config.thermal_cameras, paths.thermal_image, (16, 16, 20)
            )
        )
    if config.rfid_readers:
        tabs.append(
            rrb.Vertical(
                rrb.TimeSeriesView(name="RFID reads and tags per s", origin=f"/{paths.RFID_RATES}"),
                rrb.TextLogView(name="RFID reads", origin=f"/{paths.RFID}"),
                row_shares=[1, 1],
                name="RFID",
            )
        )
    return tabs
