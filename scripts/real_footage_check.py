"""Run a person model on real images / video and compare with OpenCV's HOG people
detector (a classical pretrained detector that ships inside opencv 4; opencv 5 dropped
it from the main modules, and then that column says n/a).

Real footage from registry packages (no downloads from anywhere else):

    apt-get download opencv-doc && dpkg-deb -x opencv-doc_*.deb /tmp/opencv-doc
    #   /tmp/opencv-doc/usr/share/doc/opencv-doc/examples/data/vtest.avi  (pedestrians)
    #   .../examples/data/basketball1.png, messi5.jpg
    pip download --no-deps scikit-image && unzip -j scikit_image-*.whl \\
        'skimage/data/astronaut.png' 'skimage/data/camera.png' -d /tmp/skimage-data

    python scripts/real_footage_check.py /tmp/opencv-doc/.../vtest.avi \\
        /tmp/skimage-data/astronaut.png /tmp/skimage-data/camera.png --out /tmp/check

Prints, per input, frames, detections per frame of the model and of HOG, and writes
annotated PNGs (model green, HOG blue) to ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from walkout.vision import PersonDetector, RuntimeOptions


def frames_of(path: Path, max_frames: int, every: int) -> list[np.ndarray]:
    """Frames of a video (every n-th, at most ``max_frames``) or the one image."""
    if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        return [] if img is None else [img]
    cap = cv2.VideoCapture(str(path))
    out, i = [], 0
    while len(out) < max_frames:
        ok, img = cap.read()
        if not ok:
            break
        if i % every == 0:
            out.append(img)
        i += 1
    cap.release()
    return out


def main() -> None:
    """Run both detectors over every input and print a table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("inputs", nargs="+", type=Path)
    ap.add_argument("--model", default=None)
    ap.add_argument("--conf", type=float, default=0.9)
    ap.add_argument("--max-frames", type=int, default=40)
    ap.add_argument("--every", type=int, default=20)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    det = PersonDetector(args.model, conf_threshold=args.conf, runtime=RuntimeOptions(device="cpu"))
    hog = None
    if hasattr(cv2, "HOGDescriptor"):  # gone from the main modules in OpenCV 5
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    print("| input | frames | model detections / frame | HOG detections / frame |")
    print("|---|---|---|---|")
    for path in args.inputs:
        frames = frames_of(path, args.max_frames, args.every)
        if not frames:
            print(f"| {path.name} | unreadable | | |")
            continue
        found = det.model.detect(frames)
        hog_counts = []
        for i, (img, d) in enumerate(zip(frames, found, strict=True)):
            rects = []
            if hog is not None:
                rects, _ = hog.detectMultiScale(img, winStride=(8, 8), padding=(8, 8), scale=1.05)
                hog_counts.append(len(rects))
            if args.out and i < 3:
                vis = img.copy()
                for x, y, w, h in rects:
                    cv2.rectangle(vis, (x, y), (x + w, y + h), (255, 0, 0), 2)
                for b in d.boxes.astype(int):
                    cv2.rectangle(vis, (b[0], b[1]), (b[2], b[3]), (0, 255, 0), 2)
                cv2.imwrite(str(args.out / f"{path.stem}-{i}.png"), vis)
        model_mean = np.mean([len(d) for d in found])
        hog_mean = f"{np.mean(hog_counts):.2f}" if hog_counts else "n/a (no HOG in this opencv)"
        print(f"| {path.name} | {len(frames)} | {model_mean:.2f} | {hog_mean} |")


if __name__ == "__main__":
    main()
