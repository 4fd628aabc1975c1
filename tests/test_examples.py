"""The examples in examples/ and the README run as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("from_root", [True, False], ids=["from-the-repo", "from-any-folder"])
def test_integrator_example_prints_the_milk_receipt(from_root: bool, tmp_path: Path) -> None:
    """Run as the README says (from the repository), and from another folder (the
    example finds the shipped store wherever it runs)."""
    script = "examples/integrator.py" if from_root else str(ROOT / "examples" / "integrator.py")
    out = subprocess.run(
        [sys.executable, script],
        cwd=ROOT if from_root else tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.splitlines()[0] == "acct-42 {'MILK-1L': 1} 179 False"


def test_readme_shows_the_integrator_example_verbatim():
    example = (ROOT / "examples" / "integrator.py").read_text()
    code = example[example.index("import numpy") :]
    assert code in (ROOT / "README.md").read_text()
