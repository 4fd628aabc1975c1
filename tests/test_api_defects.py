"""The public API behaves as a Python user expects: plain mappings as configs, result
objects that print, compare, pickle and convert like dataclasses, structured input
errors, clear refusals of odd arguments, and the shipped stores loadable from anywhere."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import walkout
from conftest import milk_visit
from walkout import _core

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_767_258_000_000_000


def _minimal_mapping() -> dict[str, Any]:
    return tomllib.loads(walkout.stores.minimal().read_text())


def _milk_visit(engine: walkout.Engine, *, until: int = 30) -> walkout.Engine:
    """One shopper checks in, takes a litre of milk from plate 0 and leaves (the
    integrator example's feed)."""
    for _ in milk_visit(engine, until):
        pass
    return engine


@pytest.fixture(scope="module")
def finished() -> walkout.Engine:
    engine = _milk_visit(walkout.Engine(walkout.stores.minimal()))
    engine.finish()
    return engine


@pytest.fixture(scope="module")
def mid_visit() -> walkout.Engine:
    """The shopper has taken the milk and not left: a cart, a track, one passage."""
    return _milk_visit(walkout.Engine(walkout.stores.minimal()), until=18)


# --- defect 1: a plain mapping is a config ------------------------------------------------


def test_engine_accepts_a_plain_mapping():
    engine = walkout.Engine(_minimal_mapping())
    assert engine.config == walkout.load_config(walkout.stores.minimal())
    assert walkout.StoreConfig.from_mapping(_minimal_mapping()) == engine.config


def test_an_invalid_mapping_is_a_config_error_naming_the_field():
    data = _minimal_mapping()
    data["products"][0]["price_cents"] = -1
    with pytest.raises(walkout.ConfigError) as info:
        walkout.Engine(data)
    assert [d.path for d in info.value.details] == ["products[0].price_cents"]


# --- defect 9: result objects are values ------------------------------------------------------


def _results(finished: walkout.Engine, mid_visit: walkout.Engine) -> dict[str, list[Any]]:
    found = {
        "Receipt": finished.receipts(),
        "ShelfEvent": finished.shelf_events(),
        "GatePassage": finished.gate_passages(),
        "Cart": mid_visit.carts(),
        "Track": mid_visit.tracks(),
    }
    found["ReceiptLine"] = [line for r in found["Receipt"] for line in r.lines]
    found["CartLine"] = [line for c in found["Cart"] for line in c.lines]
    found["Hypothesis"] = [h for e in found["ShelfEvent"] for h in e.hypotheses]
    found["ShopperScore"] = [s for e in found["ShelfEvent"] for s in e.shoppers]
    for name, items in found.items():
        assert items, f"the milk visit gives no {name}"
    found["HandOver"] = [_core.HandOver(T0, "MILK-1L", 1, 2, 3)]
    return found


def test_every_result_type_is_public_and_typed():
    public = {n for n in dir(_core) if isinstance(getattr(_core, n), type)} - {"Engine"}
    assert len(public) == 10
    stub = (ROOT / "python" / "walkout" / "_core.pyi").read_text()
    for name in public:
        assert getattr(walkout, name) is getattr(_core, name)
        assert name in walkout.__all__
        # Declared with the stub's private base of the result classes.
        assert f"class {name}(_Record):" in stub


def test_result_reprs_read_like_python(finished, mid_visit):
    for name, items in _results(finished, mid_visit).items():
        for item in items:
            text = repr(item)
            assert text.startswith(f"{name}("), text
            assert "object at 0x" not in text and "Some(" not in text, text
            # The repr is the constructor call that makes an equal object.
            assert eval(text, {**vars(_core)}) == item
    receipt = finished.receipts()[0]
    assert "token='acct-42'" in repr(receipt)


def test_results_compare_by_value_and_pickle(finished, mid_visit):
    for items in _results(finished, mid_visit).values():
        for item in items:
            twin = pickle.loads(pickle.dumps(item))
            assert twin == item and twin is not item
            assert not twin != item
            assert copy.deepcopy(item) == item
    assert finished.receipts() == finished.receipts()
    assert finished.shelf_events() == finished.shelf_events()
    a, b = _core.Hypothesis("MILK-1L", 1, 0.9), _core.Hypothesis("MILK-1L", 2, 0.9)
    assert a != b and a != "MILK-1L"


def test_results_hash_by_value_like_frozen_dataclasses(finished, mid_visit):
    for items in _results(finished, mid_visit).values():
        for item in items:
            twin = pickle.loads(pickle.dumps(item))
            assert hash(twin) == hash(item)
            assert len({item, twin}) == 1
    assert len(set(finished.receipts() + finished.receipts())) == len(finished.receipts())
    # Equal values hash alike, -0.0 and 0.0 included.
    assert hash(_core.Hypothesis("A", 1, 0.0)) == hash(_core.Hypothesis("A", 1, -0.0))
    assert hash(_core.Hypothesis("A", 1, 0.5)) != hash(_core.Hypothesis("A", 2, 0.5))


def test_to_dict_is_plain_data_with_nested_results_as_dicts(finished, mid_visit):
    for items in _results(finished, mid_visit).values():
        for item in items:
            d = item.to_dict()
            json.dumps(d)  # plain Python values only
            if not _nested(d):  # flat results: the dict is the constructor's arguments
                assert type(item)(**d) == item
    receipt = finished.receipts()[0]
    d = receipt.to_dict()
    assert d["token"] == "acct-42" and d["total_cents"] == 179
    assert d["lines"] == [line.to_dict() for line in receipt.lines]
    assert d["lines"][0]["sku"] == "MILK-1L" and d["lines"][0]["quantity"] == 1
    event = finished.shelf_events()[0].to_dict()
    assert event["hypotheses"][0] == finished.shelf_events()[0].hypotheses[0].to_dict()


def _nested(d: dict[str, Any]) -> bool:
    return any(isinstance(v, list) and v and isinstance(v[0], dict) for v in d.values())


def test_results_cross_a_process_boundary(finished):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        back = pool.map(_identity, finished.receipts())
    assert back == finished.receipts()


def _identity(x: Any) -> Any:
    return x


# --- defect 10: odd arguments are refused clearly --------------------------------------------


def test_trajectory_log_rate_must_be_zero_or_positive():
    for bad in (-1, -0.5, float("nan"), float("inf"), "10", True):
        with pytest.raises(walkout.InputError) as info:
            walkout.Engine(walkout.stores.minimal(), trajectory_log_hz=bad)
        assert info.value.field == "trajectory_log_hz"
        assert "trajectory_log_hz" in str(info.value)
    walkout.Engine(walkout.stores.minimal(), trajectory_log_hz=0)
    walkout.Engine(walkout.stores.minimal(), trajectory_log_hz=5)


def test_engine_of_none_says_what_a_config_is():
    with pytest.raises(TypeError, match="store config is a walkout.StoreConfig.*NoneType"):
        walkout.Engine(None)  # type: ignore[arg-type]


def test_config_text_where_a_path_belongs_is_described_not_echoed():
    text = walkout.load_config(walkout.stores.minimal()).to_core_json()
    assert len(text) > 2000
    with pytest.raises(walkout.ConfigError) as info:
        walkout.Engine(text)
    message = str(info.value)
    assert len(message) < 400, message
    assert "config text" in message and f"{len(text):,} characters" in message


def test_input_errors_carry_field_row_and_value():
    engine = walkout.Engine(walkout.stores.minimal())
    # Found by the core (Rust).
    with pytest.raises(walkout.InputError) as info:
        engine.ingest_weights(plate_id=[0, 99], t_us=[T0, T0], grams=[1.0, 2.0])
    err = info.value
    assert (err.field, err.row, err.value) == ("weights.plate_id", 1, "99")
    # Found in Python, before the core.
    with pytest.raises(walkout.InputError) as info:
        engine.ingest_gates(gate_id=[0, 1], t_us=[T0, T0], kind=["enter", "leave"])
    assert (info.value.field, info.value.row, info.value.value) == ("gates.kind", 1, "leave")
    with pytest.raises(walkout.InputError) as info:
        engine.ingest_weights(plate_id=[0, -1], t_us=[T0, T0], grams=[1.0, 2.0])
    assert (info.value.field, info.value.row, info.value.value) == ("weights.plate_id", 1, "-1")
    with pytest.raises(walkout.InputError) as info:
        engine.ingest_weights(plate_id=np.zeros((2, 2)), t_us=[T0, T0], grams=[1.0, 2.0])
    assert (info.value.field, info.value.row) == ("weights.plate_id", None)
    # Found by the binding: a gate kind code that is neither enter nor exit, and an
    # array the binding cannot read in place (the extension called directly).
    with pytest.raises(walkout.InputError) as info:
        engine.ingest_gates(gate_id=[0, 1], t_us=[T0, T0], kind=[0, 2])
    assert (info.value.field, info.value.row, info.value.value) == ("gates.kind", 1, "2")
    strided = np.zeros(4, np.uint32)[::2]
    with pytest.raises(walkout.InputError) as info:
        engine._core.ingest_weights(strided, np.zeros(2, np.int64), np.zeros(2))
    assert (info.value.field, info.value.row) == ("weights.plate_id", None)
    # The fields survive pickling (errors raised in worker processes).
    twin = pickle.loads(pickle.dumps(err))
    assert (twin.field, twin.row, twin.value, str(twin)) == (
        err.field,
        err.row,
        err.value,
        str(err),
    )


def test_config_errors_pickle_with_their_details():
    data = _minimal_mapping()
    data["currency"] = 5
    with pytest.raises(walkout.ConfigError) as info:
        walkout.Engine(data)
    twin = pickle.loads(pickle.dumps(info.value))
    assert twin.details == info.value.details and str(twin) == str(info.value)


def test_unknown_config_keys_get_a_did_you_mean():
    data = _minimal_mapping()
    data["nmae"] = data.pop("name")
    data["fusion"] = {"latenes_s": 1.0}
    data["gates"][0]["radius"] = 1.0
    with pytest.raises(walkout.ConfigError) as info:
        walkout.Engine(data)
    messages = {d.path: d.message for d in info.value.details}
    assert "did you mean 'name'?" in messages["nmae"]
    assert "did you mean 'lateness_s'?" in messages["fusion.latenes_s"]
    assert "did you mean 'radius_m'?" in messages["gates[0].radius"]
    assert "did you mean" in str(info.value)


def test_simulate_refuses_a_seed_that_is_not_an_integer():
    from walkout.sim import simulate

    for bad in (1.5, "1", -1, 2**64, True):
        with pytest.raises(walkout.InputError) as info:
            simulate("single-picks", bad)  # type: ignore[arg-type]
        assert info.value.field == "seed"


# --- the shipped stores ----------------------------------------------------------------------


def test_shipped_stores_load_from_any_folder(tmp_path):
    code = (
        "import walkout; "
        "print(walkout.Engine(walkout.stores.minimal()).config.name, "
        "[walkout.load_config(walkout.stores.path(n)).name for n in walkout.stores.NAMES])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("Minimal walkout store")
    with pytest.raises(ValueError, match="minimal, convenience, large"):
        walkout.stores.path("tiny")


def test_ingest_columns_are_named_and_positional_ones_warn():
    """The modalities order their columns differently (weights start with the plate,
    positions with the time): the columns are keyword arguments; positional ones still
    work for one release, with a DeprecationWarning naming the keywords."""
    t0 = 1_767_258_000_000_000
    named = walkout.Engine(walkout.stores.minimal())
    named.ingest_weights(plate_id=[0], t_us=[t0], grams=[2400.0])
    old = walkout.Engine(walkout.stores.minimal())
    with pytest.warns(DeprecationWarning, match=r"plate_id=\.\.\., t_us=\.\.\., grams=\.\.\."):
        old.ingest_weights([0], [t0], [2400.0])
    assert old.stats()["weights"] == named.stats()["weights"]
    with pytest.raises(TypeError, match="got 'grams' twice"):
        old.ingest_weights([0], [t0], [1.0], grams=[1.0])
    with pytest.raises(TypeError, match="at most 3 columns"):
        old.ingest_weights([0], [t0], [1.0], [2.0])
