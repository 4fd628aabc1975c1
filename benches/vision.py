"""Person/pose model throughput: frames per second at 640x640 on CPU (onnxruntime).

Measures the network alone (batch 1 and a batch of six cameras) and the whole
per-frame path (letterbox a 1920x1080 frame, run, decode, NMS, map back) at 640x640 and
at the export's own input size (384x640 for the shipped model), best of
``--repeat`` timed loops after a warm-up. Peer, measured in the same run: one
letterbox of the same frame, the cheapest step of the path.

Run: python benches/vision.py [--model PATH] [--threads 2] [--iters 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import onnxruntime as ort

from walkout.vision import RuntimeOptions, YoloModel, letterbox_image
from walkout.vision.shipped import person_model_path


def _best(repeat: int, iters: int, fn) -> float:
    fn()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(iters):
            fn()
        best = min(best, (time.perf_counter() - t) / iters)
    return best


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of the measurements."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="ONNX model (default: the shipped one)")
    ap.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    path = person_model_path(args.model)
    runtime = RuntimeOptions(device="cpu", intra_op_threads=args.threads)
    model = YoloModel(path, runtime=runtime, input_size=(640, 640))
    native = YoloModel(path, runtime=runtime)  # the export's own size (metadata imgsz)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (1080, 1920, 3), dtype=np.uint8)
    x1 = rng.random((1, 3, 640, 640), dtype=np.float32)
    x6 = rng.random((6, 3, 640, 640), dtype=np.float32)

    net1 = _best(args.repeat, args.iters, lambda: model.infer(x1))
    net6 = _best(args.repeat, max(1, args.iters // 6), lambda: model.infer(x6)) / 6
    full = _best(args.repeat, args.iters, lambda: model.detect([frame]))
    full_native = _best(args.repeat, args.iters, lambda: native.detect([frame]))
    peer = _best(args.repeat, args.iters, lambda: letterbox_image(frame, (640, 640)))

    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"onnxruntime {ort.__version__} {model.providers}, {args.threads} threads, "
        f"model {path.name} ({path.stat().st_size / 1e6:.1f} MB)"
    )
    print()
    print("| path | ms / frame | frames / s |")
    print("|---|---|---|")
    for label, sec in [
        ("network, 640x640, batch 1", net1),
        ("network, 640x640, batch 6 (six cameras)", net6),
        ("1920x1080 frame -> 640x640: letterbox + network + decode + NMS", full),
        (
            f"1920x1080 frame -> {native.input_size[0]}x{native.input_size[1]} (native): same",
            full_native,
        ),
        ("peer: letterbox to 640x640 alone", peer),
    ]:
        print(f"| {label} | {sec * 1e3:.1f} | {1 / sec:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
