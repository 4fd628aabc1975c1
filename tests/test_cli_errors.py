"""The command line reports ordinary mistakes in one line with a documented exit code,
never a traceback; it has --version and JSON output; --spawn without a usable viewer
times out, says why and keeps the .rrd file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import walkout
from walkout import cli
from walkout.cli import main
from walkout.eval import ReceiptScore
from walkout.report import score_dict, score_line
from walkout.session import Session
from walkout.sim import simulate


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory) -> Path:
    return simulate("single-picks", 0).write(tmp_path_factory.mktemp("cli") / "session")


def _run(*argv: str, env: dict[str, str] | None = None, timeout: float = 180):
    """The console script as a user runs it, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "walkout.cli", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("walkout"), err
    return lines[0]


def test_version():
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"walkout {walkout.__version__}"


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    for code in ("0", "1", "2", "3", "4", "130"):
        assert f"\n  {code} " in out, out


@pytest.mark.parametrize(
    "argv, code, says",
    [
        (["eval", "--seeds", "0"], 2, "--seeds: must be at least 1 (got 0)"),
        (["eval", "--seeds", "two"], 2, "expected an integer"),
        (["demo", "--seed", "-1"], 2, "--seed: a seed is from 0 to 2**64 - 1 (got -1)"),
        (["sim", "--seed", "-1", "--out", "x"], 2, "--seed: a seed is from 0"),
        (["sim", "--seed", str(2**64), "--out", "x"], 2, "--seed: a seed is from 0"),
        (["video", "--seeds", "0"], 2, "--seeds: must be at least 1 (got 0)"),
        (["video", "--model", "missing.onnx"], 1, "--model missing.onnx: no such file"),
        (["sim", "--out", "/proc/walkout-nope"], 1, "/proc/walkout-nope"),
        (["eval", "--scenario", "single-pick", "--seeds", "1"], 1, "did you mean 'single-picks'"),
        (["nosuchcommand"], 2, "invalid choice"),
    ],
)
def test_ordinary_mistakes_are_one_line_with_their_exit_code(argv, code, says, capsys):
    try:
        got = main(argv)
    except SystemExit as exc:  # argparse: usage errors
        got = exc.code
    assert got == code
    line = _one_line(capsys.readouterr().err)
    assert says in line, line


def test_cuda_without_cuda_is_an_environment_error(capsys):
    onnxruntime = pytest.importorskip("onnxruntime")
    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this machine has CUDA")
    assert main(["video", "--device", "cuda", "--seeds", "1"]) == 3
    assert "--device cuda" in _one_line(capsys.readouterr().err)


def test_a_model_that_is_not_onnx_is_an_input_error(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not a model")
    assert main(["video", "--model", str(bad), "--seeds", "1"]) == 1
    assert "cannot load the model" in _one_line(capsys.readouterr().err)


def test_replay_to_a_missing_folder_refuses_before_replaying(session_dir, capsys):
    assert main(["replay", str(session_dir), "--rerun", "/nonexistent/x.rrd"]) == 1
    assert "no such folder /nonexistent" in _one_line(capsys.readouterr().err)


def test_an_unexpected_error_is_one_line_and_exit_code_4(monkeypatch, capsys):
    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "cmd_sim", broken)
    assert main(["sim", "--list"]) == 4
    line = _one_line(capsys.readouterr().err)
    assert "internal error: ZeroDivisionError" in line and "WALKOUT_DEBUG=1" in line


def test_ctrl_c_is_exit_code_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_sim", interrupted)
    assert main(["sim", "--list"]) == 130
    assert _one_line(capsys.readouterr().err) == "walkout: interrupted"


# --- F1 of nothing -------------------------------------------------------------------------


def test_f1_over_no_units_is_undefined_not_one():
    empty = ReceiptScore()
    assert "F1 1.0" not in score_line("video", empty)
    assert "undefined" in score_line("video", empty)
    assert score_dict(empty)["f1"] is None
    assert score_dict(ReceiptScore(tp=3, fn=1))["f1"] == pytest.approx(6 / 7)


# --- JSON output -----------------------------------------------------------------------------


def test_replay_json_is_one_document_matching_the_engine(session_dir, capsys):
    from walkout.replay import replay

    assert main(["replay", str(session_dir), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    engine = replay(Session.read(session_dir))
    assert doc["receipts"] == [r.to_dict() for r in engine.receipts()]
    assert doc["receipts"] and doc["score"]["f1"] == 1.0
    assert doc["score"]["units_right"] == sum(r["quantity"] for r in _lines(doc))
    assert doc["stats"]["receipts"] == len(doc["receipts"])
    assert doc["rerun"] is None


def _lines(doc):
    return [line for r in doc["receipts"] for line in r["lines"]]


def test_eval_json_is_one_document(capsys):
    argv = ["eval", "--scenario", "single-picks", "--seeds", "2", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scenario"] == "single-picks" and doc["seeds"] == [0, 1]
    assert [s["seed"] for s in doc["per_seed"]] == [0, 1]
    assert doc["units_right"] == sum(s["units_right"] for s in doc["per_seed"])
    assert 0 < doc["f1"] <= 1


def test_eval_tiers_json(capsys):
    argv = ["eval", "--tiers", "--scenarios", "single-picks", "--seeds", "1", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    (table,) = doc["tables"]
    assert doc["seeds"] == 1 and table["sensors"] == "auto"
    assert table["scenarios"]["single-picks"]["tier"] == 1
    assert table["tiers"]["1"]["f1"] == table["scenarios"]["single-picks"]["f1"]


# --- --spawn without a viewer ------------------------------------------------------------------


def _no_display_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display check is Linux's")
def test_spawn_without_a_display_keeps_the_file_and_says_why(session_dir, tmp_path):
    rrd = tmp_path / "out.rrd"
    done = _run("replay", str(session_dir), "--spawn", "--rerun", str(rrd), env=_no_display_env())
    assert done.returncode == 3, done.stderr
    assert "no display" in done.stderr and "Traceback" not in done.stderr
    assert rrd.stat().st_size > 100_000
    assert "F1 1.0000" in done.stdout  # the replay itself ran
    alone = _run("replay", str(session_dir), "--spawn", env=_no_display_env())
    assert alone.returncode == 3
    assert "no display" in _one_line(alone.stderr)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("rerun") is None, reason="needs the rerun viewer binary")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs an X display to fake")
def test_spawn_with_a_viewer_that_never_starts_times_out_and_keeps_the_file(session_dir, tmp_path):
    # A display that is set but does not exist: the viewer starts and dies at once.
    env = {**_no_display_env(), "DISPLAY": ":97"}
    rrd = tmp_path / "out.rrd"
    done = _run("replay", str(session_dir), "--spawn", "--rerun", str(rrd), env=env)
    assert done.returncode == 3, done.stderr
    assert "did not take the recording within" in done.stderr
    assert "Traceback" not in done.stderr
    assert rrd.stat().st_size > 100_000


_CLOSE_WITH_A_DEAD_VIEWER = """
import sys, time
import walkout
from walkout.session import Session
from walkout.viz import Recorder, open_recording

rec, _ = open_recording("test", path=sys.argv[2], spawn=True)
engine = walkout.Engine(walkout.stores.minimal())
recorder = Recorder(engine, rec)
started = time.monotonic()
try:
    recorder.close(timeout_s=3)
except TimeoutError as exc:
    print("timeout", round(time.monotonic() - started), exc)
rec.disconnect()
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("rerun") is None, reason="needs the rerun viewer binary")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs an X display to fake")
def test_recorder_close_gives_up_on_a_viewer_that_never_started(tmp_path):
    env = {**_no_display_env(), "DISPLAY": ":97"}
    rrd = tmp_path / "live.rrd"
    done = subprocess.run(
        [sys.executable, "-c", _CLOSE_WITH_A_DEAD_VIEWER, "x", str(rrd)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("timeout"), done.stdout + done.stderr
    assert "not flushed within 3 s" in done.stdout
    assert rrd.stat().st_size > 0


def test_python_dash_m_walkout_is_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "walkout", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == f"walkout {walkout.__version__}"
