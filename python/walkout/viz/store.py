"""The store in 3D: floor, gondolas, plates, gates, cameras, thermal and RFID zones.

Fixtures are logged once, as static data. A plate's colour and label are temporal: they
follow the engine's inventory (:class:`InventoryLayer`), so scrubbing the timeline shows
the shelves emptying. Static data would shadow every later update, which is why the
colours are never static.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import rerun as rr

from walkout.config import StoreConfig
from walkout.viz import paths, style

_GATE_SEGMENTS = 48
_FRUSTUM_DEPTH_M = 0.5
_GONDOLA_MARGIN_M = 0.02


def log_store(rec: rr.RecordingStream, config: StoreConfig) -> None:
    """Log the static store: z-up world, floor, fixtures and sensor poses."""
    rec.log("/", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True)
    fx, fy = config.floor
    rec.log(
        paths.FLOOR,
        rr.Boxes3D(
            centers=[(fx / 2, fy / 2, -0.01)],
            half_sizes=[(fx / 2, fy / 2, 0.01)],
            colors=[style.FLOOR],
            fill_mode="solid",
        ),
        static=True,
    )
    _log_gondolas(rec, config)
    _log_plate_boxes(rec, config)
    _log_gates(rec, config)
    _log_cameras(rec, config)
    _log_thermal(rec, config)
    _log_rfid(rec, config)


def _log_gondolas(rec: rr.RecordingStream, config: StoreConfig) -> None:
    for gondola in config.gondolas:
        plates = [p for shelf in gondola.shelves for p in shelf.plates]
        if not plates:
            continue
        lo = np.min([p.min for p in plates], axis=0) - _GONDOLA_MARGIN_M
        hi = np.max([p.max for p in plates], axis=0) + _GONDOLA_MARGIN_M
        lo[2] = 0.0
        rec.log(
            paths.gondola(gondola.id),
            rr.Boxes3D(
                mins=[lo],
                sizes=[hi - lo],
                colors=[style.GONDOLA],
                labels=[gondola.name or f"gondola {gondola.id}"],
                show_labels=True,
            ),
            static=True,
        )


def _log_plate_boxes(rec: rr.RecordingStream, config: StoreConfig) -> None:
    # Geometry only; colours and labels come from the InventoryLayer, on the timeline.
    for _, _, plate in config.plates():
        lo, hi = np.asarray(plate.min), np.asarray(plate.max)
        rec.log(
            paths.plate(plate.id),
            rr.Boxes3D.from_fields(
                centers=[(lo + hi) / 2],
                half_sizes=[(hi - lo) / 2 * 0.96],  # a hairline gap between neighbours
                fill_mode="solid",
                show_labels=False,
            ),
            static=True,
        )


def _circle(cx: float, cy: float, r: float) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, _GATE_SEGMENTS + 1)
    return np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a), np.full_like(a, 0.01)])


def _log_gates(rec: rr.RecordingStream, config: StoreConfig) -> None:
    for gate in config.gates:
        color = style.ENTRY_GATE if gate.kind == "entry" else style.EXIT_GATE
        x, y = gate.position
        rec.log(
            paths.gate(gate.id),
            rr.Boxes3D(
                centers=[(x, y, 1.0)],
                half_sizes=[(0.4, 0.05, 1.0)],
                colors=[color],
                labels=[f"{gate.kind} gate {gate.id}"],
                show_labels=True,
            ),
            rr.LineStrips3D([_circle(x, y, gate.radius_m)], colors=[color], radii=[0.01]),
            static=True,
        )


def _log_cameras(rec: rr.RecordingStream, config: StoreConfig) -> None:
    for cam in config.cameras:
        # The config holds world -> camera (x_cam = R x_world + t); rerun wants the
        # camera's pose in its parent: x_world = R^T x_cam - R^T t.
        r = np.asarray(cam.rotation, dtype=np.float64)
        t = np.asarray(cam.translation, dtype=np.float64)
        rec.log(
            paths.camera(cam.id),
            rr.Transform3D(translation=-r.T @ t, mat3x3=r.T),
            rr.Pinhole(
                image_from_camera=np.asarray(cam.intrinsics, dtype=np.float64),
                resolution=[cam.width, cam.height],
                camera_xyz=rr.ViewCoordinates.RDF,  # OpenCV axes, as in the config
                image_plane_distance=_FRUSTUM_DEPTH_M,
                color=style.CAMERA,
            ),
            static=True,
        )


def _log_thermal(rec: rr.RecordingStream, config: StoreConfig) -> None:
    for cam in config.thermal_cameras:
        h = np.asarray(cam.homography, dtype=np.float64)
        corners = np.array(
            [[0, 0, 1], [cam.width, 0, 1], [cam.width, cam.height, 1], [0, cam.height, 1]],
            dtype=np.float64,
        )
        floor = (h @ corners.T).T
        xy = floor[:, :2] / floor[:, 2:3]
        ring = np.vstack([xy, xy[:1]])
        strip = np.column_stack([ring, np.full(len(ring), 0.02)])
        rec.log(
            paths.thermal(cam.id),
            rr.LineStrips3D(
                [strip],
                colors=[style.THERMAL],
                radii=[0.01],
                labels=[f"thermal {cam.id}"],
                show_labels=False,
            ),
            static=True,
        )


def _log_rfid(rec: rr.RecordingStream, config: StoreConfig) -> None:
    for reader in config.rfid_readers:
        for ant in reader.antennas:
            lo, hi = np.asarray(ant.min), np.asarray(ant.max)
            rec.log(
                paths.antenna(reader.id, ant.id),
                rr.Boxes3D(
                    mins=[lo],
                    sizes=[hi - lo],
                    colors=[(*style.RFID, 120)],
                    labels=[f"rfid {reader.id}/{ant.id} ({ant.kind})"],
                    show_labels=False,
                ),
                static=True,
            )


class InventoryLayer:
    """Plate colours and labels that follow the engine's inventory.

    :meth:`initial` paints every plate from the planogram; :meth:`update` repaints only
    the plates whose counts changed since the last call.
    """

    def __init__(self, rec: rr.RecordingStream, config: StoreConfig) -> None:
        self._rec = rec
        self._stock: dict[int, dict[str, int]] = {}
        for entry in config.planogram:
            plate = self._stock.setdefault(entry.plate, {})
            plate[entry.sku] = plate.get(entry.sku, 0) + entry.count
        self._initial = {pid: sum(c.values()) for pid, c in self._stock.items()}
        self._plates = [p.id for _, _, p in config.plates()]

    def initial(self, t_us: int) -> None:
        """Paint every plate with its planogram stock at ``t_us``."""
        paths.at(self._rec, t_us)
        for pid in self._plates:
            self._paint(pid, self._stock.get(pid, {}))

    def update(self, inventory: Mapping[int, Mapping[str, int]], when: Mapping[int, int]) -> int:
        """Repaint the plates whose counts changed; ``when[plate]`` is the time of the
        change (plates missing from it are skipped until they have a time). Returns the
        number of plates repainted.
        """
        changed = 0
        for pid, counts in inventory.items():
            now = {sku: int(n) for sku, n in counts.items() if n}
            if now == self._stock.get(pid, {}) or pid not in when:
                continue
            self._stock[pid] = now
            paths.at(self._rec, when[pid])
            self._paint(pid, now)
            changed += 1
        return changed

    def _paint(self, pid: int, counts: Mapping[str, int]) -> None:
        initial = self._initial.get(pid, 0)
        total = sum(counts.values())
        fill = total / initial if initial else (1.0 if total == 0 else 2.0)
        stock = ", ".join(f"{sku} {n}" for sku, n in sorted(counts.items())) or "empty"
        self._rec.log(
            paths.plate(pid),
            rr.Boxes3D.from_fields(
                colors=[style.fill_color(fill)],
                labels=[f"plate {pid}: {stock} ({total}/{initial})"],
            ),
        )
