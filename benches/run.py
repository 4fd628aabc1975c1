"""End-to-end benchmark harness: simulate, then replay through the engine from Python.

Reports, per scenario, the engine's speed as a multiple of real time (sensor seconds
per wall second) and, as a peer measured in the same run on the same session, the
simulator that made the data (both are single-threaded Rust behind the same binding).

``--duration-s`` shortens open-ended scenarios (``scale-large`` is an hour, too much
to hold in memory from Python: ``--scenario scale-large --duration-s 120 --seeds 1``).

Run: python benches/run.py [--scenario NAME ...] [--seeds N] [--repeat R] [--duration-s S]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from walkout.replay import replay
from walkout.sim import simulate


def _best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    """Print a Markdown table of the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", default=["single-picks", "two-shoppers-putback"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration-s", type=float, default=None)
    args = parser.parse_args(argv)

    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print()
    print(
        "| scenario | sensor s | weight samples | engine (x real time) | samples/s "
        "| simulator (x real time) | engine / simulator time |"
    )
    print("|---|---|---|---|---|---|---|")
    for scenario in args.scenario:
        rows = []
        for seed in range(args.seeds):
            d = args.duration_s
            session = simulate(scenario, seed, duration_s=d)
            span = (session.end_us - session.start_us) / 1e6
            t_sim = _best_of(args.repeat, lambda: simulate(scenario, seed, duration_s=d))  # noqa: B023
            t_eng = _best_of(args.repeat, lambda: replay(session))  # noqa: B023
            rows.append((span, len(session.weights["t_us"]), t_eng, t_sim))
        span = statistics.mean(r[0] for r in rows)
        n = statistics.mean(r[1] for r in rows)
        t_eng = statistics.mean(r[2] for r in rows)
        t_sim = statistics.mean(r[3] for r in rows)
        print(
            f"| {scenario} | {span:.0f} | {n:,.0f} | {span / t_eng:,.0f}x "
            f"| {n / t_eng / 1e6:.1f} M | {span / t_sim:,.0f}x | {t_eng / t_sim:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
