"""Undistortion maps per camera, from the store config's intrinsics and distortion.

**The engine takes detections in DISTORTED pixel coordinates** (the pixels of the image
as the camera delivers it) and undistorts them itself with the same calibration. So the
detector runs on the raw frames and its boxes go to the engine unchanged; these maps are
for display, or for another model that needs a rectified image. A point found in an
undistorted image goes back with :func:`distort_points` before it is given to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from walkout.config import Camera


def camera_matrices(cam: Camera) -> tuple[np.ndarray, np.ndarray]:
    """``K`` (3x3) and the OpenCV distortion vector ``(k1, k2, p1, p2, k3)``."""
    return (
        np.asarray(cam.intrinsics, dtype=np.float64),
        np.asarray(cam.distortion, dtype=np.float64),
    )


@dataclass
class UndistortMap:
    """Remap tables of one camera; ``new_k`` is the intrinsics of the rectified image."""

    camera_id: int
    map_x: np.ndarray
    map_y: np.ndarray
    new_k: np.ndarray

    def apply(self, image: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
        """The undistorted image (same size as the camera's)."""
        return cv2.remap(image, self.map_x, self.map_y, interpolation)


def undistort_map(cam: Camera, alpha: float = 0.0) -> UndistortMap:
    """Maps from ``cv2.initUndistortRectifyMap``; ``alpha`` 0 crops to valid pixels,
    1 keeps every source pixel (see ``cv2.getOptimalNewCameraMatrix``)."""
    k, dist = camera_matrices(cam)
    size = (cam.width, cam.height)
    new_k, _ = cv2.getOptimalNewCameraMatrix(k, dist, size, alpha, size)
    map_x, map_y = cv2.initUndistortRectifyMap(k, dist, None, new_k, size, cv2.CV_32FC1)
    return UndistortMap(cam.id, map_x, map_y, new_k)


def undistort_maps(cameras: list[Camera], alpha: float = 0.0) -> dict[int, UndistortMap]:
    """One :class:`UndistortMap` per camera id."""
    return {c.id: undistort_map(c, alpha) for c in cameras}


def undistort_points(
    cam: Camera, points: np.ndarray, new_k: np.ndarray | None = None
) -> np.ndarray:
    """Distorted pixels ``(N, 2)`` to undistorted pixels (under ``new_k``, default K)."""
    k, dist = camera_matrices(cam)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
    out = cv2.undistortPoints(pts, k, dist, P=new_k if new_k is not None else k)
    return out.reshape(-1, 2)


def distort_points(cam: Camera, points: np.ndarray, new_k: np.ndarray | None = None) -> np.ndarray:
    """Undistorted pixels ``(N, 2)`` (under ``new_k``, default K) back to the distorted
    pixels the engine expects."""
    k, dist = camera_matrices(cam)
    kk = new_k if new_k is not None else k
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    norm = np.stack([(pts[:, 0] - kk[0, 2]) / kk[0, 0], (pts[:, 1] - kk[1, 2]) / kk[1, 1]], 1)
    obj = np.concatenate([norm, np.ones((len(norm), 1))], axis=1)
    px, _ = cv2.projectPoints(obj.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), k, dist)
    return px.reshape(-1, 2)
