"""The modality registry: one definition per sensor stream, read by sessions, the
simulator wrapper, replay and the recorder; and replay refusing sensor names it does
not know instead of feeding nothing."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import walkout
from walkout import modalities
from walkout.modalities import REGISTRY
from walkout.replay import SENSOR_SETS, feed, replay, sensor_set
from walkout.session import Session
from walkout.sim import simulate


@cache
def _session() -> Session:
    return simulate("single-picks", 0)


def _positions_only(s: Session) -> Session:
    keep = {n: s.streams[n] for n in ("weights", "positions", "gates")}
    return Session(config=s.config, meta=s.meta, truth=s.truth, streams=keep)


def test_the_simulator_writes_every_registered_column_with_its_dtype():
    s = _session()
    assert set(s.streams) == set(REGISTRY)
    for name, m in REGISTRY.items():
        cols = s.streams[name]
        assert set(cols) - set(m.optional_columns) == {c.name for c in m.columns}, name
        assert len(cols["t_us"]) > 0, name
        for c in m.columns:
            if c.shape:
                assert cols[c.name].shape[1:] == c.shape, (name, c.name)


def test_session_files_hold_the_registry_schemas(tmp_path: Path):
    s = _session()
    s.write(tmp_path)
    for name, m in REGISTRY.items():
        schema = pq.read_schema(tmp_path / f"{name}.parquet")
        for c in m.columns:
            assert schema.field(c.name).type.equals(c.type), (name, c.name)
    back = Session.read(tmp_path)
    for name in REGISTRY:
        assert len(back.streams[name]["t_us"]) == len(s.streams[name]["t_us"])


def test_an_empty_modality_reads_back_with_the_dtypes_of_a_full_one():
    s = _session()
    for name, m in REGISTRY.items():
        empty = m.empty()
        for col, values in empty.items():
            assert len(values) == 0
            assert values.dtype == s.streams[name][col].dtype, (name, col)


def test_a_session_lacking_a_modality_reads_it_as_empty():
    s = _positions_only(_session())
    assert len(s.thermal_blobs["t_us"]) == 0
    assert s.person_detections["keypoints"].shape == (0, 17, 3)


def test_a_session_refuses_an_unknown_modality():
    s = _session()
    with pytest.raises(ValueError, match="did you mean 'weights'"):
        Session(config=s.config, weigths=s.weights)


def test_sensor_sets_are_derived_from_the_registry():
    assert SENSOR_SETS["positions"] == ("weights", "positions", "gates")
    assert SENSOR_SETS["all"] == (
        "weights",
        "gates",
        "person_detections",
        "product_detections",
        "thermal_blobs",
        "rfid_reads",
    )
    for name, mods in SENSOR_SETS.items():
        # one tracker per set: positions and camera data never go together
        assert ("positions" in mods) != any(REGISTRY[m].tracks_shoppers for m in mods), name


def test_a_misspelled_modality_is_refused_naming_the_nearest():
    s = _session()
    with pytest.raises(ValueError, match=r"unknown modality 'weigths'; did you mean 'weights'"):
        replay(s, sensors=["weigths", "gates", "positions"])
    with pytest.raises(ValueError, match="unknown sensor set 'camera'; did you mean 'cameras'"):
        sensor_set(s, "camera")


def test_feed_refuses_an_unknown_modality_before_feeding_anything():
    s = _session()
    engine = walkout.Engine(s.config)
    with pytest.raises(ValueError, match="unknown modality 'holograms'"):
        feed(engine, {"weights": s.weights, "holograms": {"t_us": np.array([1])}})
    assert engine.stats()["weights"]["received"] == 0
    assert not engine.finished


def test_cameras_on_a_session_without_camera_data_is_refused():
    s = _positions_only(_session())
    with pytest.raises(ValueError, match="no person detections or thermal blobs"):
        replay(s, sensors="cameras")
    # auto falls back to the positions the session has
    assert sensor_set(s, "auto") == SENSOR_SETS["positions"]


def test_ingest_passes_composed_columns_as_one_argument():
    s = _session()
    args = modalities.REGISTRY["thermal_blobs"].engine_arguments(s.thermal_blobs)
    assert args["centroid"].shape == (len(s.thermal_blobs["t_us"]), 2)
    np.testing.assert_array_equal(args["centroid"][:, 1], s.thermal_blobs["cy"])
    args = modalities.REGISTRY["person_detections"].engine_arguments(s.person_detections)
    assert list(args) == ["camera_id", "t_us", "bbox", "score", "keypoints", "embedding"]


def test_replay_hooks_see_every_batch_and_step():
    s = _session()
    seen: dict[str, int] = {}
    steps = []

    def on_batch(name: str, args: dict) -> None:
        seen[name] = seen.get(name, 0) + len(args["t_us"])

    engine = replay(s, sensors="positions", on_batch=on_batch, on_step=lambda: steps.append(1))
    assert seen == {n: len(s.streams[n]["t_us"]) for n in SENSOR_SETS["positions"]}
    assert len(steps) >= (s.end_us - s.start_us) // 1_000_000
    assert engine.finished
