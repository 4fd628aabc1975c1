"""Re-identification embeddings: from the simulator's cameras through session files into
the tracker, refused clearly when malformed, and kept out of snapshots unless configured."""

from __future__ import annotations

import json

import numpy as np
import pytest

import walkout
import walkout.sim
from conftest import _session
from walkout.eval import score_receipts, true_receipts
from walkout.modalities import ingest
from walkout.replay import replay
from walkout.session import Session

CAMERA_SCENARIO = "standing-close"


def _without_embeddings(session: Session) -> Session:
    cols = {k: v for k, v in session.person_detections.items() if k != "embedding"}
    return Session(**{**vars(session), "person_detections": cols})


def test_the_simulator_gives_every_detection_an_embedding():
    s = _session(CAMERA_SCENARIO, 0)
    e = s.person_detections["embedding"]
    assert e.dtype == np.float32 and e.shape == (len(s.person_detections["t_us"]), 32)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, rtol=1e-5)


def test_embeddings_round_trip_through_session_files(tmp_path):
    s = _session(CAMERA_SCENARIO, 0)
    back = Session.read(s.write(tmp_path / "s"))
    np.testing.assert_array_equal(
        back.person_detections["embedding"], s.person_detections["embedding"]
    )
    np.testing.assert_array_equal(
        back.person_detections["keypoints"], s.person_detections["keypoints"]
    )


def test_a_session_without_embeddings_reads_back_without_them(tmp_path):
    s = _without_embeddings(_session(CAMERA_SCENARIO, 0))
    back = Session.read(s.write(tmp_path / "s"))
    assert "embedding" not in back.person_detections


@pytest.mark.parametrize("seed", [13, 32])
def test_embeddings_keep_close_shoppers_receipts_apart(seed):
    """Seeds where, by position, head height and warmth alone, two shoppers standing
    close swap tracks (and receipts): their looks keep them apart."""
    s = _session(CAMERA_SCENARIO, seed)
    truth = true_receipts(s.truth)
    with_looks = score_receipts(replay(s, sensors="all").receipts(), truth)
    without = score_receipts(replay(_without_embeddings(s), sensors="all").receipts(), truth)
    assert with_looks.f1 > without.f1, (with_looks, without)
    assert with_looks.f1 >= 0.9, with_looks


def _batch(n: int, dim: int) -> dict[str, np.ndarray]:
    cam = walkout.sim.default_store().cameras[0]
    return {
        "camera_id": np.full(n, cam.id, dtype=np.uint32),
        "t_us": np.full(n, 1_767_258_000_000_000, dtype=np.int64),
        "bbox": np.tile(np.array([10, 10, 60, 200], dtype=np.float32), (n, 1)),
        "score": np.full(n, 0.9, dtype=np.float32),
        "embedding": np.ones((n, dim), dtype=np.float32),
    }


def _engine() -> walkout.Engine:
    return walkout.Engine(walkout.sim.default_store())


def test_a_bad_embedding_names_the_field_and_row():
    e = _engine()
    b = _batch(3, 8)
    b["embedding"][1, 4] = np.nan
    with pytest.raises(walkout.InputError, match=r"person_detections\.embedding.*row 1"):
        e.ingest_person_detections(**b)
    b = _batch(3, 8)
    b["embedding"] = b["embedding"][:2]
    with pytest.raises(walkout.InputError, match=r"person_detections\.embedding.*3 rows of 8"):
        e.ingest_person_detections(**b)
    with pytest.raises(walkout.InputError, match=r"shape \(N, D\)"):
        e.ingest_person_detections(**{**_batch(3, 8), "embedding": np.ones(24, dtype=np.float32)})
    assert e.stats()["person_detections"]["received"] == 0


def test_one_embedding_length_per_engine():
    e = _engine()
    e.ingest_person_detections(**_batch(2, 8))
    with pytest.raises(walkout.InputError, match="length 8"):
        e.ingest_person_detections(**_batch(2, 16))
    e.ingest_person_detections(**_batch(2, 8))
    assert e.stats()["person_detections"]["received"] == 4


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def _snapshot_json(snapshot: bytes) -> object:
    # Magic, format version and checksum lines, then the JSON body.
    return json.loads(snapshot.split(b"\n", 3)[3])


def _half_replayed(config: walkout.StoreConfig) -> tuple[walkout.Engine, Session]:
    s = _session(CAMERA_SCENARIO, 0)
    engine = walkout.Engine(config)
    mid = (s.start_us + s.end_us) // 2
    for name in ("weights", "gates", "person_detections", "thermal_blobs"):
        cols = getattr(s, name)
        keep = cols["t_us"] <= mid
        ingest(engine, name, {k: v[keep] for k, v in cols.items()})
    engine.step()
    return engine, s


def test_snapshots_hold_no_embedding_unless_configured():
    s = _session(CAMERA_SCENARIO, 0)
    engine, _ = _half_replayed(s.config)
    assert "embedding" not in _keys(_snapshot_json(engine.snapshot()))
    walkout.Engine.restore(engine.snapshot()).finish()

    fusion = s.config.fusion.model_copy(update={"snapshot_embeddings": True})
    configured, _ = _half_replayed(s.config.model_copy(update={"fusion": fusion}))
    snap = configured.snapshot()
    assert "embedding" in _keys(_snapshot_json(snap))
    restored = walkout.Engine.restore(snap)
    assert restored.snapshot() == snap
