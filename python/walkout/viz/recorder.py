"""Recording a live engine, or a replay of a session, to Rerun.

:class:`Recorder` wraps an :class:`~walkout.Engine` that someone else feeds: call
:meth:`Recorder.update` after each ``engine.step()`` and it logs what changed since the
last call (new shelf events, gate passages and receipts, tracks, carts, plate stock).
Raw sensor batches never pass through the engine's outputs, so hand them to the
recorder as well, beside the ``ingest_*`` calls (:meth:`Recorder.log_weights`,
``log_positions``, ``log_person_detections``, ``log_thermal_blobs``,
``log_product_detections``, ``log_rfid_reads``: the same arguments), to get the weight
plots, full-rate tracks, camera detections, thermal blobs and RFID reads.

:func:`record_session` replays a session directory through an engine with a recorder
attached, which is exactly what ``walkout replay SESSION --rerun FILE`` runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rerun as rr

from walkout.engine import Engine
from walkout.errors import StateError
from walkout.session import Session
from walkout.viz import paths
from walkout.viz.blueprint import store_blueprint
from walkout.viz.fusion import CartLayer, EventLayer, GateLayer, ReceiptLayer
from walkout.viz.rfid import RfidLayer
from walkout.viz.sensors import WeightLayer, plate_noise
from walkout.viz.shoppers import ShopperLayer, track_label
from walkout.viz.store import InventoryLayer, log_store
from walkout.viz.truth import Truth, log_truth, true_quantities
from walkout.viz.vision import (
    DEFAULT_FRAME_INTERVAL_S,
    DEFAULT_LATENCY_S,
    PersonLayer,
    ProductLayer,
    ThermalLayer,
    log_vision_static,
)

APPLICATION_ID = "walkout"
# A replay is not watched live: sensor rows may wait longer, for larger chunks.
_REPLAY_LATENCY_S = 30.0
DEFAULT_SPAWN_PORT = 9876


def open_recording(
    name: str = "walkout",
    *,
    path: str | Path | None = None,
    spawn: bool = False,
    serve: bool = False,
    serve_port: int = DEFAULT_SPAWN_PORT + 1,
) -> tuple[rr.RecordingStream, str | None]:
    """A new recording stream writing to any of: an ``.rrd`` file (``path``), a viewer
    spawned on this machine (``spawn``), a gRPC server that viewers connect to
    (``serve``). Returns the stream and the server's URL (``None`` without ``serve``).

    Wall-clock ``log_time`` is disabled: everything is on the sensor timeline.
    """
    rec = rr.RecordingStream(APPLICATION_ID, recording_id=uuid.uuid4())
    rec.set_log_time_enabled(False)
    sinks: list[Any] = []
    if path is not None:
        sinks.append(rr.FileSink(str(path)))
    if spawn:
        rr.spawn(port=DEFAULT_SPAWN_PORT, connect=False, recording=rec)
        sinks.append(rr.GrpcSink(f"rerun+http://127.0.0.1:{DEFAULT_SPAWN_PORT}/proxy"))
    server = None
    if serve:
        server = rr.GrpcServerSink(port=serve_port)
        sinks.append(server)
    if sinks:
        rec.set_sinks(*sinks)
    rec.send_recording_name(name)
    # The server listens on every interface; viewers on this machine use the loopback.
    url = server.uri.replace("0.0.0.0", "127.0.0.1") if server is not None else None
    return rec, url


class Recorder:
    """Streams what a live engine does to a Rerun recording::

        engine = walkout.Engine("examples/stores/minimal.toml")
        rec, _ = walkout.viz.open_recording(path="live.rrd")
        recorder = walkout.viz.Recorder(engine, recording=rec)
        for p, t, g in weight_batches:
            engine.ingest_weights(plate_id=p, t_us=t, grams=g)
            recorder.log_weights(p, t, g)  # the raw batch, for the weight plots
            engine.step()
            recorder.update()  # logs what changed
        engine.finish()
        recorder.close()
        rec.disconnect()

    ``recording``: the stream to log to (see :func:`open_recording`); ``None`` uses
    rerun's current global recording if one was set with ``rr.init``, else a new stream
    whose sinks you set. ``weight_plates``: plates whose every weight bin is logged;
    ``None`` logs only the plates that change, around each change. ``start_us``: the
    session start, where the initial plate stock is drawn (default: the first time
    seen). ``truth``: a simulated session's ground truth, logged beside the estimate.

    Camera and thermal frames are decimated per sensor: at most one frame each
    ``frame_interval_s`` of sensor time (0: every frame); what a sensor showed is cleared
    when it has sent nothing newer for ``max(0.5 s, 2 frame intervals)``. ``cameras``:
    the RGB cameras whose person and product detections are logged (``None``: all).
    RFID reads are counted per ``rfid_bin_s``. Camera, thermal and RFID rows are held
    back for up to ``latency_s`` of sensor time so that they go out in larger chunks
    (each chunk costs about 1.5 KB in a file): a live viewer sees them that much later;
    :func:`record_session` uses 30 s.
    """

    def __init__(
        self,
        engine: Engine,
        recording: rr.RecordingStream | None = None,
        *,
        weight_plates: Collection[int] | None = None,
        weight_bin_s: float = 0.1,
        trail_s: float = 10.0,
        start_us: int | None = None,
        truth: Truth | None = None,
        blueprint: bool = True,
        frame_interval_s: float = DEFAULT_FRAME_INTERVAL_S,
        cameras: Collection[int] | None = None,
        rfid_bin_s: float = 1.0,
        latency_s: float = DEFAULT_LATENCY_S,
    ) -> None:
        self.engine = engine
        rec = recording if recording is not None else rr.get_global_data_recording()
        if rec is None:
            rec = rr.RecordingStream(APPLICATION_ID, recording_id=uuid.uuid4())
        self.recording: rr.RecordingStream = rec
        config = engine.config
        if blueprint:
            rec.send_blueprint(store_blueprint(config))
        log_store(rec, config)
        log_vision_static(rec, config)
        self._inventory = InventoryLayer(rec, config)
        self._weights = WeightLayer(
            rec, plate_noise(config), plates=weight_plates, bin_s=weight_bin_s
        )
        self._shoppers = ShopperLayer(rec, trail_s=trail_s)
        self._events = EventLayer(rec, config)
        self._gates = GateLayer(rec)
        self._carts = CartLayer(rec, config)
        self._receipts = ReceiptLayer(rec, config, true_quantities(truth) if truth else None)
        frames = {"interval_s": frame_interval_s, "latency_s": latency_s}
        self._people = PersonLayer(rec, cameras=cameras, **frames)
        self._products = ProductLayer(rec, config, cameras=cameras, **frames)
        self._thermal = ThermalLayer(rec, config, **frames)
        self._rfid = RfidLayer(rec, config, bin_s=rfid_bin_s, latency_s=latency_s)
        self._start_us = start_us
        self._painted = False
        self._raw_positions = False
        self._seen_events: set[int] = set()
        self._plate_changed: dict[int, int] = {}
        self._n_gates = 0
        self._n_receipts = 0
        self._tracks: dict[int, int] = {}  # track id -> last_us
        self._trajectory_rows = 0
        self.truth_rows = 0
        if truth is not None:
            self.truth_rows = log_truth(rec, truth, config, trail_s=trail_s)
        if start_us is not None:
            self._paint(start_us)

    def _paint(self, t_us: int) -> None:
        if not self._painted:
            self._painted = True
            self._inventory.initial(self._start_us if self._start_us is not None else t_us)

    def log_weights(self, plate_id: Any, t_us: Any, grams: Any) -> None:
        """Raw weight samples, the batch given to ``engine.ingest_weights``; they are
        binned and logged (decimated) by the next :meth:`update`.
        """
        t = np.asarray(t_us, dtype=np.int64)
        if len(t):
            self._paint(int(t.min()))
            self._weights.add(np.asarray(plate_id), t, np.asarray(grams, dtype=np.float64))

    def log_positions(self, t_us: Any, track_id: Any, x: Any, y: Any) -> None:
        """Shopper positions, the batch given to ``engine.ingest_positions``; logged at
        once, decimated per shopper. Without them, :meth:`update` logs each track's
        latest position from the engine instead.
        """
        t = np.asarray(t_us, dtype=np.int64)
        if not len(t):
            return
        self._paint(int(t.min()))
        self._raw_positions = True
        self._shoppers.positions(
            t,
            np.asarray(track_id, dtype=np.int64),
            np.asarray(x, dtype=np.float64),
            np.asarray(y, dtype=np.float64),
        )

    def log_person_detections(
        self, camera_id: Any, t_us: Any, bbox: Any, score: Any, keypoints: Any | None = None
    ) -> None:
        """Person detections, the batch given to ``engine.ingest_person_detections``:
        boxes and keypoints in each camera's image, decimated per camera."""
        self._started(t_us)
        self._people.add(camera_id, t_us, bbox, score, keypoints)

    def log_thermal_blobs(
        self, camera_id: Any, t_us: Any, centroid: Any, area_px: Any, temperature_c: Any
    ) -> None:
        """Thermal blobs, the batch given to ``engine.ingest_thermal_blobs``: in the
        thermal image and on the floor, decimated per thermal camera."""
        self._started(t_us)
        self._thermal.add(camera_id, t_us, centroid, area_px, temperature_c)

    def log_product_detections(
        self, camera_id: Any, t_us: Any, bbox: Any, class_id: Any, score: Any
    ) -> None:
        """Product detections, the batch given to ``engine.ingest_product_detections``."""
        self._started(t_us)
        self._products.add(camera_id, t_us, bbox, class_id, score)

    def log_rfid_reads(
        self, reader_id: Any, antenna_id: Any, t_us: Any, epc: Any, rssi_dbm: Any
    ) -> None:
        """RFID reads, the batch given to ``engine.ingest_rfid_reads``: counted per
        antenna, logged (as rates and text rows) by the next :meth:`update`."""
        self._started(t_us)
        self._rfid.add(reader_id, antenna_id, t_us, epc, rssi_dbm)

    def log_batch(self, modality: str, args: Mapping[str, Any]) -> None:
        """One batch as it was fed to the engine (``modality``'s ``ingest_*`` keyword
        arguments; the hook :func:`walkout.replay.feed` calls). Gate events are drawn
        from the engine's gate passages instead, and embeddings never: the recording
        never shows how a person looks."""
        a = args
        if modality == "weights":
            self.log_weights(a["plate_id"], a["t_us"], a["grams"])
        elif modality == "positions":
            self.log_positions(a["t_us"], a["track_id"], a["x"], a["y"])
        elif modality == "person_detections":
            self.log_person_detections(
                a["camera_id"], a["t_us"], a["bbox"], a["score"], a.get("keypoints")
            )
        elif modality == "thermal_blobs":
            self.log_thermal_blobs(
                a["camera_id"], a["t_us"], a["centroid"], a["area_px"], a["temperature_c"]
            )
        elif modality == "product_detections":
            self.log_product_detections(
                a["camera_id"], a["t_us"], a["bbox"], a["class_id"], a["score"]
            )
        elif modality == "rfid_reads":
            self.log_rfid_reads(a["reader_id"], a["antenna_id"], a["t_us"], a["epc"], a["rssi_dbm"])

    def _started(self, t_us: Any) -> None:
        t = np.asarray(t_us, dtype=np.int64)
        if t.size:
            self._paint(int(t.min()))

    def update(self) -> None:
        """Log what changed in the engine since the last call; call after each step."""
        engine = self.engine
        stats = engine.stats()
        now = stats.get("processed_until_us")
        if now is None:
            return
        now = int(now)
        self._paint(now)
        self._weights.flush(now)
        self._rfid.flush(now)
        for frames in (self._people, self._products, self._thermal):
            frames.flush(now)
        changed_at: dict[int, int] = {}  # track id -> time of its newest cart change
        for ev in engine.shelf_events():
            if ev.id in self._seen_events:
                continue
            self._seen_events.add(ev.id)
            for pid in ev.plates:
                self._plate_changed[pid] = max(self._plate_changed.get(pid, 0), ev.t_end_us)
            if ev.assigned_to is not None:
                changed_at[ev.assigned_to] = max(changed_at.get(ev.assigned_to, 0), ev.t_end_us)
            self._events.log(ev)
        self._events.expire(now)
        passages = engine.gate_passages()
        for passage in passages[self._n_gates :]:
            self._gates.log(passage)
        self._n_gates = len(passages)
        self._update_tracks(now)
        receipts = engine.receipts()
        for receipt in receipts[self._n_receipts :]:
            self._receipts.log(receipt)
            changed_at[receipt.track_id] = receipt.exit_us
        self._n_receipts = len(receipts)
        self._carts.update(engine.carts(), changed_at, now)
        inventory = engine.inventory()
        when = {pid: self._plate_changed.get(pid, now) for pid in inventory}
        self._inventory.update(inventory, when)

    def _log_own_tracks(self) -> bool:
        """Positions of the engine's own tracks from its trajectory log (when it keeps
        one): every logged position since the last call. False without a log."""
        log = self.engine.trajectories()
        n = len(log["t_us"])
        if n == 0:
            return False
        if n > self._trajectory_rows:
            rows = slice(self._trajectory_rows, n)
            self._shoppers.positions(
                np.asarray(log["t_us"][rows], dtype=np.int64),
                np.asarray(log["track_id"][rows], dtype=np.int64),
                np.asarray(log["x"][rows], dtype=np.float64),
                np.asarray(log["y"][rows], dtype=np.float64),
            )
            self._trajectory_rows = n
        return True

    def _update_tracks(self, now: int) -> None:
        tracks = self.engine.tracks()
        from_log = not self._raw_positions and self._log_own_tracks()
        live = set()
        for tr in tracks:
            live.add(tr.track_id)
            if tr.exited_us is not None:
                state, since = "left", tr.exited_us
            elif tr.entered_us is not None:
                state, since = "in store", tr.entered_us
            else:
                state, since = "not through a gate yet", tr.first_us
            if (
                not (self._raw_positions or from_log)
                and self._tracks.get(tr.track_id) != tr.last_us
            ):
                self._shoppers.positions(
                    np.array([tr.last_us]),
                    np.array([tr.track_id]),
                    np.array([tr.x]),
                    np.array([tr.y]),
                )
            self._tracks[tr.track_id] = tr.last_us
            self._shoppers.label(
                tr.track_id, since, track_label(tr.track_id, tr.token is not None, state)
            )
        for gone in [t for t in self._tracks if t not in live]:
            self._shoppers.forget(gone, self._tracks.pop(gone) + 1)

    def note(self, t_us: int, text: str) -> None:
        """Add a note to the session log (``session`` entity) at ``t_us``."""
        paths.at(self.recording, t_us)
        self.recording.log(paths.SESSION, rr.TextLog(text, level=rr.TextLogLevel.INFO))

    def close(self, end_us: int | None = None, *, timeout_s: float = 60.0) -> None:
        """Log everything still pending (open weight bins, markers), a closing note with
        the engine's health counters at ``end_us`` (default: the processed time), and
        flush, waiting at most ``timeout_s`` (a viewer that never started or went away
        would otherwise block forever): past it, :class:`TimeoutError`. What reached a
        file sink stays there; ``disconnect()`` the stream to complete the file.
        """
        self.update()
        stats = self.engine.stats()
        fed = [k for k, v in stats.items() if isinstance(v, dict) and v.get("received")]
        fed = fed or ["weights", "positions", "gates"]
        late = {k: stats[k]["late"] for k in fed}
        dups = {k: stats[k]["duplicates"] for k in fed}
        end = end_us if end_us is not None else stats.get("processed_until_us")
        if end is not None:
            self.note(
                int(end),
                f"end: {stats['receipts']} receipts, {stats['shelf_events']} shelf events "
                f"({stats['unassigned_shelf_events']} unassigned), "
                f"{stats['unmatched_gate_events']} unmatched gate events; late {late}, "
                f"duplicates {dups}; {self._weights.bins.late} samples and "
                f"{self._rfid.late} RFID reads too late to plot",
            )
        self._weights.flush(None)
        self._rfid.flush(None)
        for frames in (self._people, self._products, self._thermal):
            frames.flush(None)
        self._events.expire(None)
        for tid, last in list(self._tracks.items()):
            self._shoppers.forget(tid, last + 1)
        self._tracks.clear()
        try:
            self.recording.flush(timeout_sec=timeout_s)
        except RuntimeError as exc:  # rerun: the timeout passed, or a sink failed
            raise TimeoutError(
                f"the Rerun recording was not flushed within {timeout_s:g} s ({exc}); "
                "a viewer or server it streams to may be unreachable"
            ) from exc

    def counts(self) -> dict[str, int]:
        """How much was logged, by layer (for tests and reports)."""
        return {
            "weight_bins": self._weights.logged,
            "positions": self._shoppers.logged,
            "shelf_events": self._events.logged,
            "gate_passages": self._gates.logged,
            "cart_updates": self._carts.logged,
            "receipts": self._receipts.logged,
            "truth_rows": self.truth_rows,
            "person_frames": self._people.frames,
            "keypoints": self._people.keypoints,
            "product_frames": self._products.frames,
            "thermal_frames": self._thermal.frames,
            "frames_skipped": sum(
                f.gate.skipped for f in (self._people, self._products, self._thermal)
            ),
            **self._rfid.counts(),
        }


def session_name(session: Session) -> str:
    """The recording name of a session: its scenario and seed when it has them."""
    meta = session.meta
    name = str(meta.get("scenario", "session"))
    return f"{name} seed {meta['seed']}" if "seed" in meta else name


def record_session(
    session: Session,
    engine: Engine | None = None,
    path: str | Path | None = None,
    *,
    recording: rr.RecordingStream | None = None,
    spawn: bool = False,
    chunk_s: float = 1.0,
    progress: bool = False,
    weight_plates: Collection[int] | None = None,
    sensors: str | Sequence[str] = "auto",
    frame_interval_s: float = DEFAULT_FRAME_INTERVAL_S,
    cameras: Collection[int] | None = None,
) -> Engine:
    """Replay ``session`` through ``engine`` (default: a new one for the session's
    store) as a live store would feed it, recording everything to Rerun; returns the
    finished engine.

    The recording goes to ``recording`` if given, else to a new stream writing the
    ``.rrd`` file ``path`` and/or a spawned viewer (``spawn``). Ground truth, when the
    session has it, is recorded beside the estimate. ``sensors`` chooses what the
    engine is fed (:mod:`walkout.replay`), and so what is recorded;
    ``frame_interval_s`` and ``cameras`` decimate camera and thermal frames
    (:class:`Recorder`).
    """
    from walkout.replay import replay, sensor_set

    # The engine's own tracks are drawn from its trajectory log (5 Hz is plenty to see).
    engine = engine if engine is not None else Engine(session.config, trajectory_log_hz=5.0)
    if engine.finished:
        raise StateError("record_session needs an engine that has not been finished")
    if recording is not None and (path is not None or spawn):
        raise ValueError("give either `recording` or `path`/`spawn`, not both")
    own = recording is None
    if recording is None:
        recording, _ = open_recording(session_name(session), path=path, spawn=spawn)
    recorder = Recorder(
        engine,
        recording,
        start_us=session.start_us,
        truth=session.truth,
        weight_plates=weight_plates,
        frame_interval_s=frame_interval_s,
        cameras=cameras,
        latency_s=_REPLAY_LATENCY_S,
    )
    fed = sensor_set(session, sensors)
    counts = ", ".join(
        f"{len(cols['t_us']):,} {name.replace('_', ' ')}"
        for name, cols in session.streams.items()
        if name in fed
    )
    recorder.note(
        session.start_us,
        f"start: {session_name(session)} in {session.config.name}, "
        f"{(session.end_us - session.start_us) / 1e6:.0f} s; fed: {counts or 'nothing'}",
    )
    replay(
        session,
        engine=engine,
        chunk_s=chunk_s,
        progress=progress,
        sensors=sensors,
        on_batch=recorder.log_batch,
        on_step=recorder.update,
    )
    recorder.close(end_us=session.end_us)
    if own:
        recording.disconnect()  # closes the file (with its footer) and the viewer link
    return engine
