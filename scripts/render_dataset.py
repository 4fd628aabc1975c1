"""Training and validation frames for the shipped person/pose model, rendered from
simulator sessions (reproducible: fixed scenarios and seeds).

Each frame is rendered by :mod:`walkout.vision.synthetic` at the camera's resolution
and scaled as the detector's letterbox scales it for a 640-wide input (1920x1080 ->
640x360); labels are the drawn persons' boxes and keypoints in those pixels.

    python scripts/render_dataset.py --out /tmp/walkout-pose-data.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from walkout.sim import simulate
from walkout.vision.synthetic import SessionRenderer

TRAIN_SEEDS = range(1000, 1010)
VAL_SEEDS = range(0, 2)
SCENARIOS = ("single-picks", "two-shoppers-putback")
INPUT_WIDTH = 640


def render_frames(
    scenarios: tuple[str, ...], seeds: range, every: int, empty_share: float, rng_seed: int
) -> dict[str, np.ndarray]:
    """Frames of the given sessions, letterbox-scaled, with their labels."""
    rng = np.random.default_rng(rng_seed)
    images, boxes, kps, frame_of = [], [], [], []
    for scenario in scenarios:
        for seed in seeds:
            renderer = SessionRenderer(simulate(scenario, seed))
            for t, cid in renderer.frame_times(every):
                f = renderer.render(cid, t)
                if len(f.boxes) == 0 and rng.random() > empty_share:
                    continue
                scale = INPUT_WIDTH / f.image.shape[1]
                size = (INPUT_WIDTH, round(f.image.shape[0] * scale))
                images.append(cv2.resize(f.image, size, interpolation=cv2.INTER_AREA))
                k = f.keypoints.copy()
                k[..., :2] *= scale
                boxes.append(f.boxes * scale)
                kps.append(k)
                frame_of += [len(images) - 1] * len(f.boxes)
    return {
        "images": np.stack(images),
        "boxes": np.concatenate(boxes).astype(np.float32),
        "keypoints": np.concatenate(kps).astype(np.float32),
        "frame": np.asarray(frame_of, dtype=np.int64),
    }


def main() -> None:
    """Render the train and validation sets into one .npz file."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--every", type=int, default=2, help="keep every n-th camera frame")
    ap.add_argument("--empty-share", type=float, default=0.05)
    args = ap.parse_args()
    train = render_frames(SCENARIOS, TRAIN_SEEDS, args.every, args.empty_share, 0)
    val = render_frames(SCENARIOS, VAL_SEEDS, 4, 0.0, 1)
    np.savez(
        args.out,
        **{f"train_{k}": v for k, v in train.items()},
        **{f"val_{k}": v for k, v in val.items()},
    )
    print(f"{len(train['images'])} train frames, {len(val['images'])} val frames -> {args.out}")


if __name__ == "__main__":
    main()
