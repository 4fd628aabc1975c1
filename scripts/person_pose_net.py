"""The network of walkout's shipped person/pose model (PyTorch; training and export only).

A small fully convolutional net, one output scale (stride 16) fed by stride-16 and
upsampled stride-32 features, with a YOLOv8-pose style head decoded inside the graph,
so the ONNX export has exactly the YOLOv8-pose output layout: ``(B, 56, N)`` with, per
candidate, box centre x, y, width, height (input pixels), the person score (sigmoid),
and 17 COCO keypoints as x, y (input pixels), visibility (sigmoid).
"""

from __future__ import annotations

import torch
from torch import nn

STRIDE = 16
NUM_KEYPOINTS = 17
#: Box sizes are predicted as exp(raw) times this, input pixels.
BOX_PRIOR_PX = 64.0
#: Keypoint offsets from the cell centre are predicted in units of this many cells.
KEYPOINT_REACH = 4.0


def conv(cin: int, cout: int, stride: int = 1, k: int = 3) -> nn.Sequential:
    """Conv + BatchNorm + ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class PersonPoseNet(nn.Module):
    """Input ``(B, 3, H, W)`` RGB in 0..1 (H, W multiples of 32); output ``(B, 56, N)``
    decoded (``decode=True``) or the raw head ``(B, 56, H/16, W/16)``."""

    def __init__(self, width: tuple[int, int, int, int, int] = (16, 24, 40, 64, 96)) -> None:
        super().__init__()
        c1, c2, c3, c4, c5 = width
        self.stem = nn.Sequential(conv(3, c1, 2), conv(c1, c2, 2))  # /4
        self.s8 = nn.Sequential(conv(c2, c3, 2), conv(c3, c3))  # /8
        self.s16 = nn.Sequential(conv(c3, c4, 2), conv(c4, c4), conv(c4, c4))  # /16
        self.s32 = nn.Sequential(conv(c4, c5, 2), conv(c5, c5), conv(c5, c5))  # /32
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.fuse = nn.Sequential(conv(c4 + c5, c4, k=1), conv(c4, c4), conv(c4, c4))
        self.head = nn.Conv2d(c4, 5 + 3 * NUM_KEYPOINTS, 1)

    def forward(self, x: torch.Tensor, decode: bool = True) -> torch.Tensor:
        f16 = self.s16(self.s8(self.stem(x)))
        f32 = self.s32(f16)
        raw = self.head(self.fuse(torch.cat([f16, self.up(f32)], dim=1)))
        return decode_head(raw) if decode else raw


def grid(raw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cell-centre coordinates (in cells) of a head output, shaped ``(1, 1, H, W)``."""
    h, w = raw.shape[2], raw.shape[3]
    gy = torch.arange(h, dtype=raw.dtype, device=raw.device).view(1, 1, -1, 1) + 0.5
    gx = torch.arange(w, dtype=raw.dtype, device=raw.device).view(1, 1, 1, -1) + 0.5
    return gx, gy


def decode_head(raw: torch.Tensor) -> torch.Tensor:
    """Raw head ``(B, 56, H, W)`` to the YOLOv8-pose layout ``(B, 56, H*W)``."""
    gx, gy = grid(raw)
    cx = (gx + raw[:, 0:1]) * STRIDE
    cy = (gy + raw[:, 1:2]) * STRIDE
    wh = torch.exp(raw[:, 2:4].clamp(-5.0, 4.0)) * BOX_PRIOR_PX
    score = torch.sigmoid(raw[:, 4:5])
    k = raw[:, 5:].reshape(raw.shape[0], NUM_KEYPOINTS, 3, raw.shape[2], raw.shape[3])
    kx = (gx + KEYPOINT_REACH * k[:, :, 0]) * STRIDE
    ky = (gy + KEYPOINT_REACH * k[:, :, 1]) * STRIDE
    kv = torch.sigmoid(k[:, :, 2])
    kps = torch.stack([kx, ky, kv], dim=2).reshape(raw.shape[0], 3 * NUM_KEYPOINTS, -1)
    out = torch.cat([cx, cy, wh, score], dim=1).flatten(2)
    return torch.cat([out, kps], dim=1)
