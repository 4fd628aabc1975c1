"""The ``walkout`` command line.

Each command group registers itself in :func:`build_parser` through one
``_add_<group>_commands`` function; each command is one ``cmd_<group>_<name>``
function taking the parsed arguments and returning the exit code. Heavy modules
(replay, evaluation, reports) are imported inside the commands that use them, so that
``walkout --help`` and ``walkout config ...`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from rich.console import Console
from rich.table import Table

from walkout.config import StoreConfig, config_schema, load_config
from walkout.errors import ConfigError, WalkoutError
from walkout.vision.cli import add_video_commands

if TYPE_CHECKING:
    from walkout.engine import Engine
    from walkout.session import Session

Command = Callable[[argparse.Namespace], int]

# Exit codes of every command (listed in `walkout --help`).
EXIT_OK = 0
EXIT_INPUT = 1
"""Bad input: a config, session, model or output path, or a value found wrong while running."""
EXIT_USAGE = 2
"""Bad command line: unknown command or option, an option value of the wrong kind."""
EXIT_ENVIRONMENT = 3
"""Something this machine lacks: a package, a CUDA device, a display for a viewer."""
EXIT_INTERNAL = 4
"""A bug in walkout (set WALKOUT_DEBUG=1 for the traceback, and please report it)."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C."""

EXIT_CODES_HELP = """exit codes:
  0    success
  1    bad input: a config, session, model or output path, or a value found wrong
  2    bad command line: unknown command or option, or an option value of the wrong kind
  3    missing on this machine: a package, a CUDA device, a display for --spawn
  4    internal error (set WALKOUT_DEBUG=1 for the traceback)
  130  interrupted (Ctrl-C)"""

#: How long ``--spawn`` waits for the Rerun viewer it started to accept the recording.
VIEWER_TIMEOUT_S = 10.0


class CommandError(Exception):
    """A problem a command reports in one line (``walkout: ...``) with its exit code."""

    def __init__(self, message: str, code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.code = code


_N = TypeVar("_N", int, float)


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line: ``walkout eval: --seeds: ...``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _number(
    convert: Callable[[str], _N], expected: str, valid: Callable[[_N], bool], rule: str, name: str
) -> Callable[[str], _N]:
    """An argparse type: ``convert`` of the text, which must be ``valid``; the errors say
    what was ``expected`` and the ``rule`` broken (with ``{text}`` or ``{value}``)."""

    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected} (got {text!r})") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(rule.format(text=text, value=value))
        return value

    parse.__name__ = name
    return parse


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""
    rule = f"must be at least {minimum} (got {{value}})"
    return _number(int, "an integer", lambda v: v >= minimum, rule, "count")


# A simulator seed, an integer from 0 to 2**64 - 1.
_seed = _number(
    int,
    "an integer seed",
    lambda v: 0 <= v < 2**64,
    "a seed is from 0 to 2**64 - 1 (got {value})",
    "seed",
)
# A finite number above 0.
_positive_float = _number(
    float,
    "a number",
    lambda v: v > 0 and v < float("inf"),
    "must be a number above 0 (got {text})",
    "positive_float",
)


#: Width of tables written to a file or a pipe: wide enough for the ablation table,
#: which rich would otherwise cut to 80 columns with an ellipsis in every cell.
_PIPE_WIDTH = 240


def _stdout() -> Console:
    # Built per call so that redirected or captured streams (pytest's capsys) are used.
    # A terminal sets its own width; a file or pipe (`walkout eval ... > table.txt`)
    # gets the whole table, unless COLUMNS says otherwise.
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else _PIPE_WIDTH
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, width=width)


def _stderr() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


# --- walkout config -------------------------------------------------------------------


def _config_summary(path: Path, cfg: StoreConfig) -> Table:
    gates = [g.kind for g in cfg.gates]
    table = Table(title=f"{path}: valid", title_justify="left", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    rows = [
        ("store", cfg.name),
        ("products", str(len(cfg.products))),
        ("rfid-tagged products", str(sum(p.rfid for p in cfg.products))),
        ("gondolas", str(len(cfg.gondolas))),
        ("shelves", str(sum(len(g.shelves) for g in cfg.gondolas))),
        ("plates", str(sum(1 for _ in cfg.plates()))),
        ("cameras", str(len(cfg.cameras))),
        ("thermal cameras", str(len(cfg.thermal_cameras))),
        ("rfid readers", str(len(cfg.rfid_readers))),
        ("gates", f"{len(gates)} ({gates.count('entry')} entry, {gates.count('exit')} exit)"),
    ]
    for what, count in rows:
        table.add_row(what, count)
    return table


def cmd_config_validate(args: argparse.Namespace) -> int:
    """Load and validate a store config; print a summary, or every problem found."""
    path = Path(args.file)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        err = _stderr()
        count = len(exc.details)
        err.print(
            f"{path}: {count} problem{'s' if count != 1 else ''}", style="bold red", markup=False
        )
        for detail in exc.details:
            err.print(str(detail), markup=False)
        return 1
    _stdout().print(_config_summary(path, cfg))
    return 0


def cmd_config_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the store config."""
    # Plain JSON, not rich output, so that it can be piped into a file or a tool.
    sys.stdout.write(json.dumps(config_schema(), indent=args.indent) + "\n")
    return 0


def _add_config_commands(commands: argparse._SubParsersAction[Any]) -> None:
    group = commands.add_parser("config", help="check store configuration files")
    sub = group.add_subparsers(dest="config_command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="validate a store config (.toml, .yaml, .json)")
    validate.add_argument("file", metavar="FILE", help="the store config file")
    validate.set_defaults(func=cmd_config_validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of the store config")
    schema.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")
    schema.set_defaults(func=cmd_config_schema)


# --- walkout sim / replay / eval / demo --------------------------------------------------


def _store_arg(args: argparse.Namespace) -> StoreConfig | None:
    return load_config(args.store) if getattr(args, "store", None) else None


def cmd_sim(args: argparse.Namespace) -> int:
    """Simulate a scenario and write the session directory."""
    from walkout.sim import scenarios, simulate

    if args.list:
        table = Table(title="scenarios", title_justify="left")
        for col in ("name", "tier", "description"):
            table.add_column(col)
        for s in scenarios():
            table.add_row(s["name"], str(s["tier"]), s["description"])
        _stdout().print(table)
        return 0
    if not args.out:
        _stderr().print("walkout sim: --out DIR is required (or --list)", markup=False)
        return EXIT_USAGE
    _check_scenario(args.scenario)
    store = _store_arg(args)
    Path(args.out).mkdir(parents=True, exist_ok=True)  # an unwritable --out fails now
    session = simulate(args.scenario, args.seed, store)
    out = session.write(args.out)
    n = {k: len(getattr(session, k)["t_us"]) for k in ("weights", "positions", "gates")}
    _stdout().print(
        f"wrote {out}: scenario {args.scenario}, seed {args.seed}, "
        f"{(session.end_us - session.start_us) / 1e6:.0f} s, "
        f"{n['weights']} weight samples, {n['positions']} positions, {n['gates']} gate events",
        markup=False,
    )
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Run the engine over a session directory and print its receipts (with --json,
    one JSON document: receipts, score against the truth if any, and stats)."""
    from walkout.eval import score_receipts, true_receipts
    from walkout.report import receipts_vs_truth, score_dict, score_line
    from walkout.session import Session

    session = Session.read(args.session)
    engine = _replay_recorded(args, session, chunk_s=args.chunk_s)
    stats = engine.stats()
    if args.json:
        score = (
            score_dict(score_receipts(engine.receipts(), true_receipts(session.truth)))
            if session.truth is not None
            else None
        )
        doc = {
            "session": str(args.session),
            "store": session.config.name,
            "sensors": args.sensors,
            "receipts": [r.to_dict() for r in engine.receipts()],
            "score": score,
            "stats": stats,
            "rerun": getattr(args, "rerun_written", None),
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return _serve_until_interrupted(args)
    out = _stdout()
    if session.truth is not None:
        total = receipts_vs_truth(
            out, session.config, engine.receipts(), true_receipts(session.truth)
        )
        out.print(score_line("receipts", total), markup=False)
    else:
        for r in engine.receipts():
            out.print(r, markup=False)
            for line in r.lines:
                out.print(f"  {line}", markup=False)
    out.print(
        f"events: {stats['shelf_events']} shelf ({stats['unassigned_shelf_events']} unassigned), "
        f"late samples: {stats['weights']['late']}, duplicates dropped: "
        f"{stats['weights']['duplicates'] + stats['positions']['duplicates']}",
        markup=False,
    )
    return _serve_until_interrupted(args)


def _eval_table(
    scenario: str,
    seeds: list[int],
    store: StoreConfig | None,
    sensors: str = "auto",
    embeddings: bool = True,
    as_json: bool = False,
) -> float:
    from walkout.eval import ErrorBreakdown, evaluate, pooled
    from walkout.report import score_dict, score_line

    results = evaluate(
        scenario,
        seeds,
        store,
        progress=sys.stderr.isatty(),
        sensors=sensors,
        embeddings=embeddings,
    )
    total = pooled(results)
    worst = min(results, key=lambda r: r.score.f1)
    causes = sum((r.breakdown for r in results), ErrorBreakdown())
    if as_json:
        doc = {
            "scenario": scenario,
            "seeds": seeds,
            "sensors": sensors,
            "embeddings": embeddings,
            **score_dict(total),
            "causes": causes.to_dict(),
            "per_seed": [
                {"seed": r.seed, **score_dict(r.score), "causes": r.breakdown.to_dict()}
                for r in results
            ],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return total.f1
    out = _stdout()
    out.print(score_line(f"{scenario} over {len(seeds)} seeds", total), markup=False)
    out.print(f"  worst seed: {worst.seed} (F1 {worst.score.f1:.4f})", markup=False)
    out.print(f"  wrong units by cause: {causes.summary()}", markup=False)
    return total.f1


#: The ablation ladder: what each modality adds.
ABLATION = ("positions", "cameras", "cameras+rfid", "all")


def cmd_eval(args: argparse.Namespace) -> int:
    """Receipt precision / recall / F1 of a scenario, or of every tier, over many seeds."""
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    if seeds[-1] >= 2**64:
        raise CommandError(f"--first-seed + --seeds must stay below 2**64 (got {seeds[-1]})")
    if not (args.tiers or args.ablation):
        _check_scenario(args.scenario)
        _eval_table(
            args.scenario,
            seeds,
            _store_arg(args),
            args.sensors,
            not args.no_embeddings,
            as_json=args.json,
        )
        return 0
    from walkout.eval import evaluate_tiers
    from walkout.report import tier_table, tier_tables_dict

    if args.store:
        _stderr().print("walkout eval: --tiers and --ablation use the shipped stores", markup=False)
        return EXIT_USAGE
    for name in args.scenario_list or []:
        _check_scenario(name)
    # The ablation ends with every sensor but without the detections' embeddings.
    embeddings = not args.no_embeddings
    if args.ablation:
        sets = [(s, embeddings) for s in ABLATION] + ([("all", False)] if embeddings else [])
    else:
        sets = [(args.sensors, embeddings)]
    chosen = args.scenario_list or None
    progress = sys.stderr.isatty()
    # Tracking is measured where the engine tracks shoppers itself (not positions).
    tables = [
        evaluate_tiers(
            seeds, s, chosen, progress, tracking=args.tracking and s != "positions", embeddings=e
        )
        for s, e in sets
    ]
    if args.json:
        sys.stdout.write(json.dumps(tier_tables_dict(tables), indent=2) + "\n")
    else:
        tier_table(_stdout(), tables)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Simulate a session, write and read it back, fuse it and print receipts vs truth."""
    import tempfile

    from walkout.eval import true_receipts
    from walkout.report import receipts_vs_truth, score_line
    from walkout.session import Session
    from walkout.sim import simulate

    out = _stdout()
    _check_scenario(args.scenario)
    if args.seeds > 0:
        _check_scenario(args.eval_scenario)
    store = _store_arg(args)
    session = simulate(args.scenario, args.seed, store)
    with tempfile.TemporaryDirectory(prefix="walkout-demo-") as tmp:
        directory = Path(args.out) if args.out else Path(tmp) / "session"
        session = Session.read(session.write(directory))
        out.print(
            f"[bold]{session.config.name}[/]: scenario {args.scenario}, seed {args.seed}, "
            f"{(session.end_us - session.start_us) / 1e6:.0f} s of sensor data, "
            f"{len(session.weights['t_us']):,} weight samples"
            + (f", written to {directory}" if args.out else "")
        )
        engine = _replay_recorded(args, session)
        assert session.truth is not None
        score = receipts_vs_truth(
            out, session.config, engine.receipts(), true_receipts(session.truth)
        )
        out.print(score_line(f"{args.scenario} seed {args.seed}", score), markup=False)
    if args.seeds > 0:
        out.print()
        _eval_table(args.eval_scenario, list(range(args.seeds)), store)
    return _serve_until_interrupted(args)


def _replay_recorded(args: argparse.Namespace, session: Session, chunk_s: float = 1.0) -> Engine:
    """Replay ``session``; with --rerun / --spawn / --serve, record it to Rerun too."""
    from walkout.replay import replay

    explicit = bool(args.rerun or args.spawn or args.serve)
    path = None if getattr(args, "no_rerun", False) else args.rerun or args.rerun_default
    sensors = getattr(args, "sensors", "auto")
    if not (path or args.spawn or args.serve):
        return replay(session, chunk_s=chunk_s, progress=sys.stderr.isatty(), sensors=sensors)
    try:
        from walkout.viz import open_recording, record_session, session_name
    except ImportError as exc:  # rerun-sdk needs Python >= 3.11
        if explicit:
            raise CommandError(
                f"Rerun recording needs rerun-sdk (Python >= 3.11): {exc}", EXIT_ENVIRONMENT
            ) from None
        _stderr().print(f"no Rerun recording (rerun-sdk is not installed: {exc})", markup=False)
        return replay(session, chunk_s=chunk_s, progress=sys.stderr.isatty(), sensors=sensors)

    if path:
        _check_output_file(Path(path), "--rerun")
    if args.spawn:
        problem = _viewer_problem()
        if problem is not None:
            if not (path or args.serve):
                raise CommandError(
                    f"--spawn: {problem}; write a file with --rerun FILE.rrd or serve the "
                    "recording with --serve",
                    EXIT_ENVIRONMENT,
                )
            _warn(f"--spawn: {problem}; recording without a viewer")
            args.spawn, args.viewer_failed = False, True
    try:
        rec, args.rerun_url = open_recording(
            session_name(session), path=path, spawn=args.spawn, serve=args.serve
        )
    except RuntimeError as exc:  # the viewer or the server could not be started
        raise CommandError(f"cannot open the Rerun recording: {exc}", EXIT_ENVIRONMENT) from None
    if args.spawn:
        _wait_for_viewer(args, rec, path, session_name(session))
    args.rerun_stream = rec  # keeps a served recording alive until the command returns
    engine = record_session(
        session, recording=rec, chunk_s=chunk_s, progress=sys.stderr.isatty(), sensors=sensors
    )
    if args.serve:
        rec.flush()
    else:
        rec.disconnect()  # completes the file (footer) and the link to a spawned viewer
    if path:
        size = Path(path).stat().st_size / 1e6
        args.rerun_written = str(path)
        (_stderr() if getattr(args, "json", False) else _stdout()).print(
            f"Rerun recording: {path} ({size:.1f} MB); view it with `rerun {path}`", markup=False
        )
    return engine


def _viewer_problem() -> str | None:
    """Why a Rerun viewer cannot open a window on this machine, or None if it may."""
    import shutil

    if shutil.which("rerun") is None:
        return "the Rerun viewer (`rerun`, from rerun-sdk) is not on PATH"
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no display to open the Rerun viewer on (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def _wait_for_viewer(args: argparse.Namespace, rec: Any, path: str | None, name: str) -> None:
    """Wait up to :data:`VIEWER_TIMEOUT_S` for the spawned viewer to take the recording;
    if it does not, go on without it (writing ``path``), or fail without a file."""
    import rerun as rr

    try:
        rec.flush(timeout_sec=VIEWER_TIMEOUT_S)
        return
    except RuntimeError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    message = (
        f"--spawn: the Rerun viewer did not take the recording within "
        f"{VIEWER_TIMEOUT_S:g} s ({reason})"
    )
    if not path:
        rec.set_sinks()  # drops the link to the viewer
        raise CommandError(message, EXIT_ENVIRONMENT)
    _warn(f"{message}; writing {path} only")
    rec.set_sinks(rr.FileSink(str(path)))
    rec.send_recording_name(name)
    args.viewer_failed = True


def _check_output_file(path: Path, option: str) -> None:
    """Refuse an output file whose folder does not exist or cannot be written, before
    any work is done."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CommandError(f"{option} {path}: no such folder {folder}")
    if path.is_dir():
        raise CommandError(f"{option} {path}: is a folder, expected a file name")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"{option} {path}: the folder {folder} is not writable")


def _check_scenario(name: str) -> None:
    """Refuse an unknown scenario name, listing the known ones."""
    from walkout.sim import scenarios

    names = [s["name"] for s in scenarios()]
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise CommandError(f"no scenario {name!r}; {hint}`walkout sim --list` lists them")


def _warn(message: str) -> None:
    _stderr().print(f"walkout: {message}", markup=False)


def _serve_until_interrupted(args: argparse.Namespace) -> int:
    """With --serve, keep serving the recording to viewers until Ctrl-C."""
    url = getattr(args, "rerun_url", None)
    if not url:
        return EXIT_ENVIRONMENT if getattr(args, "viewer_failed", False) else EXIT_OK
    import time
    from urllib.parse import quote

    import rerun as rr

    rr.serve_web_viewer(open_browser=False, connect_to=url)
    (_stderr() if getattr(args, "json", False) else _stdout()).print(
        f"serving the recording at {url}: `rerun {url}`, or in a browser "
        f"http://localhost:9090/?url={quote(url, safe='')} (Ctrl-C to stop)",
        markup=False,
    )
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        return EXIT_OK


def _add_rerun_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--rerun",
        metavar="FILE.rrd",
        help="write a Rerun recording of the session"
        + (f" (default {default})" if default else ""),
    )
    parser.set_defaults(rerun_default=default)
    parser.add_argument("--spawn", action="store_true", help="stream it to a new Rerun viewer")
    parser.add_argument(
        "--serve", action="store_true", help="serve it to Rerun viewers (gRPC and web) until Ctrl-C"
    )


def _add_session_commands(commands: argparse._SubParsersAction[Any]) -> None:
    from walkout.sim import DEFAULT_SCENARIO

    demo = commands.add_parser("demo", help="simulate, fuse and score a store session")
    demo.add_argument("--scenario", default=DEFAULT_SCENARIO, help="scenario to show in detail")
    demo.add_argument("--seed", type=_seed, default=0)
    demo.add_argument(
        "--eval-scenario", default="two-shoppers-putback", help="scenario scored over --seeds"
    )
    demo.add_argument("--seeds", type=_count(0), default=20, help="seeds to score (0 to skip)")
    demo.add_argument("--out", help="keep the session directory here")
    demo.add_argument("--store", help="store config (default: the shipped convenience store)")
    _add_rerun_options(demo, default="walkout-demo.rrd")
    demo.add_argument("--no-rerun", action="store_true", help="do not write a Rerun recording")
    demo.set_defaults(func=cmd_demo)

    sim = commands.add_parser("sim", help="simulate a scenario into a session directory")
    sim.add_argument("--scenario", default=DEFAULT_SCENARIO)
    sim.add_argument("--seed", type=_seed, default=0)
    sim.add_argument("--out", help="session directory to write")
    sim.add_argument("--store", help="store config (default: the shipped convenience store)")
    sim.add_argument("--list", action="store_true", help="list the scenarios")
    sim.set_defaults(func=cmd_sim)

    rep = commands.add_parser("replay", help="run the engine over a session directory")
    rep.add_argument("session", metavar="SESSION", help="session directory")
    rep.add_argument(
        "--chunk-s", type=_positive_float, default=1.0, help="seconds of data per batch"
    )
    rep.add_argument(
        "--json", action="store_true", help="print one JSON document (receipts, score, stats)"
    )
    rep.add_argument(
        "--sensors",
        default="auto",
        choices=["auto", *ABLATION],
        help="which of the session's sensors the engine is fed (walkout.replay; default auto)",
    )
    _add_rerun_options(rep, default=None)
    rep.set_defaults(func=cmd_replay)

    ev = commands.add_parser("eval", help="receipt F1 of a scenario, or per tier, over many seeds")
    ev.add_argument("--scenario", default="two-shoppers-putback")
    ev.add_argument("--seeds", type=_count(1), default=20, help="how many seeds (at least 1)")
    ev.add_argument("--first-seed", type=_seed, default=0)
    ev.add_argument("--json", action="store_true", help="print one JSON document of the scores")
    ev.add_argument("--store", help="store config (default: the shipped convenience store)")
    ev.add_argument(
        "--sensors",
        default="auto",
        choices=["auto", *ABLATION],
        help="which of the session's sensors the engine is fed (walkout.replay; default auto)",
    )
    ev.add_argument("--tiers", action="store_true", help="every scenario, pooled per tier")
    ev.add_argument(
        "--tracking",
        action="store_true",
        help="with --tiers / --ablation: also MOTA / IDF1 of the engine's own tracks "
        "(motmetrics, in the 'eval' extra)",
    )
    ev.add_argument(
        "--ablation",
        action="store_true",
        help="--tiers for each sensor set in turn, then all sensors without embeddings",
    )
    ev.add_argument(
        "--no-embeddings",
        action="store_true",
        help="feed person detections without their re-identification embeddings",
    )
    ev.add_argument(
        "--scenarios",
        dest="scenario_list",
        nargs="+",
        metavar="NAME",
        help="with --tiers / --ablation: only these scenarios",
    )
    ev.set_defaults(func=cmd_eval)


# Command groups in the order `walkout --help` lists them; add new groups here.
_COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction[Any]], None]] = [
    _add_session_commands,
    _add_config_commands,
    add_video_commands,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command group registered."""
    from walkout._core import __version__

    parser = _Parser(
        prog="walkout",
        description="Sensor fusion for cashierless stores.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"walkout {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_group in _COMMAND_GROUPS:
        add_group(commands)
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def _os_error(exc: OSError) -> str:
    """An OSError as ``<file>: <reason>`` (what the system said, without errno)."""
    reason = exc.strerror or _one_line(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``walkout`` console script; returns the exit code
    (:data:`EXIT_CODES_HELP` lists them)."""
    args = build_parser().parse_args(argv)
    func: Command = args.func
    err = _stderr()
    try:
        return func(args)
    except KeyboardInterrupt:
        err.print("walkout: interrupted", markup=False)
        return EXIT_INTERRUPTED
    except CommandError as exc:
        err.print(f"walkout: {exc}", markup=False)
        return exc.code
    except WalkoutError as exc:
        # Errors walkout raises on purpose already say what and where: no traceback.
        err.print(f"walkout: {type(exc).__name__}: {exc}", markup=False)
        return EXIT_INPUT
    except TimeoutError as exc:  # a Rerun viewer or server that stopped taking data
        err.print(f"walkout: {_one_line(exc)}", markup=False)
        return EXIT_ENVIRONMENT
    except OSError as exc:  # an output path that cannot be written, a file not there
        err.print(f"walkout: {_os_error(exc)}", markup=False)
        return EXIT_INPUT
    except ImportError as exc:  # an optional package this command needs
        err.print(f"walkout: this command needs a package that is missing: {exc}", markup=False)
        return EXIT_ENVIRONMENT
    except Exception as exc:
        if os.environ.get("WALKOUT_DEBUG"):
            raise
        err.print(
            f"walkout: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(set WALKOUT_DEBUG=1 for the traceback, and please report it)",
            markup=False,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
