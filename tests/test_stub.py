"""`_core.pyi` describes the extension as built: same classes, functions and members."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from walkout import _core

STUB = Path(__file__).resolve().parents[1] / "python" / "walkout" / "_core.pyi"


def _declared() -> dict[str, set[str]]:
    tree = ast.parse(STUB.read_text())
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("__"):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            # Members written once on a private base of the stub (``_Record``) belong to
            # each class deriving from it; the base itself is no name of the extension.
            for base in node.bases:
                if isinstance(base, ast.Name):
                    members |= out.get(base.id, set())
            out[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            out[node.name] = set()
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            # Module constants (e.g. COCO_KEYPOINTS); dunders such as __version__ aside.
            if not node.target.id.startswith("_"):
                out[node.target.id] = set()
    return {name: members for name, members in out.items() if not name.startswith("_")}


def test_every_stub_name_exists_with_its_members():
    declared = _declared()
    assert len(declared) >= 12
    for name, members in declared.items():
        obj = getattr(_core, name)
        for m in members:
            assert hasattr(obj, m), f"_core.{name} has no member {m!r}"


def test_every_public_extension_name_is_in_the_stub():
    declared = _declared()
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert public <= set(declared), f"missing from _core.pyi: {public - set(declared)}"
    for name in declared:
        obj = getattr(_core, name)
        if isinstance(obj, type):
            runtime = {m for m in dir(obj) if not m.startswith("_")}
            assert runtime <= declared[name], f"{name}: not in stub: {runtime - declared[name]}"


@pytest.mark.slow
def test_stubtest_finds_the_stub_and_the_extension_alike(tmp_path):
    """mypy's stubtest: every signature (parameters, defaults, properties) of
    ``_core.pyi`` matches the built extension (``simulate(..., duration_s)`` was missing)."""
    import subprocess
    import sys

    import pytest

    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "walkout._core"],
        cwd=tmp_path,  # outside the source tree: the installed extension
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
