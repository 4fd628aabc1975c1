"""Where the shipped models are, and how an integrator points walkout at their own.

Resolution order for the person/pose model: an explicit path, then the environment
variable ``WALKOUT_PERSON_MODEL``, then the model shipped inside the package
(``walkout/vision/models/``; the repository's ``models/`` links to it). Nothing is ever
downloaded.
"""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path

ENV_PERSON_MODEL = "WALKOUT_PERSON_MODEL"
PERSON_POSE_MODEL = "walkout-person-pose-render.onnx"


def models_dir() -> Path:
    """The folder of the models shipped in the package."""
    return Path(__file__).resolve().parent / "models"


def person_model_path(path: str | PathLike[str] | None = None) -> Path:
    """The person/pose model to use (see the module docstring)."""
    candidate = path or os.environ.get(ENV_PERSON_MODEL) or models_dir() / PERSON_POSE_MODEL
    resolved = Path(candidate)
    if not resolved.is_file():
        raise FileNotFoundError(
            f"no person model at {resolved}; pass a YOLO-format ONNX export "
            f"(--model / model=) or set {ENV_PERSON_MODEL}"
        )
    return resolved
