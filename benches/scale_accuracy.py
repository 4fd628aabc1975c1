"""Receipt F1 and tracking at store scale: the first ``--seconds`` of ``scale-large``
(1008 plates, 64 cameras at 15 fps, one entry gate letting one through at a time, the
store filling to about 70 shoppers) replayed through the engine once per sensor set,
scored against the simulator's truth (receipts: ``walkout.eval``; tracks: ``walkout.eval.tracking``,
motmetrics), with every wrong unit explained by cause (``walkout.eval.causes``). Not a
speed test: ``benches/examples/engine_hour.rs`` is that.

    python benches/scale_accuracy.py --seconds 600
    python benches/scale_accuracy.py --seconds 600 --sensors all --no-embeddings
"""

from __future__ import annotations

import argparse

from walkout.engine import Engine
from walkout.eval import error_breakdown, score_receipts, true_receipts
from walkout.replay import replay
from walkout.sim import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="session length")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sensors", nargs="+", default=["all", "positions"])
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args()

    session = simulate("scale-large", args.seed, duration_s=args.seconds)
    truth = true_receipts(session.truth)
    print(f"scale-large seed {args.seed}, {args.seconds:.0f} s, {len(truth)} shoppers")
    for sensors in args.sensors:
        engine = Engine(session.config, trajectory_log_hz=5.0)
        replay(session, engine=engine, sensors=sensors, embeddings=not args.no_embeddings)
        score = score_receipts(engine.receipts(), truth)
        counts = f"{score.tp} tp, {score.fp} fp, {score.fn} fn"
        line = f"{sensors:>10}: receipt F1 {score.f1:.3f} ({counts})"
        if sensors != "positions":
            import motmetrics as mm

            from walkout.eval.tracking import accumulate

            acc = accumulate(session.truth["trajectories"], engine.trajectories())
            m = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "num_switches"])
            line += (
                f"; MOTA {m['mota'].iloc[0]:.3f}, IDF1 {m['idf1'].iloc[0]:.3f}, "
                f"{int(m['num_switches'].iloc[0])} identity switches"
            )
        print(line, flush=True)
        for cause, fp, fn in error_breakdown(session.truth, engine).rows():
            print(f"{'':>12}{cause:<34} {fp + fn:>5} ({fp} fp, {fn} fn)", flush=True)


if __name__ == "__main__":
    main()
