"""The command line, run in-process: demo, sim, replay, eval."""

from __future__ import annotations

import re

from walkout.cli import main


def test_demo_prints_receipts_and_f1(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo writes walkout-demo.rrd here
    assert main(["demo", "--seeds", "2"]) == 0
    assert (tmp_path / "walkout-demo.rrd").stat().st_size > 100_000
    out = capsys.readouterr().out
    assert "single-picks seed 0: precision 1.0000  recall 1.0000  F1 1.0000" in out
    assert "two-shoppers-putback over 2 seeds" in out
    assert "charged" in out and "taken" in out


def test_sim_then_replay(tmp_path, capsys):
    d = tmp_path / "session"
    assert main(["sim", "--scenario", "two-shoppers-putback", "--seed", "4", "--out", str(d)]) == 0
    assert (d / "weights.parquet").is_file() and (d / "truth" / "receipts.parquet").is_file()
    assert main(["replay", str(d)]) == 0
    out = capsys.readouterr().out
    assert "receipts: precision" in out
    assert out.count("shopper ") >= 2


def test_sim_list_names_every_scenario(capsys):
    assert main(["sim", "--list"]) == 0
    out = capsys.readouterr().out
    assert "single-picks" in out and "two-shoppers-putback" in out


def test_replay_of_a_missing_session_is_a_clean_error(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope")]) == 1  # bad input (walkout --help)
    assert "SessionError" in capsys.readouterr().err


def _eval_f1(capsys, *extra: str) -> float:
    args = ["eval", "--scenario", "standing-close", "--first-seed", "13", "--seeds", "1"]
    assert main([*args, *extra]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "F1" in x)
    return float(re.search(r"F1 ([0-9.]+)", line).group(1))


def test_eval_without_embeddings_scores_the_swap_they_prevent(capsys):
    # Seed 13: two shoppers of alike build standing close swap tracks without their looks.
    assert _eval_f1(capsys) > _eval_f1(capsys, "--no-embeddings")


def test_tables_written_to_a_pipe_are_whole():
    """Redirected to a file or a pipe, the ablation table keeps every column whole
    (rich would cut it to 80 columns, an ellipsis in every cell)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    out = subprocess.run(
        [sys.executable, "-m", "walkout", "eval", "--ablation", "--seeds", "1"]
        + ["--scenarios", "single-picks"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    ).stdout
    assert "…" not in out
    assert "cameras+rfid" in out and "all, no embeddings" in out
