"""Rerun recordings (walkout.viz): written for real, read back with rerun's own reader."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pytest

rr = pytest.importorskip("rerun")
from rerun.chunk import RrdReader  # noqa: E402

from conftest import milk_visit  # noqa: E402
from walkout.cli import main  # noqa: E402
from walkout.engine import Engine  # noqa: E402
from walkout.replay import replay  # noqa: E402
from walkout.session import Session  # noqa: E402
from walkout.viz import Recorder, open_recording, record_session  # noqa: E402
from walkout.viz.fusion import event_text, receipt_markdown  # noqa: E402
from walkout.viz.sensors import WeightBins  # noqa: E402

TIME = "sensor_time"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Entity:
    """What a recording holds for one entity path."""

    rows: int = 0
    static_rows: int = 0
    components: set[str] = field(default_factory=set)
    times_ns: list[int] = field(default_factory=list)
    batches: list[pa.RecordBatch] = field(default_factory=list)

    def column(self, name: str) -> list[list[object]]:
        """Every row of a component (a list of instances), in file order."""
        out: list[list[object]] = []
        for b in self.batches:
            if name in b.schema.names:
                out += b.column(name).to_pylist()
        return out

    def first(self, name: str) -> list[object]:
        """The first instance of each row of a component."""
        return [row[0] for row in self.column(name) if row]


def read_rrd(path: Path) -> dict[str, Entity]:
    """Entity path -> rows, components and sensor times, via ``rerun.chunk.RrdReader``."""
    reader = RrdReader(path)
    assert len(reader.recordings()) == 1
    out: dict[str, Entity] = defaultdict(Entity)
    for chunk in reader.stream():
        e = out[chunk.entity_path]
        batch = chunk.to_record_batch()
        e.batches.append(batch)
        e.components |= {n for n in batch.schema.names if ":" in n}
        if chunk.is_static:
            e.static_rows += chunk.num_rows
        else:
            e.rows += chunk.num_rows
        if TIME in batch.schema.names:
            e.times_ns += batch.column(TIME).cast(pa.int64()).to_pylist()
    return dict(out)


def under(entities: dict[str, Entity], prefix: str) -> dict[str, Entity]:
    """The entities whose path starts with ``prefix``."""
    return {p: e for p, e in entities.items() if p.startswith(prefix)}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Session, Engine, Path, dict[str, Entity]]:
    """two-shoppers-putback seed 3, replayed with a recorder into a real .rrd file, the
    shoppers tracked upstream (positions)."""
    from walkout.sim import simulate

    session = simulate("two-shoppers-putback", 3)
    path = tmp_path_factory.mktemp("viz") / "two.rrd"
    engine = record_session(session, None, path, sensors="positions")
    return session, engine, path, read_rrd(path)


def test_recording_is_the_same_fusion_as_a_plain_replay(recorded):
    session, engine, _, _ = recorded
    plain = replay(session, sensors="positions")
    assert [(r.track_id, r.quantities()) for r in engine.receipts()] == [
        (r.track_id, r.quantities()) for r in plain.receipts()
    ]


def test_store_fixtures_are_static_and_complete(recorded):
    session, _, _, ents = recorded
    cfg = session.config
    plates = {p.id for _, _, p in cfg.plates()}
    plate_paths = {f"/store/plates/{pid}" for pid in plates}
    assert plate_paths <= set(ents)
    for p in plate_paths:
        e = ents[p]
        assert e.static_rows == 1 and "Boxes3D:half_sizes" in e.components
        assert e.rows >= 1 and "Boxes3D:colors" in e.components  # fill colour on the timeline
    assert ents["/store/floor"].static_rows == 1
    for g in cfg.gates:
        assert ents[f"/store/gates/{g.id}"].static_rows == 1
    assert len(under(ents, "/store/gondolas/")) == len(cfg.gondolas)
    antennas = sum(len(r.antennas) for r in cfg.rfid_readers)
    assert len(under(ents, "/store/rfid/")) == antennas > 0
    cams = under(ents, "/store/cameras/")
    assert len(cams) == len(cfg.cameras) > 0
    for e in cams.values():
        assert {"Pinhole:image_from_camera", "Transform3D:mat3x3", "Transform3D:translation"} <= (
            e.components
        )


def test_camera_pose_inverts_the_configs_world_to_camera_transform(recorded):
    session, _, _, ents = recorded
    for cam in session.config.cameras:
        e = ents[f"/store/cameras/{cam.id}"]
        # Rerun stores 3x3 matrices column-major.
        m = np.asarray(e.first("Transform3D:mat3x3")[0], dtype=float).reshape(3, 3).T
        c = np.asarray(e.first("Transform3D:translation")[0], dtype=float)
        k = np.asarray(e.first("Pinhole:image_from_camera")[0], dtype=float).reshape(3, 3).T
        np.testing.assert_allclose(k, cam.intrinsics, atol=1e-3)
        r, t = np.asarray(cam.rotation), np.asarray(cam.translation)
        for world in ([5.0, 5.0, 0.0], [1.0, 2.0, 1.5]):
            x_cam = m.T @ (np.asarray(world) - c)  # camera frame from the logged pose
            np.testing.assert_allclose(x_cam, r @ world + t, atol=1e-5)


def test_shoppers_estimate_and_truth_are_recorded(recorded):
    session, _, _, ents = recorded
    tracks = {int(t) for t in np.unique(session.positions["track_id"])}
    for tid in tracks:
        pos = ents[f"/shoppers/{tid}"]
        assert pos.rows > 50 and "Points3D:positions" in pos.components
        assert ents[f"/shoppers/{tid}/trail"].rows > 50
        assert ents[f"/truth/shoppers/{tid}"].rows > 50
        labels = [lab for row in pos.column("Points3D:labels") if row for lab in row]
        assert any("checked-in: yes" in lab for lab in labels)
    # Decimated, not one row per input position.
    n_rows = sum(ents[f"/shoppers/{t}"].rows for t in tracks)
    assert n_rows <= len(session.positions["t_us"])


def test_weights_are_decimated_and_cover_every_true_action(recorded):
    session, _, _, ents = recorded
    weights = under(ents, "/sensors/weights/plate_")
    rows = sum(e.rows for e in weights.values())
    assert 0 < rows < len(session.weights["t_us"]) / 1000  # 60 Hz x 360 plates -> few bins
    assert len(weights) < 40  # only plates that change, not all 360
    actions = session.truth["actions"]
    for pid, t0, t1 in zip(
        actions["plate_id"], actions["t_start_us"], actions["t_end_us"], strict=True
    ):
        times = np.asarray(weights[f"/sensors/weights/plate_{pid}"].times_ns) // 1000
        assert np.any((times >= t0) & (times <= t1)), f"no weight bin during action on {pid}"


def test_shelf_events_are_logged_on_their_plate_with_the_evidence(recorded):
    _, engine, _, ents = recorded
    events = engine.shelf_events()
    assert events
    logged = sum(e.rows for p, e in ents.items() if p.endswith("/events") and "/plates/" in p)
    assert logged == len(events)
    for ev in events:
        texts = ents[f"/store/plates/{ev.plates[0]}/events"].first("TextLog:text")
        line = next(t for t in texts if t.startswith(f"#{ev.id} "))
        assert "candidates:" in line and "shoppers:" in line and "confidence" in line
        assert ents[f"/store/plates/{ev.plates[0]}/marker"].rows >= 2  # shown, then cleared


def test_carts_receipts_and_gate_passages(recorded):
    session, engine, _, ents = recorded
    receipts = engine.receipts()
    assert receipts
    for r in receipts:
        doc = ents[f"/fusion/receipts/{r.track_id}"]
        assert doc.rows == 1
        assert doc.times_ns == [r.exit_us * 1000]  # at exit time
        text = doc.first("TextDocument:text")[0]
        assert "Receipt" in text and ("needs review" in text or "no review needed" in text)
    assert ents["/fusion/receipts"].rows == len(receipts)
    assert ents["/fusion/carts"].rows >= 2
    assert len(under(ents, "/fusion/cart_items/")) == len(receipts)
    passages = sum(
        e.rows for p, e in under(ents, "/store/gates/").items() if p.endswith("passages")
    )
    assert passages == len(session.gates["t_us"])
    assert ents["/truth/actions"].rows == len(session.truth["actions"]["shopper"])


@pytest.fixture(scope="module")
def recorded_all(tmp_path_factory) -> tuple[Session, Engine, Path, dict[str, Entity]]:
    """two-shoppers-putback seed 3 fed every sensor (cameras, thermal, RFID, products):
    the engine tracks the shoppers itself."""
    from walkout.sim import simulate

    session = simulate("two-shoppers-putback", 3)
    path = tmp_path_factory.mktemp("viz") / "all.rrd"
    engine = record_session(session, None, path, sensors="all")
    return session, engine, path, read_rrd(path)


def test_the_engines_own_camera_tracks_are_recorded(recorded_all):
    """Fed cameras instead of positions, the engine tracks the shoppers itself; the
    recording shows those tracks (ids from 2**31 up) beside the truth."""
    _, engine, _, ents = recorded_all
    own = {int(r.track_id) for r in engine.receipts()}
    assert len(own) == 2 and all(t >= 2**31 for t in own)
    for tid in own:
        assert ents[f"/shoppers/{tid}"].rows > 50
    assert under(ents, "/truth/shoppers/")


def test_time_ranges_cover_the_session(recorded):
    session, engine, _, ents = recorded
    times = np.concatenate([np.asarray(e.times_ns, dtype=np.int64) for e in ents.values()])
    assert len(times) > 1000
    assert times.min() // 1000 == session.start_us
    assert times.max() // 1000 >= max(r.exit_us for r in engine.receipts())
    assert times.max() // 1000 >= session.end_us - 2_000_000
    positions = np.concatenate(
        [np.asarray(e.times_ns) for p, e in under(ents, "/shoppers/").items()]
    )
    assert positions.min() // 1000 - session.positions["t_us"].min() < 1_000_000
    assert session.positions["t_us"].max() - positions.max() // 1000 < 1_000_000


def test_no_account_token_is_ever_recorded(recorded):
    session, _, path, _ = recorded
    tokens = [t for t in session.gates["token"] if t]
    assert tokens
    raw = path.read_bytes()
    for token in tokens:
        assert token.encode() not in raw


def test_blueprint_is_written_and_rerun_cli_verifies_the_file(recorded):
    _, _, path, _ = recorded
    assert len(RrdReader(path).blueprints()) == 1
    done = subprocess.run(
        [sys.executable, "-m", "rerun", "rrd", "verify", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_live_recorder_follows_an_engine_step_by_step(tmp_path):
    """The README's integrator loop with a recorder; positions from the engine's tracks."""
    engine = Engine(REPO / "examples/stores/minimal.toml")
    path = tmp_path / "live.rrd"
    rec, url = open_recording("live", path=path)
    assert url is None
    recorder = Recorder(engine, recording=rec)
    for t, grams in milk_visit(engine, 30):
        recorder.log_weights(np.zeros(60, int), t, grams)
        recorder.update()
    engine.finish()
    recorder.close()
    rec.disconnect()

    counts = recorder.counts()
    assert counts["shelf_events"] == 1 and counts["receipts"] == 1
    assert counts["weight_bins"] > 0 and counts["positions"] > 5
    ents = read_rrd(path)
    assert ents["/store/plates/0/events"].rows == 1
    assert ents["/fusion/receipts/7"].rows == 1
    assert ents["/shoppers/7"].rows > 5
    assert ents["/sensors/weights/plate_0"].rows > 0
    assert "/sensors/weights/plate_1" not in ents  # plates without samples stay out
    colors = ents["/store/plates/0"].first("Boxes3D:colors")
    assert len(colors) == 2 and colors[0] != colors[1]  # full, then repainted after the pick
    assert b"acct-42" not in path.read_bytes()


def test_weight_bins_reduce_samples_and_count_late_ones():
    bins = WeightBins(bin_s=0.1)
    t = np.array([0, 10_000, 50_000, 120_000, 130_000]) + 1_000_000_000
    bins.add(np.array([3, 3, 3, 3, 4]), t, np.array([1.0, 3.0, 2.0, 10.0, 7.0]))
    first = bins.close(1_000_100_000)
    assert first.plate_id.tolist() == [3]
    assert (
        first.mean.tolist() == [2.0] and first.lo.tolist() == [1.0] and first.hi.tolist() == [3.0]
    )
    assert first.t_us.tolist() == [1_000_050_000]
    bins.add(np.array([3]), np.array([1_000_020_000]), np.array([99.0]))  # too late
    assert bins.late == 1
    rest = bins.close(None)
    assert rest.plate_id.tolist() == [3, 4] and rest.mean.tolist() == [10.0, 7.0]


def test_texts_name_candidates_shoppers_and_review_flags():
    ev = SimpleNamespace(
        id=4,
        plates=[12, 13],
        t_start_us=0,
        t_end_us=1_500_000,
        delta_g=-316.0,
        kind="pick",
        hypotheses=[
            SimpleNamespace(sku="A", quantity=2, probability=0.6),
            SimpleNamespace(sku="B", quantity=1, probability=0.3),
        ],
        unexplained=0.1,
        shoppers=[SimpleNamespace(track_id=9, probability=0.55, distance_m=0.5)],
        assigned_to=9,
        confidence=0.6,
    )
    line = event_text(ev, review_confidence=0.8)
    assert "plate 12+13" in line and "A ×2 p=0.60" in line and "track 9 p=0.55" in line
    assert "⚠ review" in line
    receipt = SimpleNamespace(
        track_id=9,
        token="acct-secret",
        exit_us=1_767_258_000_000_000,
        total_cents=300,
        needs_review=True,
        lines=[
            SimpleNamespace(
                sku="A",
                name="Apple",
                quantity=2,
                unit_price_cents=150,
                total_cents=300,
                confidence=0.6,
                needs_review=True,
                evidence=[4],
            )
        ],
    )
    doc = receipt_markdown(receipt, {"A": "Apple", "B": "Banana"}, "EUR", truth={"A": 2, "B": 1})
    assert "needs review" in doc and "checked-in: yes" in doc and "acct-secret" not in doc
    assert "| B | Banana | 0 |" in doc and "missed" in doc


def test_cli_replay_and_demo_write_recordings(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    session_dir = tmp_path / "session"
    assert (
        main(
            ["sim", "--scenario", "two-shoppers-putback", "--seed", "4", "--out", str(session_dir)]
        )
        == 0
    )
    out = tmp_path / "replay.rrd"
    assert main(["replay", str(session_dir), "--rerun", str(out)]) == 0
    assert len(under(read_rrd(out), "/store/plates/")) >= 360
    assert main(["demo", "--seeds", "0"]) == 0
    demo = tmp_path / "walkout-demo.rrd"
    assert demo.stat().st_size > 100_000
    assert "Rerun recording: walkout-demo.rrd" in capsys.readouterr().out
    demo.unlink()
    assert main(["demo", "--seeds", "0", "--no-rerun"]) == 0
    assert not demo.exists()


def test_a_chosen_plate_gets_every_bin(tmp_path):
    from walkout.sim import simulate

    session = simulate("two-shoppers-putback", 3)
    path = tmp_path / "one-plate.rrd"
    record_session(session, None, path, weight_plates=[205])
    weights = under(read_rrd(path), "/sensors/weights/")
    assert set(weights) == {"/sensors/weights/plate_205"}
    samples = np.count_nonzero(session.weights["plate_id"] == 205)
    bins = weights["/sensors/weights/plate_205"].rows
    duration_bins = (session.end_us - session.start_us) / 100_000
    assert duration_bins - 2 <= bins <= duration_bins + 2 and bins < samples / 5


FRAME_US = 200_000  # the default frame interval: at most one frame per 0.2 s per sensor
HOLD_US = 500_000  # a sensor's last frame is cleared after 0.5 s without a newer one


def frames_of(e: Entity, name: str) -> list[tuple[int, list[object]]]:
    """``(time in µs, instances)`` of every row of a component, in time order."""
    times = [t // 1000 for t in e.times_ns]
    rows = e.column(name)
    assert len(rows) == len(times)
    return sorted(zip(times, [r or [] for r in rows], strict=True), key=lambda tr: tr[0])


def check_decimated(logged: list[int], session_frames: np.ndarray) -> None:
    """Frames logged: real frames of the sensor, at most one per interval, and one in
    every interval in which the sensor sent any."""
    assert set(logged) <= set(session_frames.tolist())
    bins = np.asarray(logged) // FRAME_US
    assert len(np.unique(bins)) == len(bins) <= len(session_frames)
    assert np.array_equal(np.unique(session_frames // FRAME_US), bins)


def test_camera_detections_are_in_each_cameras_image(recorded_all):
    session, _, _, ents = recorded_all
    det = session.person_detections
    cams = np.unique(det["camera_id"])
    assert len(cams) >= 2
    for cam in cams.tolist():
        mine = det["camera_id"] == cam
        t_cam = det["t_us"][mine]
        people = ents[f"/store/cameras/{cam}/people"]
        rows = frames_of(people, "Boxes2D:centers")
        shown = [t for t, inst in rows if inst]
        check_decimated(shown, np.unique(t_cam))
        # Cleared once the camera stops seeing anyone: an empty row hold_s after a frame.
        cleared = [t for t, inst in rows if not inst]
        assert cleared and max(cleared) == max(shown) + HOLD_US
        assert all(t - HOLD_US in set(shown) for t in cleared)
        if len(np.unique(t_cam)) > 100:  # a busy camera at 15 fps: decimated to 5 fps
            assert len(shown) < 0.5 * len(np.unique(t_cam))
        # The boxes of a logged frame are that frame's detections, in pixels.
        t0 = shown[len(shown) // 2]
        at = mine & (det["t_us"] == t0)
        want = np.column_stack(
            [(det["x1"][at] + det["x2"][at]) / 2, (det["y1"][at] + det["y2"][at]) / 2]
        )
        got = np.asarray(dict(rows)[t0], dtype=float)
        np.testing.assert_allclose(np.sort(got, axis=0), np.sort(want, axis=0), atol=1e-3)
        # Keypoints of the same frames: the joints seen, each person a skeleton of its own.
        kp = ents[f"/store/cameras/{cam}/keypoints"]
        kp_rows = dict(frames_of(kp, "Points2D:keypoint_ids"))
        assert set(shown) <= set(kp_rows)
        seen = int(np.count_nonzero(det["keypoints"][at][:, :, 2] > 0))
        assert len(kp_rows[t0]) == seen > 0
        classes = dict(frames_of(kp, "Points2D:class_ids"))[t0]
        assert len(set(classes)) == int(np.count_nonzero(at))
    # The pinhole the boxes live under, and the skeleton they are joined by.
    assert "Pinhole:resolution" in ents["/store/cameras/0"].components
    assert "AnnotationContext:context" in ents["/store/cameras"].components


def test_product_detections_are_labelled_with_their_sku(recorded_all):
    session, _, _, ents = recorded_all
    prod = session.product_detections
    sku = {p.vision_class: p.sku for p in session.config.products}
    for cam in np.unique(prod["camera_id"]).tolist():
        mine = prod["camera_id"] == cam
        rows = frames_of(ents[f"/store/cameras/{cam}/products"], "Boxes2D:labels")
        shown = [(t, inst) for t, inst in rows if inst]
        check_decimated([t for t, _ in shown], np.unique(prod["t_us"][mine]))
        for t, labels in shown:
            at = mine & (prod["t_us"] == t)
            want = sorted(sku[c] for c in prod["class_id"][at].tolist())
            assert sorted(lab.split()[0] for lab in labels) == want


def test_thermal_blobs_in_the_thermal_image_and_on_the_floor(recorded_all):
    session, _, _, ents = recorded_all
    blobs = session.thermal_blobs
    truth = session.truth["trajectories"]
    cams = np.unique(blobs["camera_id"]).tolist()
    assert cams == [c.id for c in session.config.thermal_cameras]
    for cam in cams:
        mine = blobs["camera_id"] == cam
        image = frames_of(ents[f"/sensors/thermal/{cam}/blobs"], "Points2D:positions")
        shown = [t for t, inst in image if inst]
        check_decimated(shown, np.unique(blobs["t_us"][mine]))
        assert ents[f"/sensors/thermal/{cam}/frame"].static_rows == 1
        t0 = shown[len(shown) // 2]
        at = mine & (blobs["t_us"] == t0)
        np.testing.assert_allclose(
            np.sort(np.asarray(dict(image)[t0]), axis=0),
            np.sort(np.column_stack([blobs["cx"][at], blobs["cy"][at]]), axis=0),
            atol=1e-3,
        )
        # On the floor, through the homography: where a shopper really stood then.
        floor = frames_of(ents[f"/store/thermal/{cam}/blobs"], "Points3D:positions")
        assert [t for t, inst in floor if inst] == shown
        for t, inst in floor:
            near = np.abs(truth["t_us"] - t) <= 100_000
            for x, y, _ in inst:
                d = np.hypot(truth["x"][near] - x, truth["y"][near] - y)
                assert d.min() < 0.15, f"thermal {cam} blob at ({x:.2f}, {y:.2f}) is nobody"


def test_rfid_reads_are_rates_and_exit_tags(recorded_all):
    session, _, _, ents = recorded_all
    reads = session.rfid_reads
    kinds = {(r.id, a.id): a.kind for r in session.config.rfid_readers for a in r.antennas}
    ant = list(zip(reads["reader_id"].tolist(), reads["antenna_id"].tolist(), strict=True))
    assert {"exit", "shelf"} <= {kinds[k] for k in set(ant)}
    for key in sorted(set(ant)):
        mine = np.array([a == key for a in ant])
        t = reads["t_us"][mine]
        rate = frames_of(ents[f"/sensors/rfid/{key[0]}/{key[1]}"], "Scalars:scalars")
        times = np.array([tt for tt, _ in rate])
        # From the start of the first read's second to the second after the last.
        assert times.min() == t.min() // 1_000_000 * 1_000_000
        assert t.max() <= times.max() <= session.end_us + 1_500_000
        # Every logged value is that second's count of reads; equal runs keep their ends.
        per_bin = dict(zip(*np.unique(t // 1_000_000, return_counts=True), strict=True))
        for tt, (n_reads, _) in rate[1:]:
            assert tt % 1_000_000 == 500_000  # at the centre of its second
            assert n_reads == per_bin.get(tt // 1_000_000, 0), (key, tt)
        assert rate[0][1] == [0.0, 0.0]
        assert max(v[0] for _, v in rate) == max(per_bin.values())
    # Exit reads are text rows naming each tag, when it was read.
    for key, kind in kinds.items():
        if kind != "exit":
            continue
        mine = np.array([a == key for a in ant])
        log = ents[f"/store/rfid/{key[0]}/{key[1]}/reads"]
        text = " ".join(log.first("TextLog:text"))
        for epc in set(reads["epc"][mine].tolist()):
            assert epc in text
        t_log = np.asarray(log.times_ns) // 1000
        assert t_log.min() == reads["t_us"][mine].min()
        assert t_log.max() <= reads["t_us"][mine].max()


def test_sensor_rows_stay_within_the_session(recorded_all):
    session, _, _, ents = recorded_all
    roots = (
        "/store/cameras/",
        "/store/thermal/",
        "/store/rfid/",
        "/sensors/thermal/",
        "/sensors/rfid/",
    )
    times = np.concatenate(
        [
            np.asarray(e.times_ns, dtype=np.int64) // 1000
            for p, e in ents.items()
            if p.startswith(roots)
        ]
    )
    assert len(times) > 500
    assert times.min() >= session.start_us
    assert times.max() <= session.end_us + 1_500_000  # a last clear, a last zero rate


def test_blueprint_has_sensor_tabs_behind_the_first_view(recorded_all):
    session, _, path, _ = recorded_all
    reader = RrdReader(path)
    names, queries = {}, []
    for chunk in reader.stream(store=reader.blueprints()[0]):
        batch = chunk.to_record_batch()
        cols = batch.schema.names
        if "ViewBlueprint:display_name" in cols:
            for name, origin in zip(
                batch.column("ViewBlueprint:display_name").to_pylist(),
                batch.column("ViewBlueprint:space_origin").to_pylist(),
                strict=True,
            ):
                names[name[0]] = origin[0]
        if "ViewContents:query" in cols:
            queries += batch.column("ViewContents:query").to_pylist()
    cfg = session.config
    for cam in cfg.cameras:
        assert names[f"camera {cam.id}"] == f"/store/cameras/{cam.id}"
    for cam in cfg.thermal_cameras:
        assert names[f"thermal {cam.id}"] == f"/sensors/thermal/{cam.id}"
    assert names["RFID reads"] == "/store/rfid"
    store = next(q for q in queries if "+ /shoppers/**" in q and "+ /store/**" in q)
    assert "- /store/cameras/0/people/**" in store  # detections stay out of the 3D view


def test_frame_decimation_and_clearing_follow_the_knobs(tmp_path):
    """A live recorder fed camera frames directly: the interval keeps one frame per
    interval (0 keeps them all), a pause clears the boxes, nothing is lost at close."""
    engine = Engine(REPO / "examples/stores/convenience.toml")
    t0 = 1_767_258_000_000_000
    t = np.r_[t0 + np.arange(30) * 66_666, t0 + 4_000_000 + np.arange(15) * 66_666]
    box = np.tile([100.0, 200.0, 300.0, 600.0], (len(t), 1))
    kp = np.zeros((len(t), 17, 3))
    kp[:, 15] = (150.0, 590.0, 0.9)  # the left ankle, seen
    counts = {}
    for interval in (0.0, 0.2):
        path = tmp_path / f"frames-{interval}.rrd"
        rec, _ = open_recording("frames", path=path)
        recorder = Recorder(engine, recording=rec, frame_interval_s=interval)
        for part in (slice(0, 20), slice(20, None)):  # two batches
            n = len(t[part])
            recorder.log_person_detections(
                np.zeros(n, int), t[part], box[part], np.full(n, 0.9), kp[part]
            )
        recorder.close()
        rec.disconnect()
        counts[interval] = recorder.counts()
        rows = frames_of(read_rrd(path)["/store/cameras/0/people"], "Boxes2D:centers")
        shown = [tt for tt, inst in rows if inst]
        cleared = [tt for tt, inst in rows if not inst]
        before_pause = max(tt for tt in shown if tt < t[30])
        assert cleared == [before_pause + HOLD_US, shown[-1] + HOLD_US]  # the pause, the end
        if interval == 0.0:
            assert shown == t.tolist()
        else:
            assert len(shown) == len(np.unique(t // 200_000)) < len(t)
        kp_rows = frames_of(read_rrd(path)["/store/cameras/0/keypoints"], "Points2D:positions")
        assert [tt for tt, inst in kp_rows if inst] == shown
    assert counts[0.0]["person_frames"] == len(t) and counts[0.0]["frames_skipped"] == 0
    assert counts[0.2]["person_frames"] + counts[0.2]["frames_skipped"] == len(t)
