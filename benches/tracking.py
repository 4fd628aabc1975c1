"""Tracker throughput and IDF1: walkout's multi-camera tracker against Roboflow's
ByteTrack (PyPI ``trackers``) on the same person detections, in the same run.

Data: the first ``--seconds`` of ``scale-large`` seed 1 (1008 plates, 64 cameras at
15 fps, the store filling up to about 100 shoppers): the simulator's person detections
(boxes, scores and, for walkout, the COCO keypoints and re-identification embeddings
that come with them: ByteTrack has no input for either).

Feeding, both timed over the same span with the data laid out beforehand:

- walkout: ``walkout.Engine`` given person detections only (no weights, gates, thermal
  blobs or positions), one batch per 1/15 s frame tick (every camera's frames of that
  tick), then ``step()``; the tracker turns detections into floor points and keeps one
  track per shopper across all 64 cameras.
- ByteTrack: one ``trackers.ByteTrackTracker`` per camera (it tracks in image space,
  one view at a time), each given that camera's frames in time order as
  ``supervision.Detections`` (boxes and scores), ``frame_rate`` 15. Its defaults
  otherwise (activation 0.7, high 0.6; the simulator's scores run 0.5..1).

Throughput: detections per second of each loop (wall clock on one core; the Python
loop and numpy work around ByteTrack's update count as ByteTrack's, as they would for
its users; the garbage collector off in both, as ``timeit`` does), and the ratio. Each
tracker runs ``--repeat`` times, fresh each time, the two in turn (so a change in the
machine's load falls on both); the median wall time of each is its figure, and the
range of the ratios of the turns says how steady that was.

Scoring (motmetrics, as ``walkout.eval.tracking`` does), each tracker in the protocol
its output lives in:

- walkout: on the floor, store-wide, against the true trajectories
  (``walkout.eval.tracking``: every 3rd truth frame, match within 0.5 m); a shopper
  must keep one id across every camera.
- ByteTrack: in each camera's image against the simulator's true person boxes of that
  camera with a visible share of at least 0.35 (what the simulated detector can
  report at all), matched at IoU >= 0.5, one accumulator per camera pooled into one
  IDF1. An id only has to persist within one view, so this is the easier task: a
  per-camera tracker gives no store-wide identity at all.

Install the benchmark's extra dependency first (it is not one of walkout's):
``pip install -r benches/requirements-tracking.txt``.

Run: python benches/tracking.py [--seconds 90] [--seed 1] [--repeat 7]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import platform
import statistics
import time
import warnings
from importlib.metadata import version

import numpy as np

import walkout
from walkout.eval import tracking as eval_tracking
from walkout.sim import simulate

TICK_US = 1_000_000 // 15


@contextlib.contextmanager
def _timed():
    """Yield a one-element list that holds the wall seconds of the block when it ends;
    the garbage collector is off meanwhile, as `timeit` does, for both trackers alike
    (a collection pass landing in one of two loops of a few seconds is noise)."""
    out = [0.0]
    was_on = gc.isenabled()
    gc.disable()
    t = time.perf_counter()
    try:
        yield out
    finally:
        out[0] = time.perf_counter() - t
        if was_on:
            gc.enable()


def _walkout(session, det: dict, ticks: np.ndarray) -> tuple[float, walkout.Engine]:
    box = np.ascontiguousarray(
        np.stack([det[c] for c in ("x1", "y1", "x2", "y2")], axis=1), dtype=np.float32
    )
    kp = np.ascontiguousarray(det["keypoints"], dtype=np.float32).reshape(-1, 17, 3)
    cam = det["camera_id"].astype(np.uint32)
    t_us = det["t_us"].astype(np.int64)
    score = det["score"].astype(np.float32)
    emb = np.ascontiguousarray(det["embedding"], dtype=np.float32)
    cuts = np.searchsorted(t_us, ticks)
    batches = [
        (cam[a:b], t_us[a:b], box[a:b], score[a:b], kp[a:b], emb[a:b])
        for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    ]
    engine = walkout.Engine(session.config, trajectory_log_hz=15.0)
    with _timed() as wall:
        for c, tt, b, s, k, e in batches:
            if len(tt):
                engine.ingest_person_detections(
                    camera_id=c, t_us=tt, bbox=b, score=s, keypoints=k, embedding=e
                )
            engine.step()
        engine.finish()
    return wall[0], engine


def _bytetrack(det: dict) -> tuple[float, dict]:
    import supervision as sv
    from trackers import ByteTrackTracker

    cam = det["camera_id"]
    t_us = det["t_us"]
    xyxy = np.stack([det[c] for c in ("x1", "y1", "x2", "y2")], axis=1).astype(np.float32)
    score = det["score"].astype(np.float32)
    frames = []  # (camera, t, Detections) in time order
    order = np.lexsort((cam, t_us))
    keys = np.stack([t_us[order], cam[order]], axis=1)
    starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)])
    ends = np.r_[starts[1:], len(order)]
    for a, b in zip(starts, ends, strict=True):
        idx = order[a:b]
        frames.append(
            (
                int(cam[idx[0]]),
                int(t_us[idx[0]]),
                sv.Detections(xyxy=xyxy[idx], confidence=score[idx]),
            )
        )
    trackers = {int(c): ByteTrackTracker(frame_rate=15.0) for c in np.unique(cam)}
    out: dict[int, list] = {c: [] for c in trackers}
    with _timed() as wall:
        for c, tt, d in frames:
            r = trackers[c].update(d)
            out[c].append((tt, r.xyxy, r.tracker_id))
    return wall[0], out


def _iou_distance(a: np.ndarray, b: np.ndarray, min_iou: float) -> np.ndarray:
    """1 - IoU of every pair of (x1, y1, x2, y2) boxes, NaN (no match) below ``min_iou``
    (motmetrics' ``iou_matrix``, which numpy 2 no longer runs)."""
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = lambda x: np.prod(x[:, 2:] - x[:, :2], axis=1)  # noqa: E731
    union = area(a)[:, None] + area(b)[None, :] - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return np.where(iou >= min_iou, 1.0 - iou, np.nan)


def _bytetrack_score(
    truth_boxes: dict, out: dict, min_visible: float
) -> eval_tracking.TrackingScore:
    import motmetrics as mm

    cam = truth_boxes["camera_id"]
    t_us = truth_boxes["t_us"]
    keep = truth_boxes["visible"] >= min_visible
    accs = []
    for c, results in out.items():
        sel = keep & (cam == c)
        gt_t = t_us[sel]
        gt_id = truth_boxes["shopper"][sel]
        gt_box = np.stack([truth_boxes[k][sel] for k in ("x1", "y1", "x2", "y2")], axis=1)
        hyp = {tt: (xyxy, ids) for tt, xyxy, ids in results}
        acc = mm.MOTAccumulator(auto_id=True)
        for tt in np.union1d(np.unique(gt_t), np.array(sorted(hyp), dtype=np.int64)):
            a, b = np.searchsorted(gt_t, [tt, tt + 1])
            g = gt_box[a:b]
            xyxy, ids = hyp.get(tt, (np.zeros((0, 4)), np.zeros(0, dtype=int)))
            live = ids >= 0
            h, hid = xyxy[live], ids[live]
            dist = _iou_distance(g, h, min_iou=0.5)
            acc.update(gt_id[a:b].tolist(), hid.tolist(), dist)
        accs.append(acc)
    return eval_tracking.score(accs)


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of the measurements."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=90.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=7, help="runs of each tracker, in turn")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error(f"--repeat must be at least 1, got {args.repeat}")
    try:
        import trackers  # noqa: F401
    except ImportError:
        raise SystemExit(
            "benches/tracking.py needs Roboflow's `trackers`: "
            "pip install -r benches/requirements-tracking.txt"
        ) from None

    session = simulate("scale-large", seed=args.seed, duration_s=args.seconds)
    det = {k: np.asarray(v) for k, v in session.person_detections.items()}
    order = np.argsort(det["t_us"], kind="stable")
    det = {k: v[order] for k, v in det.items()}
    n = len(det["t_us"])
    ticks = np.arange(session.start_us, session.end_us + 2 * TICK_US, TICK_US, dtype=np.int64)

    walls: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        t_w, engine = _walkout(session, det, ticks)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_b, bt_out = _bytetrack(det)
        walls.append((t_w, t_b))
    t_walkout = statistics.median(w for w, _ in walls)
    t_bt = statistics.median(b for _, b in walls)
    turn_ratios = sorted(b / w for w, b in walls)

    truth = session.truth
    w_score = eval_tracking.score(
        [eval_tracking.accumulate(truth["trajectories"], engine.trajectories())]
    )
    bt_score = _bytetrack_score(truth["person_boxes"], bt_out, 0.35)

    print(
        f"machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, trackers {version('trackers')}; "
        f"scale-large seed {args.seed}, first {args.seconds:.0f} s: {n:,} person detections "
        f"from {len(np.unique(det['camera_id']))} cameras, {len(truth['shoppers']['enter_us'])} "
        "shoppers"
    )
    print()
    print("| tracker | wall s | detections/s | x real time | IDF1 | MOTA | ID switches | scored |")
    print("|---|---|---|---|---|---|---|---|")
    span = args.seconds
    print(
        f"| walkout (Engine, person detections only) | {t_walkout:.2f} | {n / t_walkout:,.0f} "
        f"| {span / t_walkout:.0f}x | {w_score.idf1:.3f} | {w_score.mota:.3f} "
        f"| {w_score.num_switches} | floor, store-wide, 0.5 m |"
    )
    print(
        f"| ByteTrack (trackers, one per camera) | {t_bt:.2f} | {n / t_bt:,.0f} "
        f"| {span / t_bt:.1f}x | {bt_score.idf1:.3f} | {bt_score.mota:.3f} "
        f"| {bt_score.num_switches} | image, per camera, IoU 0.5 |"
    )
    print()
    print(
        f"throughput ratio walkout / ByteTrack: {t_bt / t_walkout:.1f}x (medians of "
        f"{args.repeat} turns; per turn {turn_ratios[0]:.1f}x .. {turn_ratios[-1]:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
