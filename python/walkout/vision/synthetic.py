"""Camera frames rendered from a session's data: the video a simulated store would give.

Depends only on session data: the store config (camera calibration, gondolas) for a
static background, and, per frame, the 2D person boxes and COCO keypoints of the
session's ``person_detections`` (what the simulator says each camera sees, occlusion
included). Each person is drawn as a clothed stick figure from the keypoints it shows
(torso, limbs, head, shoes); colours follow the shopper (matched to the truth boxes
when the session has them), so a person keeps their clothes from frame to frame.
Detections without confident keypoints (the simulator's false positives) are not drawn.

These renders are what the shipped person/pose model was trained on; they are not
photographs (see docs/vision.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from walkout.config import Camera, StoreConfig
from walkout.session import Session
from walkout.vision.columns import person_boxes_truth, person_detections

#: Keypoints at or above this confidence are drawn (the simulator gives >= 0.3 to seen ones).
MIN_DRAW_CONF = 0.3
#: A detection needs this many drawable keypoints to be drawn as a person.
MIN_DRAWN_KEYPOINTS = 4

ARMS = ((5, 7), (7, 9), (6, 8), (8, 10))
LEGS = ((11, 13), (13, 15), (12, 14), (14, 16))
TORSO = (5, 6, 12, 11)
HEAD = (0, 1, 2, 3, 4)
FLOOR_BGR = (168, 178, 186)
TILE_BGR = (150, 160, 168)
SKIN_BGR = ((140, 170, 225), (95, 130, 180), (60, 90, 130), (170, 195, 235))
SHIRTS_BGR = (
    (40, 40, 200),
    (200, 80, 30),
    (40, 150, 40),
    (30, 180, 220),
    (140, 40, 140),
    (60, 60, 60),
    (220, 220, 220),
    (160, 120, 40),
)
TROUSERS_BGR = ((90, 50, 20), (40, 40, 40), (120, 120, 120), (50, 80, 130))


@dataclass
class RenderedFrame:
    """One rendered camera frame and the persons drawn in it (the rendered truth)."""

    camera_id: int
    t_us: int
    image: np.ndarray
    boxes: np.ndarray
    keypoints: np.ndarray


def _camera_pose(cam: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rvec, _ = cv2.Rodrigues(np.asarray(cam.rotation, dtype=np.float64))
    return (
        rvec,
        np.asarray(cam.translation, dtype=np.float64),
        np.asarray(cam.intrinsics, dtype=np.float64),
        np.asarray(cam.distortion, dtype=np.float64),
    )


def _project(cam: Camera, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of store-frame points and whether each is safely imaged (in front of the
    camera, inside the distortion model's valid radius)."""
    rvec, tvec, k, dist = _camera_pose(cam)
    r = np.asarray(cam.rotation, dtype=np.float64)
    q = pts @ r.T + tvec
    z = q[:, 2]
    ok = z > 0.2
    lim = ((cam.width / k[0, 0]) ** 2 + (cam.height / k[1, 1]) ** 2) * 0.5
    ok &= (q[:, 0] ** 2 + q[:, 1] ** 2) <= lim * np.maximum(z, 1e-9) ** 2
    px, _ = cv2.projectPoints(pts.reshape(-1, 1, 3), rvec, tvec, k, dist)
    return px.reshape(-1, 2), ok


def render_background(config: StoreConfig, cam: Camera) -> np.ndarray:
    """The empty store seen by ``cam``: floor with 1 m tiles and the gondolas."""
    img = np.empty((cam.height, cam.width, 3), np.uint8)
    img[:] = FLOOR_BGR
    fx, fy = config.floor[0], config.floor[1]
    steps = np.linspace(0.0, 1.0, 60)
    lines = [((x, 0.0), (x, fy)) for x in np.arange(0.0, fx + 1e-9, 1.0)]
    lines += [((0.0, y), (fx, y)) for y in np.arange(0.0, fy + 1e-9, 1.0)]
    for (x0, y0), (x1, y1) in lines:
        pts = np.stack([x0 + (x1 - x0) * steps, y0 + (y1 - y0) * steps, np.zeros(60)], 1)
        px, ok = _project(cam, pts)
        for run in _runs(ok):
            cv2.polylines(img, [px[run].round().astype(np.int32)], False, TILE_BGR, 2)
    faces = []
    for g in config.gondolas:
        plates = [p for s in g.shelves for p in s.plates]
        lo = np.min([p.min for p in plates], axis=0)
        hi = np.max([p.max for p in plates], axis=0)
        faces += _box_faces(cam, np.array([lo[0], lo[1], 0.0]), np.array([hi[0], hi[1], hi[2]]))
    for _, poly, colour in sorted(faces, key=lambda f: -f[0]):
        cv2.fillConvexPoly(img, poly, colour, lineType=cv2.LINE_AA)
        cv2.polylines(img, [poly], True, (70, 70, 70), 1, lineType=cv2.LINE_AA)
    return img


def _runs(ok: np.ndarray) -> list[np.ndarray]:
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return []
    return [r for r in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if r.size >= 2]


def _box_faces(
    cam: Camera, lo: np.ndarray, hi: np.ndarray
) -> list[tuple[float, np.ndarray, tuple[int, int, int]]]:
    """Camera-facing faces of an axis-aligned box: (depth, pixel polygon, colour)."""
    corners = np.array(
        [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
    )
    quads = {  # corner indices (x, y, z bits) and outward normal
        (0, 1, 3, 2): (-1, 0, 0),
        (4, 5, 7, 6): (1, 0, 0),
        (0, 1, 5, 4): (0, -1, 0),
        (2, 3, 7, 6): (0, 1, 0),
        (1, 3, 7, 5): (0, 0, 1),
    }
    r = np.asarray(cam.rotation, dtype=np.float64)
    centre = -r.T @ np.asarray(cam.translation, dtype=np.float64)
    px, ok = _project(cam, corners)
    out = []
    for quad, normal in quads.items():
        q = list(quad)
        mid = corners[q].mean(axis=0)
        if np.dot(centre - mid, normal) <= 0 or not ok[q].all():
            continue
        shade = 150 if normal[2] else 110 + 20 * abs(normal[0])
        colour = (int(shade), int(shade * 0.95), int(shade * 0.9))
        out.append((float(np.linalg.norm(centre - mid)), px[q].round().astype(np.int32), colour))
    return out


def _palette(person: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    return (
        SHIRTS_BGR[person % len(SHIRTS_BGR)],
        TROUSERS_BGR[(person * 3 + 1) % len(TROUSERS_BGR)],
        SKIN_BGR[(person * 5 + 2) % len(SKIN_BGR)],
    )


def draw_person(img: np.ndarray, box: np.ndarray, kps: np.ndarray, person: int) -> None:
    """Draw one person (a clothed stick figure) from its box and COCO keypoints."""
    shirt, trousers, skin = _palette(person)
    h = max(float(box[3] - box[1]), 8.0)
    seen = kps[:, 2] >= MIN_DRAW_CONF
    pt = kps[:, :2].round().astype(np.int32)
    limb = max(2, int(round(0.05 * h)))
    torso = [k for k in TORSO if seen[k]]
    if len(torso) >= 3:
        cv2.fillPoly(img, [pt[torso]], shirt, lineType=cv2.LINE_AA)
    for a, b in zip(torso, torso[1:], strict=False):
        cv2.line(img, tuple(pt[a]), tuple(pt[b]), shirt, limb, cv2.LINE_AA)
    for (a, b), colour in [(e, shirt) for e in ARMS] + [(e, trousers) for e in LEGS]:
        if seen[a] and seen[b]:
            width = limb if colour is shirt else int(limb * 1.4)
            cv2.line(img, tuple(pt[a]), tuple(pt[b]), colour, width, cv2.LINE_AA)
    for k in (9, 10):  # hands
        if seen[k]:
            cv2.circle(img, tuple(pt[k]), max(2, limb // 2 + 1), skin, -1, cv2.LINE_AA)
    for k in (15, 16):  # shoes
        if seen[k]:
            cv2.circle(img, tuple(pt[k]), max(2, int(limb * 0.8)), (30, 30, 30), -1, cv2.LINE_AA)
    head = [k for k in HEAD if seen[k]]
    if head:
        c = kps[head, :2].mean(axis=0)
        r = max(3, int(round(0.065 * h)))
        cv2.circle(img, (int(round(c[0])), int(round(c[1]))), r, skin, -1, cv2.LINE_AA)
        cv2.circle(img, (int(round(c[0])), int(round(c[1] - 0.4 * r))), r, (40, 40, 60), -1)
        cv2.circle(img, (int(round(c[0])), int(round(c[1] + 0.3 * r))), int(r * 0.8), skin, -1)


class SessionRenderer:
    """Renders the frames of a session's cameras (see the module docstring)."""

    def __init__(self, session: Session, cameras: Sequence[int] | None = None) -> None:
        self.session = session
        cams = {c.id: c for c in session.config.cameras}
        self.cameras = {i: cams[i] for i in (cameras if cameras is not None else sorted(cams))}
        self._backgrounds: dict[int, np.ndarray] = {}
        det = person_detections(session)
        drawable = (det["keypoints"][:, :, 2] >= MIN_DRAW_CONF).sum(axis=1) >= MIN_DRAWN_KEYPOINTS
        self._det = {k: v[drawable] for k, v in det.items()}
        self._truth = person_boxes_truth(session)
        self._det_index = _FrameIndex(self._det["camera_id"], self._det["t_us"])
        self._truth_index = (
            None
            if self._truth is None
            else _FrameIndex(self._truth["camera_id"], self._truth["t_us"])
        )

    def background(self, camera_id: int) -> np.ndarray:
        """The static background of one camera (cached)."""
        if camera_id not in self._backgrounds:
            cam = self.cameras[camera_id]
            self._backgrounds[camera_id] = render_background(self.session.config, cam)
        return self._backgrounds[camera_id]

    def frame_times(self, every: int = 1) -> list[tuple[int, int]]:
        """``(t_us, camera_id)`` of the frames with someone in view, in time order.

        ``every`` keeps every n-th frame of each camera's frame clock (``fps / every``)."""
        out: list[tuple[int, int]] = []
        for cid, cam in self.cameras.items():
            ts = [self._det_index.times(cid)]
            if self._truth_index is not None:
                ts.append(self._truth_index.times(cid))
            t = np.unique(np.concatenate(ts))
            if t.size == 0:
                continue
            k = np.round((t - t[0]) * cam.fps / 1e6).astype(np.int64)
            t = t[k % max(1, every) == 0]
            out += [(int(x), cid) for x in t]
        return sorted(out)

    def render(self, camera_id: int, t_us: int) -> RenderedFrame:
        """Frame ``t_us`` of camera ``camera_id`` with the persons the session shows."""
        img = self.background(camera_id).copy()
        rows = self._det_index.rows(camera_id, t_us)
        boxes = self._det["bbox"][rows]
        kps = self._det["keypoints"][rows]
        persons = self._persons(camera_id, t_us, boxes)
        for i in np.argsort(boxes[:, 3], kind="stable"):  # far (higher up) first
            draw_person(img, boxes[i], kps[i], int(persons[i]))
        return RenderedFrame(camera_id, t_us, img, boxes.copy(), kps.copy())

    def frames(self, every: int = 1) -> Iterator[RenderedFrame]:
        """All frames of :meth:`frame_times`, rendered, in time order."""
        for t, cid in self.frame_times(every):
            yield self.render(cid, t)

    def _persons(self, camera_id: int, t_us: int, boxes: np.ndarray) -> np.ndarray:
        from walkout.vision.decoding import box_iou

        fallback = np.arange(len(boxes)) + 1000
        if self._truth_index is None or self._truth is None or len(boxes) == 0:
            return fallback
        rows = self._truth_index.rows(camera_id, t_us)
        if rows.size == 0:
            return fallback
        iou = box_iou(boxes, self._truth["bbox"][rows])
        best = iou.argmax(axis=1)
        return np.where(
            iou.max(axis=1) > 0.3, self._truth["shopper"][rows][best].astype(np.int64), fallback
        )


class _FrameIndex:
    """Rows of a (camera_id, t_us) table grouped per frame, found by binary search."""

    def __init__(self, camera_id: np.ndarray, t_us: np.ndarray) -> None:
        self.order = np.lexsort((t_us, camera_id))
        self.cam = np.asarray(camera_id)[self.order].astype(np.int64)
        self.t = np.asarray(t_us)[self.order].astype(np.int64)

    def rows(self, camera_id: int, t_us: int) -> np.ndarray:
        lo = np.searchsorted(self.cam, camera_id, "left")
        hi = np.searchsorted(self.cam, camera_id, "right")
        a = lo + np.searchsorted(self.t[lo:hi], t_us, "left")
        b = lo + np.searchsorted(self.t[lo:hi], t_us, "right")
        return self.order[a:b]

    def times(self, camera_id: int) -> np.ndarray:
        lo = np.searchsorted(self.cam, camera_id, "left")
        hi = np.searchsorted(self.cam, camera_id, "right")
        return self.t[lo:hi]
