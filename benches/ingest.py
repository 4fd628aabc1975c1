"""Ingestion rates through the Python API (numpy columns read in place), on one core.

Data: ten seconds of ``scale-large`` (1008 plates at 60 Hz, 64 cameras at 15 fps)
while the store is full (seconds 100..110 of a 300 s session), one call per modality,
in the dtypes and layouts the engine reads (``uint32``
ids, ``int64`` times, ``float64`` grams, ``(N, 4)`` / ``(N, 17, 3)`` ``float32`` boxes
and keypoints): what an integrator holding numpy arrays passes. Each call goes into a
fresh engine (its creation is not timed); best of ``--repeat`` timed calls.

Rows: ``walkout.Engine.ingest_*`` (the public API: dtype/shape checks, then the core),
the same call straight into ``walkout._core.Engine`` (the binding alone), and the
RFID path, whose EPC column arrives as 24-hex-character strings (as session files
hold them). Peer, same run: ``numpy.sum`` of one column of the same rows.

Run: python benches/ingest.py [--second 100] [--window-s 10] [--repeat 7]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import walkout
from walkout.sim import simulate


def _best(repeat: int, setup, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        arg = setup()
        t = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - t)
    return best


def _window(cols: dict, lo: int, hi: int) -> dict:
    t = np.asarray(cols["t_us"])
    order = np.argsort(t, kind="stable")
    a, b = np.searchsorted(t[order], [lo, hi])
    return {k: np.asarray(v)[order][a:b] for k, v in cols.items()}


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of the measurements."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--second", type=int, default=100, help="first second of the window")
    ap.add_argument("--window-s", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)

    session = simulate("scale-large", seed=1, duration_s=300)
    lo = session.start_us + args.second * 1_000_000
    hi = lo + args.window_s * 1_000_000
    w = _window(session.weights, lo, hi)
    pd = _window(session.person_detections, lo, hi)
    pr = _window(session.product_detections, lo, hi)
    rf = _window(session.rfid_reads, lo, hi)
    w = {
        "plate_id": w["plate_id"].astype(np.uint32),
        "t_us": w["t_us"].astype(np.int64),
        "grams": w["grams"].astype(np.float64),
    }
    box = np.ascontiguousarray(
        np.stack([pd[c] for c in ("x1", "y1", "x2", "y2")], axis=1), dtype=np.float32
    )
    kp = np.ascontiguousarray(pd["keypoints"], dtype=np.float32).reshape(-1, 17, 3)
    person = {
        "camera_id": pd["camera_id"].astype(np.uint32),
        "t_us": pd["t_us"].astype(np.int64),
        "bbox": box,
        "score": pd["score"].astype(np.float32),
        "keypoints": kp,
        "embedding": np.ascontiguousarray(pd["embedding"], dtype=np.float32),
    }
    product = {
        "camera_id": pr["camera_id"].astype(np.uint32),
        "t_us": pr["t_us"].astype(np.int64),
        "bbox": np.ascontiguousarray(
            np.stack([pr[c] for c in ("x1", "y1", "x2", "y2")], axis=1), dtype=np.float32
        ),
        "class_id": pr["class_id"].astype(np.uint32),
        "score": pr["score"].astype(np.float32),
    }
    epc = list(rf["epc"])
    rfid = {
        "reader_id": rf["reader_id"].astype(np.uint32),
        "antenna_id": rf["antenna_id"].astype(np.uint32),
        "t_us": rf["t_us"].astype(np.int64),
        "epc": epc,
        "rssi_dbm": rf["rssi_dbm"].astype(np.float32),
    }
    hi_lo = walkout.engine.epc_columns(epc)

    def engine() -> walkout.Engine:
        return walkout.Engine(session.config)

    core_rfid = (rfid["reader_id"], rfid["antenna_id"], rfid["t_us"], *hi_lo, rfid["rssi_dbm"])
    no_engine = lambda: None  # noqa: E731
    # (label, rows, make the receiver, the call timed, peer: a numpy sum over the same rows)
    cases = [
        ("weights: walkout.Engine.ingest_weights", w, engine,
         lambda e: e.ingest_weights(**w), w["grams"]),
        ("weights: _core.Engine.ingest_weights", w, engine,
         lambda e: e._core.ingest_weights(*w.values()), w["grams"]),
        ("person detections (keypoints, embeddings): walkout.Engine.ingest_person_detections",
         person, engine, lambda e: e.ingest_person_detections(**person), person["score"]),
        ("person detections (keypoints, embeddings): _core.Engine.ingest_person_detections",
         person, engine, lambda e: e._core.ingest_person_detections(*person.values()),
         person["score"]),
        ("product detections: walkout.Engine.ingest_product_detections", product, engine,
         lambda e: e.ingest_product_detections(**product), product["score"]),
        ("RFID reads: walkout.Engine.ingest_rfid_reads (EPC hex strings)", rfid, engine,
         lambda e: e.ingest_rfid_reads(**rfid), rfid["rssi_dbm"]),
        ("RFID reads: EPC strings to (hi, lo) columns alone", rfid, no_engine,
         lambda _: walkout.engine.epc_columns(epc), rfid["rssi_dbm"]),
        ("RFID reads: _core.Engine.ingest_rfid_reads (EPC as hi, lo)", rfid, engine,
         lambda e: e._core.ingest_rfid_reads(*core_rfid), rfid["rssi_dbm"]),
    ]  # fmt: skip
    rows = [
        (
            label,
            len(cols["t_us"]),
            _best(args.repeat, make, call),
            _best(args.repeat, no_engine, lambda _, v=peer_values: np.sum(v)),
        )
        for label, cols, make, call, peer_values in cases
    ]

    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}; "
        f"seconds {args.second}..{args.second + args.window_s} of scale-large seed 1 (300 s)"
    )
    print()
    print("| path | rows | time | rows/s | peer (numpy sum) | ratio to peer |")
    print("|---|---|---|---|---|---|")
    for name, n, t, peer in rows:
        print(
            f"| {name} | {n:,} | {t * 1e3:.3f} ms | {n / t / 1e6:.1f} M | "
            f"{peer * 1e6:.1f} µs | {t / peer:,.0f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
