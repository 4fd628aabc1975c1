"""walkout.vision.from_supervision against the real supervision package."""

from __future__ import annotations

import numpy as np
import pytest

import walkout
from walkout.vision import from_supervision
from walkout.vision.columns import person_detections

sv = pytest.importorskip("supervision")


@pytest.fixture(scope="module")
def frame():
    """One camera frame of a simulated session with several people in view."""
    from walkout.sim import simulate

    session = simulate("two-shoppers-putback", 0)
    cols = person_detections(session)
    keys, counts = np.unique(
        np.stack([cols["camera_id"], cols["t_us"]]), axis=1, return_counts=True
    )
    camera, t = keys[:, np.argmax(counts)]
    rows = (cols["camera_id"] == camera) & (cols["t_us"] == t)
    assert rows.sum() >= 2
    return session, int(camera), int(t), {k: v[rows] for k, v in cols.items()}


def test_detections_and_keypoints_become_the_engine_columns(frame):
    session, camera, t, cols = frame
    n = len(cols["t_us"])
    # A detector that also saw a chair (class 56): only people are kept.
    xyxy = np.concatenate([cols["bbox"], [[10, 10, 50, 50]]]).astype(np.float32)
    detections = sv.Detections(
        xyxy=xyxy,
        confidence=np.concatenate([cols["score"], [0.99]]),
        class_id=np.array([0] * n + [56]),
    )
    kp = np.concatenate([cols["keypoints"], np.zeros((1, 17, 3), np.float32)])
    keypoints = sv.KeyPoints(xy=kp[..., :2], keypoint_confidence=kp[..., 2])
    got = from_supervision(detections, np.uint32(camera), t, keypoints=keypoints)
    assert set(got) == {"camera_id", "t_us", "bbox", "score", "keypoints"}
    for name, want in cols.items():
        np.testing.assert_array_equal(got[name], want.astype(got[name].dtype), err_msg=name)
    assert got["camera_id"].dtype == np.uint32 and got["keypoints"].shape == (n, 17, 3)

    engine = walkout.Engine(session.config)
    engine.ingest_person_detections(**got)
    assert engine.stats()["person_detections"]["received"] == n


def test_keypoints_without_confidences_mark_unseen_joints_by_zero(frame):
    _, camera, t, cols = frame
    xy = cols["keypoints"][..., :2].copy()
    xy[0, 5] = 0.0
    detections = sv.Detections(xyxy=cols["bbox"], confidence=cols["score"])
    got = from_supervision(detections, camera, t, keypoints=sv.KeyPoints(xy=xy))
    assert got["keypoints"][0, 5, 2] == 0.0
    assert got["keypoints"][0, 6, 2] == (1.0 if xy[0, 6].any() else 0.0)


def test_detections_without_scores_or_classes_and_embeddings(frame):
    _, camera, t, cols = frame
    n = len(cols["t_us"])
    emb = np.random.default_rng(0).normal(size=(n, 8)).astype(np.float32)
    got = from_supervision(sv.Detections(xyxy=cols["bbox"]), camera, t, embedding=emb)
    np.testing.assert_array_equal(got["score"], np.ones(n, np.float32))
    np.testing.assert_array_equal(got["embedding"], emb)
    assert "keypoints" not in got


def test_empty_detections_give_empty_columns(frame):
    session, camera, t, _ = frame
    got = from_supervision(sv.Detections.empty(), camera, t)
    assert got["bbox"].shape == (0, 4) and len(got["t_us"]) == 0
    walkout.Engine(session.config).ingest_person_detections(**got)


def test_bad_arguments_name_the_field(frame):
    _, camera, t, cols = frame
    detections = sv.Detections(xyxy=cols["bbox"], confidence=cols["score"])
    with pytest.raises(walkout.InputError) as info:
        from_supervision(detections, -1, t)
    assert info.value.field == "person_detections.camera_id"
    with pytest.raises(walkout.InputError) as info:
        from_supervision(detections, camera, 1.5)
    assert info.value.field == "person_detections.t_us"
    with pytest.raises(walkout.InputError, match="17 COCO joints"):
        from_supervision(
            detections, camera, t, keypoints=sv.KeyPoints(xy=np.zeros((len(cols["t_us"]), 5, 2)))
        )
    with pytest.raises(walkout.InputError, match="supervision.Detections"):
        from_supervision(cols, camera, t)
