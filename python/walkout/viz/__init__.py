"""Rerun visualisation of walkout sessions: every session replayable and explainable.

- :func:`record_session` replays a session and writes a ``.rrd`` recording (or streams
  to a viewer): the store in 3D, shoppers with trails beside the ground truth, decimated
  plate weights, shelf events with their candidates and shopper probabilities, carts
  over time and receipts with review flags.
- :class:`Recorder` does the same for a live engine: call :meth:`Recorder.update` after
  each ``engine.step()``.
- :func:`open_recording` makes a stream writing to a file, a spawned viewer or a server.

The layout of entity paths is described in :mod:`walkout.viz.paths`; see also
``docs/visualisation.md``. Requires ``rerun-sdk`` (a dependency of walkout).
"""

from walkout.viz.blueprint import store_blueprint
from walkout.viz.paths import TIMELINE
from walkout.viz.recorder import Recorder, open_recording, record_session, session_name

__all__ = [
    "TIMELINE",
    "Recorder",
    "open_recording",
    "record_session",
    "session_name",
    "store_blueprint",
]
