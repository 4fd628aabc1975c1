"""``walkout video``: the video path end to end on simulated sessions, scored.

For each seed: simulate the scenario, render its camera frames, detect persons with the
person/pose model, feed the detections with the session's other sensors to the engine,
and score the receipts against the truth. ``--baseline`` scores the same sessions fed
with the simulator's own person detections beside it. Registered in ``walkout.cli``;
opencv and onnxruntime are imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_video_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``walkout video`` on the CLI's subcommands."""
    p = commands.add_parser(
        "video", help="frames -> person model -> engine -> receipts, on simulated sessions"
    )
    p.add_argument("--scenario", nargs="+", default=["single-picks", "two-shoppers-putback"])
    from walkout.cli import _count, _seed

    p.add_argument("--seeds", type=_count(1), default=3, help="seeds per scenario (at least 1)")
    p.add_argument("--first-seed", type=_seed, default=0)
    p.add_argument("--every", type=_count(1), default=3, help="detect on every n-th camera frame")
    p.add_argument("--model", help="YOLO-format ONNX person/pose model (default: shipped)")
    p.add_argument("--conf", type=float, default=0.9, help="detection score threshold")
    p.add_argument("--threads", type=_count(0), default=0, help="onnxruntime threads (0: auto)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument(
        "--sensors",
        default="all",
        choices=["cameras", "cameras+rfid", "all"],
        help="sensor set fed beside the video's detections (walkout.replay; default all)",
    )
    p.add_argument("--baseline", action="store_true", help="also score the sim's detections")
    p.add_argument("--receipts", action="store_true", help="print every receipt vs truth")
    p.set_defaults(func=cmd_video)


def cmd_video(args: argparse.Namespace) -> int:
    """Run and score the video path; prints one F1 line per scenario (and overall)."""
    from rich.console import Console

    from walkout.cli import EXIT_ENVIRONMENT, CommandError, _check_scenario
    from walkout.eval import ReceiptScore, score_receipts, true_receipts
    from walkout.replay import replay
    from walkout.report import receipts_vs_truth, score_line
    from walkout.sim import simulate
    from walkout.vision.detector import PersonDetector
    from walkout.vision.model import RuntimeOptions
    from walkout.vision.pipeline import run_video

    for scenario in args.scenario:
        _check_scenario(scenario)
    if args.model is not None and not Path(args.model).is_file():
        raise CommandError(f"--model {args.model}: no such file")
    if not 0.0 <= args.conf <= 1.0:
        raise CommandError(f"--conf must be a score from 0 to 1 (got {args.conf})")
    out = Console(highlight=False)
    runtime = RuntimeOptions(device=args.device, intra_op_threads=args.threads)
    import onnxruntime

    try:
        runtime.resolve_providers(onnxruntime.get_available_providers())
    except RuntimeError as exc:  # --device cuda on a machine without it
        raise CommandError(f"--device {args.device}: {exc}", EXIT_ENVIRONMENT) from None
    try:
        detector = PersonDetector(args.model, conf_threshold=args.conf, runtime=runtime)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CommandError(f"cannot load the model {args.model or '(shipped)'}: {exc}") from None
    except Exception as exc:  # onnxruntime's own errors (not ONNX, a broken graph)
        if type(exc).__module__.startswith("onnxruntime"):
            raise CommandError(
                f"cannot load the model {args.model or '(shipped)'}: {exc}"
            ) from None
        raise
    out.print(
        f"model {detector.model.path.name} on {detector.model.providers[0]}, "
        f"input {detector.model.input_size}, every {args.every} frame(s); "
        f"sensors: {args.sensors}",
        markup=False,
    )
    overall, overall_base = ReceiptScore(), ReceiptScore()
    for scenario in args.scenario:
        total, base, frames, secs = ReceiptScore(), ReceiptScore(), 0, 0.0
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            session = simulate(scenario, seed)
            truth = true_receipts(session.truth or {})
            run = run_video(
                session, detector=detector, every=args.every, sensors=args.sensors,
                progress=sys.stderr.isatty(),
            )  # fmt: skip
            frames, secs = frames + run.frames, secs + run.detect_s
            if args.receipts:
                receipts_vs_truth(out, session.config, run.engine.receipts(), truth)
            total = total + score_receipts(run.engine.receipts(), truth)
            if args.baseline:
                engine = replay(session, sensors=args.sensors)
                base = base + score_receipts(engine.receipts(), truth)
        out.print(score_line(f"video  {scenario} ({args.seeds} seeds)", total), markup=False)
        if args.baseline:
            out.print(score_line(f"sim-detections {scenario}", base), markup=False)
        out.print(f"  {frames} frames in {secs:.1f} s ({frames / max(secs, 1e-9):.1f} fps)")
        overall, overall_base = overall + total, overall_base + base
    out.print(score_line("video  all scenarios", overall), markup=False)
    if args.baseline:
        out.print(score_line("sim-detections all scenarios", overall_base), markup=False)
    return 0
