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


def test_the_engines_own_camera_tracks_are_recorded(tmp_path):
    """Fed cameras instead of positions, the engine tracks the shoppers itself; the
    recording shows those tracks (ids from 2**31 up) beside the truth."""
    from walkout.sim import simulate

    session = simulate("two-shoppers-putback", 3)
    path = tmp_path / "cams.rrd"
    engine = record_session(session, None, path, sensors="all")
    ents = read_rrd(path)
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
    rng = np.random.default_rng(0)
    t0 = 1_767_258_000_000_000
    for second in range(30):
        t = t0 + second * 1_000_000 + np.arange(60) * 16_667
        grams = 2400.0 + 6 * 1058.0 - np.where(t >= t0 + 10_000_000, 1058.0, 0.0)
        noisy = grams + rng.normal(0, 5, 60)
        engine.ingest_weights(np.zeros(60, int), t, noisy)
        recorder.log_weights(np.zeros(60, int), t, noisy)
        where = (2.55, 2.2) if 4 <= second < 20 else (0.8, 0.8) if second < 4 else (5.2, 0.8)
        engine.ingest_positions(
            t[::4], np.full(15, 7), np.full(15, where[0]), np.full(15, where[1])
        )
        if second == 1:
            engine.ingest_gates([0], [t[0]], ["enter"], token=["acct-42"])
        if second == 22:
            engine.ingest_gates([1], [t[0]], ["exit"])
        engine.step()
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
