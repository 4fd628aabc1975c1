"""Train walkout's shipped person/pose model on rendered frames and export it to ONNX.

CPU training, reproducible (fixed seeds), in three runs (about 25 + 8 + 8 minutes on 2
shared cores): from scratch; then on with empty-store frames mixed in as negatives;
then with more negatives and a share of square 640x640 batches:

    python scripts/render_dataset.py --out /tmp/walkout-pose-data.npz
    python scripts/train_person_pose.py --data /tmp/walkout-pose-data.npz \\
        --out /tmp/stage1/walkout-person-pose-render.onnx
    python scripts/train_person_pose.py --data /tmp/walkout-pose-data.npz \\
        --init /tmp/stage1/walkout-person-pose-render.pt --steps 500 --lr 1e-3 \\
        --background-share 0.25 --out /tmp/stage2/walkout-person-pose-render.onnx
    python scripts/train_person_pose.py --data /tmp/walkout-pose-data.npz \\
        --init /tmp/stage2/walkout-person-pose-render.pt --steps 500 --lr 1e-3 \\
        --background-share 0.4 --square-share 0.3 \\
        --out python/walkout/vision/models/walkout-person-pose-render.onnx

Needs torch and onnx (``pip install torch onnx``), not needed at run time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from person_pose_net import BOX_PRIOR_PX, KEYPOINT_REACH, NUM_KEYPOINTS, STRIDE, PersonPoseNet

#: COCO left/right keypoint pairs, swapped by a horizontal flip.
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
TRAIN_SIZE = (384, 640)  # h, w: a 16:9 frame letterboxed to width 640, plus margin
SQUARE_SIZE = (640, 640)  # the common fixed export size: a 16:9 frame with wide bands


def augment(
    img: np.ndarray,
    boxes: np.ndarray,
    kps: np.ndarray,
    rng: np.random.Generator,
    size: tuple[int, int] = TRAIN_SIZE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random scale and placement, horizontal flip, colour and noise; returns an RGB
    image of ``size`` and the labels moved with it."""
    boxes, kps = boxes.copy(), kps.copy()
    s = rng.uniform(0.8, 1.25)
    h, w = img.shape[:2]
    img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_LINEAR)
    out_h, out_w = size
    canvas = np.full((out_h, out_w, 3), 114, np.uint8)
    dx = int(rng.integers(min(0, out_w - img.shape[1]), max(0, out_w - img.shape[1]) + 1))
    dy = int(rng.integers(min(0, out_h - img.shape[0]), max(0, out_h - img.shape[0]) + 1))
    src = img[max(0, -dy) : max(0, -dy) + out_h, max(0, -dx) : max(0, -dx) + out_w]
    canvas[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    boxes = boxes * s + np.array([dx, dy, dx, dy], np.float32)
    kps[..., 0] = kps[..., 0] * s + dx
    kps[..., 1] = kps[..., 1] * s + dy
    if rng.random() < 0.5:
        canvas = canvas[:, ::-1]
        boxes = np.stack([out_w - boxes[:, 2], boxes[:, 1], out_w - boxes[:, 0], boxes[:, 3]], 1)
        kps = kps[:, FLIP]
        kps[..., 0] = out_w - kps[..., 0]
    # Clip to the canvas; drop boxes mostly cut off.
    clipped = np.clip(boxes, 0, [out_w, out_h, out_w, out_h])
    area = lambda b: np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)  # noqa: E731
    keep = area(clipped) > 0.4 * np.maximum(area(boxes), 1e-6)
    boxes, kps = clipped[keep], kps[keep]
    outside = (
        (kps[..., 0] < 0) | (kps[..., 1] < 0) | (kps[..., 0] >= out_w) | (kps[..., 1] >= out_h)
    )
    kps[outside, 2] = 0.0
    f = canvas[:, :, ::-1].astype(np.float32)  # BGR -> RGB
    f = f * rng.uniform(0.7, 1.3, 3).astype(np.float32) + np.float32(rng.uniform(-30, 30))
    if rng.random() < 0.5:
        f += rng.standard_normal(f.shape, dtype=np.float32) * rng.uniform(0, 8)
    return np.clip(f, 0, 255).astype(np.uint8), boxes, kps


def assign(
    boxes: np.ndarray, kps: np.ndarray, grid_h: int, grid_w: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positive cells of one image: each box claims its centre cell and the cells whose
    centres are inside the box within one cell of its centre (nearest box wins).
    Returns cell rows, cols, box targets ``(P, 4)`` and keypoint targets ``(P, 17, 3)``."""
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for j, b in enumerate(boxes):
        cx, cy = (b[0] + b[2]) / 2 / STRIDE, (b[1] + b[3]) / 2 / STRIDE
        ci, cj = int(cx), int(cy)
        for gy in range(cj - 1, cj + 2):
            for gx in range(ci - 1, ci + 2):
                if not (0 <= gx < grid_w and 0 <= gy < grid_h):
                    continue
                px, py = (gx + 0.5) * STRIDE, (gy + 0.5) * STRIDE
                d = max(abs(gx + 0.5 - cx), abs(gy + 0.5 - cy))
                centre = gx == ci and gy == cj
                inside = b[0] <= px <= b[2] and b[1] <= py <= b[3]
                if centre or (inside and d < 1.0):
                    if (gy, gx) not in best or d < best[(gy, gx)][0]:
                        best[(gy, gx)] = (d, j)
    cells = sorted(best)
    rows = np.array([c[0] for c in cells], np.int64)
    cols = np.array([c[1] for c in cells], np.int64)
    owner = np.array([best[c][1] for c in cells], np.int64)
    return rows, cols, boxes[owner], kps[owner]


def losses(raw: torch.Tensor, targets: list[tuple]) -> dict[str, torch.Tensor]:
    """Objectness, box and keypoint losses of a raw head batch ``(B, 56, H, W)``."""
    b_idx, r_idx, c_idx, tb, tk = [], [], [], [], []
    for i, (rows, cols, boxes, kps) in enumerate(targets):
        b_idx.append(np.full(len(rows), i))
        r_idx.append(rows)
        c_idx.append(cols)
        tb.append(boxes)
        tk.append(kps)
    b_idx, r_idx, c_idx = (torch.from_numpy(np.concatenate(a)) for a in (b_idx, r_idx, c_idx))
    tb = torch.from_numpy(np.concatenate(tb)).float()
    tk = torch.from_numpy(np.concatenate(tk)).float()
    obj_t = torch.zeros_like(raw[:, 4])
    obj_t[b_idx, r_idx, c_idx] = 1.0
    bce = F.binary_cross_entropy_with_logits(raw[:, 4], obj_t, reduction="none")
    pos = obj_t > 0
    loss_obj = bce[~pos].mean() + (bce[pos].mean() if pos.any() else 0.0)
    if len(b_idx) == 0:
        zero = raw.sum() * 0.0
        return {"obj": loss_obj, "box": zero, "kpt": zero, "vis": zero}
    p = raw[b_idx, :, r_idx, c_idx]  # (P, 56)
    gx, gy = c_idx.float() + 0.5, r_idx.float() + 0.5
    w = (tb[:, 2] - tb[:, 0]).clamp(min=2.0)
    h = (tb[:, 3] - tb[:, 1]).clamp(min=2.0)
    t_box = torch.stack(
        [
            (tb[:, 0] + tb[:, 2]) / 2 / STRIDE - gx,
            (tb[:, 1] + tb[:, 3]) / 2 / STRIDE - gy,
            torch.log(w / BOX_PRIOR_PX),
            torch.log(h / BOX_PRIOR_PX),
        ],
        1,
    )
    loss_box = F.smooth_l1_loss(p[:, :4], t_box, beta=0.1)
    k = p[:, 5:].reshape(-1, NUM_KEYPOINTS, 3)
    kx = (gx[:, None] + KEYPOINT_REACH * k[:, :, 0]) * STRIDE
    ky = (gy[:, None] + KEYPOINT_REACH * k[:, :, 1]) * STRIDE
    vis = (tk[:, :, 2] > 0).float()
    scale = torch.maximum(h, w)[:, None].clamp(min=16.0)
    err = ((kx - tk[:, :, 0]).abs() + (ky - tk[:, :, 1]).abs()) / scale
    loss_kpt = (err * vis).sum() / vis.sum().clamp(min=1.0)
    loss_vis = F.binary_cross_entropy_with_logits(k[:, :, 2], vis)
    return {"obj": loss_obj, "box": loss_box, "kpt": loss_kpt, "vis": loss_vis}


def store_backgrounds() -> list[np.ndarray]:
    """The empty store as each camera of the shipped store sees it, letterbox-scaled:
    negatives, so that no gondola edge is learned as a person."""
    from walkout.sim import default_store
    from walkout.vision.synthetic import render_background

    cfg = default_store()
    out = []
    for cam in cfg.cameras:
        img = render_background(cfg, cam)
        size = (TRAIN_SIZE[1], round(img.shape[0] * TRAIN_SIZE[1] / img.shape[1]))
        out.append(cv2.resize(img, size, interpolation=cv2.INTER_AREA))
    return out


def batches(  # noqa: ANN201
    data: dict[str, np.ndarray],
    batch: int,
    rng: np.random.Generator,
    backgrounds: list[np.ndarray],
    background_share: float,
    square_share: float = 0.0,
):
    """Endless augmented batches: ``(images (B,3,H,W) float, targets)``; a share of the
    images are empty store backgrounds, a share of the batches square (640x640)."""
    images, boxes, kps, frame = data["images"], data["boxes"], data["keypoints"], data["frame"]
    starts = np.searchsorted(frame, np.arange(len(images)), "left")
    ends = np.searchsorted(frame, np.arange(len(images)), "right")
    while True:
        size = SQUARE_SIZE if rng.random() < square_share else TRAIN_SIZE
        grid_h, grid_w = size[0] // STRIDE, size[1] // STRIDE
        idx = rng.integers(0, len(images), batch)
        x = np.empty((batch, 3, *size), np.float32)
        targets = []
        for i, j in enumerate(idx):
            if backgrounds and rng.random() < background_share:
                bg = backgrounds[int(rng.integers(len(backgrounds)))]
                no_box, no_kps = np.zeros((0, 4), np.float32), np.zeros((0, 17, 3), np.float32)
                img, b, k = augment(bg, no_box, no_kps, rng, size)
            else:
                sl = slice(starts[j], ends[j])
                img, b, k = augment(images[j], boxes[sl], kps[sl], rng, size)
            x[i] = img.transpose(2, 0, 1) / 255.0
            targets.append(assign(b, k, grid_h, grid_w))
        yield torch.from_numpy(x), targets


def train(
    data: dict[str, np.ndarray],
    steps: int,
    batch: int,
    lr: float,
    init: Path | None = None,
    background_share: float = 0.0,
    square_share: float = 0.0,
) -> PersonPoseNet:
    """Train (from scratch, or on from ``init``) with AdamW and a one-cycle schedule."""
    torch.manual_seed(0)
    model = PersonPoseNet()
    if init is not None:
        model.load_state_dict(torch.load(init))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps, pct_start=0.05)
    backgrounds = store_backgrounds() if background_share > 0 else []
    gen = batches(
        data, batch, np.random.default_rng(0), backgrounds, background_share, square_share
    )
    t0 = time.time()
    model.train()
    for step in range(steps):
        x, targets = next(gen)
        parts = losses(model(x, decode=False), targets)
        loss = parts["obj"] + 5.0 * parts["box"] + 4.0 * parts["kpt"] + 0.5 * parts["vis"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == steps - 1:
            detail = " ".join(f"{k}={float(v):.3f}" for k, v in parts.items())  # noqa: B007
            print(f"step {step:5d} loss={float(loss):.3f} {detail} ({time.time() - t0:.0f}s)")
    return model.eval()


def export(model: PersonPoseNet, out: Path) -> None:
    """ONNX with dynamic batch and image size, and ultralytics-style metadata."""
    import onnx

    out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 3, 640, 640)
    torch.onnx.export(
        model,
        (dummy,),
        str(out),
        input_names=["images"],
        output_names=["output0"],
        dynamic_axes={
            "images": {0: "batch", 2: "height", 3: "width"},
            "output0": {0: "batch", 2: "anchors"},
        },
        opset_version=17,
        dynamo=False,
    )
    m = onnx.load(str(out))
    meta = {
        "description": "walkout person/pose model trained on walkout's rendered frames only",
        "author": "walkout",
        "license": "Apache-2.0",
        "task": "pose",
        "stride": str(STRIDE),
        "imgsz": f"[{TRAIN_SIZE[0]}, {TRAIN_SIZE[1]}]",
        "names": "{0: 'person'}",
        "kpt_shape": f"[{NUM_KEYPOINTS}, 3]",
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    onnx.save(m, str(out))


def main() -> None:
    """Train, then export."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", type=Path, default=None, help="state dict (.pt) to start from")
    ap.add_argument("--background-share", type=float, default=0.0)
    ap.add_argument("--square-share", type=float, default=0.0, help="share of 640x640 batches")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    npz = np.load(args.data)
    data = {k[len("train_") :]: npz[k] for k in npz.files if k.startswith("train_")}
    model = train(
        data,
        args.steps,
        args.batch,
        args.lr,
        args.init,
        args.background_share,
        args.square_share,
    )
    torch.save(model.state_dict(), args.out.with_suffix(".pt"))
    export(model, args.out)
    print(f"exported {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
