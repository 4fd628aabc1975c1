"""The simulator from Python: every preset gives a session that replays, and the new
sensor streams and truth tables are physically consistent and survive the disk."""

from __future__ import annotations

import functools
from collections import Counter

import numpy as np
import pytest

from walkout.config import StoreConfig, parse_config
from walkout.errors import ConfigError
from walkout.replay import replay
from walkout.session import Session
from walkout.sim import scenarios, simulate, store_for

NAMES = [s["name"] for s in scenarios()]


@functools.cache
def _sim(scenario: str, seed: int = 1) -> Session:
    # scale-large is an hour by default; half a minute of arrivals is enough here.
    duration = 30.0 if scenario == "scale-large" else None
    return simulate(scenario, seed, duration_s=duration)


def test_catalogue_covers_the_tiers_and_names_its_store():
    assert {s["tier"] for s in scenarios()} == {1, 2, 3, 4, 5}
    assert {"single-picks", "two-shoppers-putback", "scale-large"} <= set(NAMES)
    assert len(NAMES) == 15
    by_name = {s["name"]: s for s in scenarios()}
    assert by_name["scale-large"]["store"] == "large"
    assert by_name["scale-large"]["duration_s"] == 3600.0
    assert "camera blackout" in by_name["sensor-faults"]["faults"]
    assert by_name["single-picks"]["faults"] == []
    assert sum(1 for _ in store_for("scale-large").plates()) == 1008
    assert len(store_for("scale-large").cameras) == 64
    assert sum(1 for _ in store_for("single-picks").plates()) == 360


@pytest.mark.parametrize("scenario", NAMES)
def test_every_preset_writes_a_session_that_replays(scenario, tmp_path):
    s = _sim(scenario)
    back = Session.read(s.write(tmp_path / scenario))
    assert back.meta["scenario"] == scenario
    for name in ("person_detections", "product_detections", "thermal_blobs", "rfid_reads"):
        for col, values in getattr(s, name).items():
            np.testing.assert_array_equal(getattr(back, name)[col], values, err_msg=col)
    engine = replay(back, chunk_s=2.0)
    assert engine.finished
    shoppers = len(s.truth["shoppers"]["shopper"])
    assert shoppers >= 1
    # Everyone who entered has left by the end: the engine saw every exit.
    assert len(engine.receipts()) >= 1


def _initial_stock(config: StoreConfig) -> Counter[str]:
    stock: Counter[str] = Counter()
    for e in config.planogram:
        stock[e.sku] += e.count
    return stock


@pytest.mark.parametrize("scenario", ["adversarial-crowd", "hand-over", "wrong-plate-put-back"])
def test_items_are_conserved(scenario):
    s = _sim(scenario)
    t = s.truth
    after: Counter[str] = Counter()
    for sku, count in zip(t["final_stock"]["sku"], t["final_stock"]["count"], strict=True):
        after[str(sku)] += int(count)
    # Carts at the end (every shopper has left): the last cart state per (shopper, sku).
    cart: dict[tuple[int, str], int] = {}
    c = t["cart_changes"]
    for who, sku, q in zip(c["shopper"], c["sku"], c["quantity"], strict=True):
        cart[int(who), str(sku)] = int(q)
    receipts: Counter[str] = Counter()
    for who, sku, q in zip(
        t["receipts"]["shopper"], t["receipts"]["sku"], t["receipts"]["quantity"], strict=True
    ):
        receipts[str(sku)] += int(q)
        assert cart[int(who), str(sku)] == int(q)
    assert +(after + receipts) == +_initial_stock(s.config)


def test_weight_steps_match_the_actions():
    s = _sim("pick-put-back")
    w = s.weights
    noise = {p.id: p.sensor.noise_std_g for _, _, p in s.config.plates()}
    a = s.truth["actions"]
    for i in range(len(a["shopper"])):
        plate = int(a["plate_id"][i])
        mask = w["plate_id"] == plate
        t, g = w["t_us"][mask], w["grams"][mask]
        before = g[(t >= a["t_start_us"][i] - 1_000_000) & (t < a["t_start_us"][i])]
        after = g[(t > a["t_end_us"][i]) & (t <= a["t_end_us"][i] + 1_000_000)]
        step = after.mean() - before.mean()
        tol = 4.5 * noise[plate] * np.sqrt(1 / len(before) + 1 / len(after)) + 0.5
        assert abs(step - a["grams"][i]) <= tol, (i, step, a["grams"][i])


def test_visible_keypoints_lie_inside_the_image():
    s = _sim("crowd")
    d = s.person_detections
    size = {c.id: (c.width, c.height) for c in s.config.cameras}
    kp = d["keypoints"]
    assert kp.shape == (len(d["t_us"]), 17, 3) and kp.dtype == np.float32
    w = np.array([size[int(c)][0] for c in d["camera_id"]])[:, None]
    h = np.array([size[int(c)][1] for c in d["camera_id"]])[:, None]
    seen = kp[:, :, 2] > 0
    assert seen.sum() > 1000
    x, y = kp[:, :, 0], kp[:, :, 1]
    assert np.all((x >= 0) & (x < w) & (y >= 0) & (y < h) | ~seen)
    assert np.all((d["x2"] > d["x1"]) & (d["y2"] > d["y1"]))
    boxes = s.truth["person_boxes"]
    assert len(boxes["t_us"]) >= len(d["t_us"]) * 0.9
    assert np.all((boxes["visible"] >= 0) & (boxes["visible"] <= 1))


def test_rfid_reads_carry_sgtin96_epcs_of_tagged_products():
    s = _sim("single-picks")
    r = s.rfid_reads
    assert len(r["epc"]) > 100
    tags = dict(zip(s.truth["tags"]["epc"], s.truth["tags"]["sku"], strict=True))
    tagged = {p.sku for p in s.config.products if p.rfid}
    for epc in set(r["epc"]):
        assert len(epc) == 24 and epc.startswith("30") and epc == epc.upper()
        assert tags[epc] in tagged


def test_truth_tables_describe_the_hard_cases():
    a = _sim("adversarial-crowd").truth["actions"]
    assert set(a["kind"]) >= {"pick"}
    confusing = np.mean(a["confusion"] != "")
    assert 0.25 <= confusing <= 0.6
    h = _sim("hand-over").truth["actions"]
    over = h["kind"] == "hand_over"
    assert over.sum() == 1
    assert h["plate_id"][over][0] == -1 and h["receiver"][over][0] >= 0
    assert np.all(h["receiver"][~over] == -1)
    d = _sim("sensor-faults").truth["disturbances"]
    assert {"plate_dropout", "camera_blackout", "strong_drift"} <= set(d["kind"])


def test_gtin_is_validated_and_required_for_rfid():
    doc = store_for().model_dump(mode="json")
    i = next(k for k, p in enumerate(doc["products"]) if p["rfid"])
    doc["products"][i]["gtin"] = None
    with pytest.raises(ConfigError, match=rf"products\[{i}\]\.gtin: an RFID-tagged product"):
        parse_config(doc)
    good = doc["products"][i]["gtin"] = "04012345000016"
    assert parse_config(doc).products[i].gtin == good
    doc["products"][i]["gtin"] = "04012345000019"
    with pytest.raises(ConfigError, match="check digit 9, expected 6"):
        parse_config(doc)
    doc["products"][i]["gtin"] = "4012345000016"
    with pytest.raises(ConfigError, match="14 digits"):
        parse_config(doc)


def test_session_without_the_new_sensor_files_still_reads(tmp_path):
    s = _sim("single-picks")
    d = s.write(tmp_path / "s")
    for name in ("person_detections", "product_detections", "thermal_blobs", "rfid_reads"):
        (d / f"{name}.parquet").unlink()
    back = Session.read(d)
    assert back.person_detections["keypoints"].shape == (0, 17, 3)
    assert len(back.rfid_reads["epc"]) == 0
    np.testing.assert_array_equal(back.weights["grams"], s.weights["grams"])


def test_one_body_at_a_time_stands_at_the_entry_gate():
    """Shoppers check in one after another, as at a turnstile: when one scans, whoever
    entered before has stepped away from the gate (without this rule, the next one
    appeared on the spot of the one still pausing there, two bodies in one place)."""
    s = simulate("scale-large", 1, duration_s=240)
    assert s.truth is not None
    gate = np.array(s.config.gates[0].position)
    tr, sh = s.truth["trajectories"], s.truth["shoppers"]
    frames = np.unique(tr["t_us"])
    checked = 0
    for who, enter in zip(sh["shopper"], sh["enter_us"], strict=True):
        f = frames[min(np.searchsorted(frames, enter), len(frames) - 1)]
        at = (tr["t_us"] == f) & (tr["shopper"] != who)
        earlier = np.isin(tr["shopper"], sh["shopper"][sh["enter_us"] < enter])
        d = np.hypot(tr["x"][at & earlier] - gate[0], tr["y"][at & earlier] - gate[1])
        # 0.7 m from the gate's point; a frame's rounding and a side step allow less.
        assert d.size == 0 or d.min() > 0.5, (int(who), float(d.min()))
        checked += 1
    assert checked > 50
