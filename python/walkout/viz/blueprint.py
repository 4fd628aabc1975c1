"""The layout a recording opens with: store in 3D, weight plots, event log, receipts."""

from __future__ import annotations

import rerun.blueprint as rrb

from walkout.config import StoreConfig
from walkout.viz import paths


def store_blueprint(config: StoreConfig) -> rrb.Blueprint:
    """The default layout of a walkout recording of ``config``'s store.

    Left: the store in 3D (fixtures, plates coloured by stock, shoppers with trails,
    ground truth paler) above the decimated plate weights. Right: the event log (shelf
    events, gate passages, receipts, true actions) above tabs with the open carts, the
    receipts, items per cart over time and the true receipts. The side panels start
    collapsed so that the views get the room; the timeline is the sensor clock.
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
        ],
    )
    details = rrb.Tabs(
        rrb.TextDocumentView(name="open carts", origin=f"/{paths.CARTS}"),
        rrb.TextDocumentView(name="receipts", origin=f"/{paths.RECEIPTS}"),
        rrb.TimeSeriesView(name="items per cart", origin=f"/{paths.CART_ITEMS}"),
        rrb.TextDocumentView(name="true receipts", origin=f"/{paths.TRUTH_RECEIPTS}"),
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
