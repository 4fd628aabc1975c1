"""The examples in examples/ and the README run as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_integrator_example_prints_the_milk_receipt():
    out = subprocess.run(
        [sys.executable, "examples/integrator.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines()[0] == "acct-42 {'MILK-1L': 1} 179 False"


def test_readme_shows_the_integrator_example_verbatim():
    example = (ROOT / "examples" / "integrator.py").read_text()
    code = example[example.index("import numpy") :]
    assert code in (ROOT / "README.md").read_text()
