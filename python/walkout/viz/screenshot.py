"""Render a screenshot of a recording with a headless Rerun viewer (no window, no GPU
needed: a software Vulkan driver such as Mesa's lavapipe is enough).

    python -m walkout.viz.screenshot walkout-demo.rrd shot.png --at-s 30

Opens the recording in ``rerun --headless`` (through rerun's experimental
``ViewerClient``), moves the time cursor ``at_s`` seconds after the start of the sensor
timeline, pauses, and saves the whole viewer (1920x1080) as PNG. Used for the README's
picture; see ``docs/visualisation.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from walkout.viz.paths import TIMELINE

_SETTLE_S = 3.0  # the viewer loads the file and lays out its views meanwhile


def render_screenshot(
    rrd: str | Path, png: str | Path, *, at_s: float | None = None, port: int = 9899
) -> Path:
    """Open ``rrd`` in a headless viewer, go to ``at_s`` seconds into the sensor timeline
    (default: its end), and save a screenshot of the viewer to ``png``.
    """
    import rerun.experimental as rre

    viewer = rre.ViewerClient.spawn(headless=True, port=port, hide_welcome_screen=True)
    try:
        viewer.open(str(Path(rrd).resolve()))
        time.sleep(_SETTLE_S)
        state = viewer.get_state()
        rec = next(r for r in state.recordings if r.store_id == state.active_recording)
        line = next(t for t in rec.timelines if t.name == TIMELINE)
        if line.start is None or line.end is None:
            raise RuntimeError(f"{rrd}: nothing on the {TIMELINE} timeline")
        at_ns = line.end if at_s is None else line.start + int(at_s * 1e9)
        viewer.set_time(TIMELINE, timestamp=np.datetime64(at_ns, "ns"), play_state="paused")
        time.sleep(1.0)
        out = Path(png)
        viewer.save_screenshot(str(out.resolve()))
    finally:
        viewer.quit()
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m walkout.viz.screenshot REC.rrd OUT.png [--at-s SECONDS]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rrd", help="recording to open")
    parser.add_argument("png", help="screenshot to write")
    parser.add_argument("--at-s", type=float, help="seconds after the timeline start")
    parser.add_argument("--port", type=int, default=9899, help="port of the headless viewer")
    args = parser.parse_args(argv)
    out = render_screenshot(args.rrd, args.png, at_s=args.at_s, port=args.port)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
