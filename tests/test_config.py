"""Store configuration: loading, validation errors, round trips, the example stores, CLI."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from walkout.cli import main
from walkout.config import (
    Product,
    StoreConfig,
    config_schema,
    load_config,
    parse_config,
)
from walkout.errors import ConfigError, ErrorDetail

STORES = Path(__file__).resolve().parents[1] / "examples" / "stores"
CONVENIENCE = STORES / "convenience.toml"
MINIMAL = STORES / "minimal.toml"


@pytest.fixture(scope="session")
def _convenience_raw() -> dict[str, Any]:
    # The generated core JSON of the convenience store (the same store as the TOML).
    return json.loads((STORES / "convenience.json").read_text(encoding="utf-8"))


@pytest.fixture
def store(_convenience_raw: dict[str, Any]) -> dict[str, Any]:
    """A fresh, mutable copy of the convenience store document."""
    return copy.deepcopy(_convenience_raw)


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at an error-style path such as ``gondolas[0].shelves[1].min``."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path):
        parts.append(name if name else int(index))
    target: Any = doc
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = value


def _get(doc: dict[str, Any], path: str) -> Any:
    target: Any = doc
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path):
        target = target[name if name else int(index)]
    return target


def problems(doc: dict[str, Any]) -> list[ErrorDetail]:
    with pytest.raises(ConfigError) as info:
        parse_config(doc)
    assert info.value.details, "a ConfigError must list its problems"
    return info.value.details


def problem_at(doc: dict[str, Any], path: str) -> ErrorDetail:
    details = problems(doc)
    found = [d for d in details if d.path == path]
    assert found, f"no problem reported at {path}; got {[str(d) for d in details]}"
    return found[0]


# --- the example stores -----------------------------------------------------------------


def test_minimal_store_loads() -> None:
    cfg = load_config(MINIMAL)
    assert len(cfg.products) == 6
    assert [len(s.plates) for g in cfg.gondolas for s in g.shelves] == [4, 4, 4]
    assert cfg.cameras == [] and cfg.thermal_cameras == []
    assert sorted(g.kind for g in cfg.gates) == ["entry", "exit"]
    assert cfg.floor == (6.0, 5.0)
    # Sensors left out of the file take the defaults shared with the Rust core.
    _, _, plate = next(cfg.plates())
    assert (plate.sensor.noise_std_g, plate.sensor.rate_hz) == (5.0, 60.0)


def test_minimal_store_is_commented() -> None:
    text = MINIMAL.read_text(encoding="utf-8")
    for unit in ("metres", "grams", "seconds", "cents"):
        assert unit in text


def test_convenience_store_shape() -> None:
    cfg = load_config(CONVENIENCE)
    plates = [p for _, _, p in cfg.plates()]
    assert len(cfg.gondolas) == 5
    assert all(len(g.shelves) == 6 for g in cfg.gondolas)
    assert len(plates) == 360
    assert 25 <= len(cfg.products) <= 40
    assert len(cfg.cameras) == 8 and len(cfg.thermal_cameras) == 2
    fx, fy = cfg.floor
    assert 12 <= fx <= 16 and 9 <= fy <= 13

    for p in plates:
        width = p.max[1] - p.min[1] if p.front in ("+x", "-x") else p.max[0] - p.min[0]
        depth = p.max[0] - p.min[0] if p.front in ("+x", "-x") else p.max[1] - p.min[1]
        assert width == pytest.approx(0.30) and depth == pytest.approx(0.45)
    heights = sorted({p.min[2] for p in plates})
    assert heights[0] == pytest.approx(0.15, abs=0.05)
    assert heights[-1] == pytest.approx(1.75, abs=0.05)

    # One sku per plate, realistic counts.
    assert sorted(e.plate for e in cfg.planogram) == sorted(p.id for p in plates)
    assert all(6 <= e.count <= 15 for e in cfg.planogram)

    # Mostly 3-8 g of sensor noise, a few worse load cells.
    noise = [p.sensor.noise_std_g for p in plates]
    noisy = [n for n in noise if n >= 12]
    assert 1 <= len(noisy) <= 20 and all(n <= 15 for n in noisy)
    assert all(3 <= n <= 8 for n in noise if n < 12)

    # Pairs of different products with nearly equal unit weight.
    weights = sorted(p.weight_g for p in cfg.products)
    close = [(a, b) for a, b in zip(weights, weights[1:], strict=False) if b - a <= 2.0]
    assert len(close) >= 2
    assert 2 <= sum(p.rfid for p in cfg.products) < len(cfg.products)


def _inside(point: tuple[float, float], lo: Any, hi: Any, margin: float = 0.0) -> bool:
    return all(lo[k] - margin <= point[k] <= hi[k] + margin for k in range(2))


def test_convenience_store_layout() -> None:
    cfg = load_config(CONVENIENCE)
    plates = [p for _, _, p in cfg.plates()]
    fx, fy = cfg.floor
    normal = {"+x": (1.0, 0.0), "-x": (-1.0, 0.0), "+y": (0.0, 1.0), "-y": (0.0, -1.0)}

    # In front of every plate: an aisle at least 1.4 m wide, free of other plates.
    for p in plates:
        nx, ny = normal[p.front]
        cx, cy = (p.min[0] + p.max[0]) / 2, (p.min[1] + p.max[1]) / 2
        hx, hy = (p.max[0] - p.min[0]) / 2, (p.max[1] - p.min[1]) / 2
        for step in (0.05, 0.7, 1.4):
            x, y = cx + nx * (abs(nx) * hx + step), cy + ny * (abs(ny) * hy + step)
            assert 0 < x < fx and 0 < y < fy, f"plate {p.id}: aisle leaves the floor"
            assert not any(_inside((x, y), q.min, q.max) for q in plates), (
                f"plate {p.id}: aisle blocked {step} m in front"
            )

    # A walkway of at least 1.5 m between the gondola block and the walls.
    lo = [min(p.min[k] for p in plates) for k in range(2)]
    hi = [max(p.max[k] for p in plates) for k in range(2)]
    assert min(lo[0], lo[1], fx - hi[0], fy - hi[1]) >= 1.5

    # Gates on the walkway near the two front corners; entry and exit on opposite sides.
    entry = next(g for g in cfg.gates if g.kind == "entry")
    exit_ = next(g for g in cfg.gates if g.kind == "exit")
    for gate in (entry, exit_):
        assert not _inside(gate.position, lo, hi, margin=0.5)
        assert gate.position[1] < lo[1]
    assert entry.position[0] < fx / 2 < exit_.position[0]

    # The exit antenna zone contains the exit gate; shelf zones cover every rfid plate.
    antennas = [a for r in cfg.rfid_readers for a in r.antennas]
    exit_zones = [a for a in antennas if a.kind == "exit"]
    assert len(exit_zones) == 1 and _inside(exit_.position, exit_zones[0].min, exit_zones[0].max)
    rfid_skus = {p.sku for p in cfg.products if p.rfid}
    by_id = {p.id: p for p in plates}
    for entry_ in cfg.planogram:
        if entry_.sku in rfid_skus:
            plate = by_id[entry_.plate]
            assert any(
                all(a.min[k] <= plate.min[k] and plate.max[k] <= a.max[k] for k in range(3))
                for a in antennas
                if a.kind == "shelf"
            ), f"rfid plate {plate.id} is outside every shelf antenna zone"


def test_convenience_cameras_look_down_from_the_ceiling() -> None:
    cfg = load_config(CONVENIENCE)
    for cam in cfg.cameras:
        r, t = cam.rotation, cam.translation
        centre = [-sum(r[i][k] * t[i] for i in range(3)) for k in range(3)]  # C = -R^T t
        assert centre[2] == pytest.approx(3.0, abs=0.5)
        assert r[2][2] < -0.3, "the optical axis must point down"
        assert (cam.width, cam.height) == (1920, 1080)
        assert 800 < cam.intrinsics[0][0] < 2000
        assert 0.01 <= abs(cam.distortion[0]) <= 0.1


# --- error kinds ------------------------------------------------------------------------

G0S0 = "gondolas[0].shelves[0]"


class Contains(str):
    """An expected value that only has to appear in the reported one (e.g. a matrix)."""


def assert_value(reported: str, expected: str) -> None:
    if isinstance(expected, Contains):
        assert expected in reported, f"{expected!r} not in {reported!r}"
    else:
        assert reported == expected


def case(where: str, new: Any, value: str, message: str, at: str | None = None) -> Any:
    """Set ``where`` to ``new``; expect a problem at ``at`` (default ``where``)."""
    return pytest.param(where, new, at or where, value, message, id=f"{where}={new!r}")


P1 = f"{G0S0}.plates[1]"
K_BAD = [[1100.0, 0.0, 960.0], [0.0, 1100.0, 540.0]]
H_SINGULAR = [[0.01, 0.0, 1.0], [0.02, 0.0, 2.0], [0.0, 0.0, 1.0]]

FIELD_CASES = [
    case("products[1].weight_g", -5.0, "-5.0", "greater than 0"),
    case("products[1].weight_g", 0, "0", "greater than 0"),
    case("products[2].weight_std_g", -0.5, "-0.5", "greater than or equal to 0"),
    case("products[3].price_cents", -1, "-1", "greater than or equal to 0"),
    case("products[0].weight_g", math.inf, "Infinity", "finite"),
    case(f"{P1}.min", [4.0, 4.0, 0.5], "[4.45, 4.3, 0.43]", "on z", at=f"{P1}.max"),
    case(f"{P1}.front", "x", '"x"', "'+x'"),
    case("cameras[0].intrinsics", K_BAD, json.dumps(K_BAD), "3x3"),
    case(
        "cameras[1].intrinsics[0][0]", -1.0, Contains("[[-1.0, 0.0,"), "fx", "cameras[1].intrinsics"
    ),
    case(
        "cameras[1].intrinsics[2]",
        [0, 0, 2],
        Contains("[0, 0, 2]]"),
        "last row",
        "cameras[1].intrinsics",
    ),
    case(
        "cameras[2].rotation[0][0]",
        1.001,
        Contains("[[1.001, 0.0,"),
        "not orthonormal",
        "cameras[2].rotation",
    ),
    case("thermal_cameras[1].homography", H_SINGULAR, json.dumps(H_SINGULAR), "singular"),
    case("rfid_readers[0].antennas[0].max", [11.0, 2.3, 2.2], "[11.0, 2.3, 2.2]", "on x"),
    case("gates[0].kind", "door", '"door"', "'entry'"),
    case("fusion", {"lateness_s": -1.0}, "-1.0", "greater than or equal to 0", "fusion.lateness_s"),
    case("fusion", {"stable_window_s": 0}, "0", "greater than 0", "fusion.stable_window_s"),
    case("fusion", {"merge_window_s": -2.0}, "-2.0", "greater than 0", "fusion.merge_window_s"),
    case(
        "fusion",
        {"review_confidence": 1.5},
        "1.5",
        "less than or equal to 1",
        "fusion.review_confidence",
    ),
    case("fusion", {"max_quantity": 0}, "0", "greater than or equal to 1", "fusion.max_quantity"),
    case("fusion", {"lateness": 2.0}, "2.0", "Extra inputs", "fusion.lateness"),
]


@pytest.mark.parametrize(("where", "new", "path", "value", "message"), FIELD_CASES)
def test_field_problems(
    store: dict[str, Any], where: str, new: Any, path: str, value: str, message: str
) -> None:
    _set(store, where, new)
    detail = problem_at(store, path)
    assert_value(detail.value, value)
    assert message in detail.message


def test_reflection_is_not_a_rotation(store: dict[str, Any]) -> None:
    rot = store["cameras"][3]["rotation"]
    rot[2] = [-v for v in rot[2]]
    detail = problem_at(store, "cameras[3].rotation")
    assert "determinant -1" in detail.message and "1e-05" in detail.message


def test_rotation_within_tolerance_is_accepted(store: dict[str, Any]) -> None:
    store["cameras"][0]["rotation"][1][1] += 1e-7
    parse_config(store)


@pytest.mark.parametrize(
    ("where", "new", "path", "value", "message"),
    [
        case("products[1].sku", "COLA-330", '"COLA-330"', "first used at products[0].sku"),
        case("gondolas[3].id", 1, "1", "duplicate gondola id"),
        case("gondolas[2].shelves[4].id", 2, "2", "duplicate shelf id in gondola 2"),
        case(
            "gondolas[4].shelves[5].plates[11].id",
            7,
            "7",
            "duplicate plate id (plate ids are unique across the store), "
            "first used at gondolas[0].shelves[0].plates[7].id",
        ),
        case("cameras[5].id", 0, "0", "duplicate camera id"),
        case("thermal_cameras[1].id", 0, "0", "duplicate thermal camera id"),
        case("rfid_readers[1].id", 0, "0", "duplicate rfid reader id"),
        case("rfid_readers[1].antennas[2].id", 0, "0", "duplicate antenna id in rfid reader 1"),
        case("gates[1].id", 0, "0", "duplicate gate id"),
        case("planogram[3].sku", "NOPE-1", '"NOPE-1"', "unknown sku"),
        case("planogram[5].plate", 9999, "9999", "unknown plate"),
        case(
            "gondolas[4].shelves[0].plates[0].max",
            [14.5, 3.9, 0.43],
            "[14.5, 3.9, 0.43]",
            "outside the floor",
        ),
        case("gates[1].position", [15.0, 1.5], "[15.0, 1.5]", "outside the floor"),
    ],
)
def test_store_wide_problems(
    store: dict[str, Any], where: str, new: Any, path: str, value: str, message: str
) -> None:
    _set(store, where, new)
    detail = problem_at(store, path)
    assert detail.value == value
    assert message in detail.message


def test_overlapping_plates_name_both_ids(store: dict[str, Any]) -> None:
    plate = _get(store, f"{G0S0}.plates[1]")
    plate["min"][1] -= 0.1  # reaches 10 cm into plate 0
    detail = problem_at(store, f"{G0S0}.plates[1]")
    assert detail.value == "1"
    assert "plate 1 overlaps plate 0" in detail.message
    assert f"{G0S0}.plates[0]" in detail.message


def test_touching_plates_do_not_overlap(store: dict[str, Any]) -> None:
    # The convenience store's neighbouring plates share faces; it validates (see above),
    # and a shared face computed with rounding error still does.
    plate = _get(store, f"{G0S0}.plates[0]")
    plate["max"][1] += 1e-12
    parse_config(store)


@pytest.mark.parametrize("kind", ["entry", "exit"])
def test_store_needs_both_gate_kinds(store: dict[str, Any], kind: str) -> None:
    store["gates"] = [g for g in store["gates"] if g["kind"] != kind]
    detail = problem_at(store, "gates")
    other = "exit" if kind == "entry" else "entry"
    assert detail.value == f'["{other}"]'
    assert f"at least one {kind} gate" in detail.message


def test_duplicate_planogram_entry(store: dict[str, Any]) -> None:
    store["planogram"].append(dict(store["planogram"][0]))
    detail = problem_at(store, f"planogram[{len(store['planogram']) - 1}].sku")
    assert "already lists this sku at planogram[0]" in detail.message


def test_every_problem_is_reported(store: dict[str, Any]) -> None:
    _set(store, "products[0].weight_g", -1.0)
    _set(store, "products[4].price_cents", -10)
    _set(store, "cameras[0].rotation[0][0]", 2.0)
    _set(store, "fusion", {"review_confidence": -0.1})
    paths = {d.path for d in problems(store)}
    assert paths == {
        "products[0].weight_g",
        "products[4].price_cents",
        "cameras[0].rotation",
        "fusion.review_confidence",
    }


def test_every_store_wide_problem_is_reported(store: dict[str, Any]) -> None:
    _set(store, "planogram[0].sku", "NOPE")
    _set(store, "planogram[1].plate", 12345)
    _set(store, "gates[1].id", 0)
    store["gates"][1]["kind"] = "entry"
    paths = {d.path for d in problems(store)}
    assert {"planogram[0].sku", "planogram[1].plate", "gates[1].id", "gates"} <= paths


def test_message_lists_path_message_and_value(store: dict[str, Any]) -> None:
    _set(store, "planogram[3].sku", "NOPE-1")
    _set(store, "products[1].weight_g", -5.0)
    with pytest.raises(ConfigError) as info:
        parse_config(store, source="store.toml")
    text = str(info.value)
    assert text.startswith("store.toml: invalid store config")
    assert "products[1].weight_g: Input should be greater than 0 (got -5.0)" in text
    # Store-wide checks run once every field is well formed.
    _set(store, "products[1].weight_g", 300.0)
    with pytest.raises(ConfigError) as info:
        parse_config(store)
    assert 'planogram[3].sku: unknown sku: no product has it (got "NOPE-1")' in str(info.value)


def test_missing_field_is_named(store: dict[str, Any]) -> None:
    del store["products"][2]["weight_g"]
    detail = problem_at(store, "products[2].weight_g")
    assert detail.value == "nothing" and "required" in detail.message.lower()


def test_models_raise_config_error_not_pydantic_error(store: dict[str, Any]) -> None:
    store["products"][0]["weight_g"] = -1.0
    with pytest.raises(ConfigError) as info:
        StoreConfig(**store)
    assert info.value.details[0].path == "products[0].weight_g"
    with pytest.raises(ConfigError):
        StoreConfig.model_validate_json(json.dumps(store))
    with pytest.raises(ConfigError) as info:
        Product(sku="X", name="x", weight_g=10.0, weight_std_g=-1.0, price_cents=5)
    assert [d.path for d in info.value.details] == ["weight_std_g"]


# --- files --------------------------------------------------------------------------------


def test_round_trip_toml_yaml_json(tmp_path: Path) -> None:
    cfg = load_config(CONVENIENCE)
    data = cfg.model_dump(mode="json")
    (tmp_path / "s.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (tmp_path / "s.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    for name in ("s.json", "s.yaml", "s.yml"):
        assert load_config(tmp_path / name) == cfg, name
    assert StoreConfig.load(CONVENIENCE) == cfg
    assert load_config(STORES / "convenience.json") == cfg
    assert load_config(STORES / "minimal.json") == load_config(MINIMAL)


def test_core_json_is_complete(store: dict[str, Any]) -> None:
    cfg = parse_config(store)
    core = json.loads(cfg.to_core_json())
    assert core["fusion"]["lateness_s"] == 2.0  # defaults are spelled out for the core
    assert core["gondolas"][0]["shelves"][0]["plates"][0]["front"] == "-x"
    assert core["rfid_readers"][0]["antennas"][0]["kind"] == "exit"
    assert parse_config(core) == cfg


def _load_error(path: Path, text: str) -> ConfigError:
    """The error ``load_config`` raises for a file holding ``text``."""
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "evil.yaml"
    error = _load_error(
        path,
        "name: !!python/object/apply:pathlib.Path.touch\n"
        f"  - !!python/object/apply:pathlib.Path ['{marker}']\n",
    )
    assert not marker.exists()
    assert str(path) in str(error) and "python/object" in str(error)

    error = _load_error(path, "!!python/object:walkout.config.Gate {}\n")
    assert error.details[0].path == f"{path}:1"


def test_unknown_extension_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.ini"
    error = _load_error(path, "name = x\n")
    assert str(path) in str(error)
    assert error.details[0].value == '".ini"'


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.toml", 'name = "x"\ncurrency = \nfloor = [1, 2]\n', 2),
        ("bad.json", '{\n  "name": "x",\n  "floor": [1, 2,]\n}\n', 3),
        ("bad.yaml", "name: x\nfloor: [1, 2\ngates: []\n", 3),
    ],
)
def test_parse_errors_name_file_and_line(tmp_path: Path, name: str, text: str, line: int) -> None:
    path = tmp_path / name
    error = _load_error(path, text)
    assert str(error).startswith(f"{path}:{line}: invalid ")
    assert error.details[0].path == f"{path}:{line}"


def test_top_level_must_be_a_table(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    error = _load_error(path, "[1, 2]")
    assert error.details[0].path == "(root)"


def test_validation_errors_name_the_file(tmp_path: Path, store: dict[str, Any]) -> None:
    _set(store, "products[0].weight_g", -1.0)
    path = tmp_path / "store.json"
    error = _load_error(path, json.dumps(store))
    assert str(error).startswith(f"{path}: invalid store config, 1 problem:")


# --- schema -------------------------------------------------------------------------------


def test_schema_describes_the_config() -> None:
    schema = config_schema()
    assert schema["additionalProperties"] is False
    assert {"name", "floor", "products", "gondolas", "planogram", "gates"} <= set(
        schema["required"]
    )
    plate = schema["$defs"]["Plate"]["properties"]
    assert plate["front"]["enum"] == ["+x", "-x", "+y", "-y"]
    assert "metres" in schema["properties"]["floor"]["description"]
    product = schema["$defs"]["Product"]["properties"]
    assert product["weight_g"]["exclusiveMinimum"] == 0
    camera = schema["$defs"]["Camera"]["properties"]
    assert camera["rotation"]["minItems"] == 3 and camera["rotation"]["items"]["maxItems"] == 3
    fusion = schema["$defs"]["FusionParams"]["properties"]
    assert fusion["review_confidence"]["maximum"] == 1


# --- CLI ----------------------------------------------------------------------------------


def test_cli_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "validate", str(CONVENIENCE)]) == 0
    out = capsys.readouterr().out
    assert "Walkout convenience store" in out
    for label, count in [("products", 33), ("gondolas", 5), ("plates", 360), ("cameras", 8)]:
        assert re.search(rf"{label}\W+{count}\b", out), f"{label} {count} not in:\n{out}"
    assert "1 entry, 1 exit" in out


def test_cli_validate_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: dict[str, Any]
) -> None:
    _set(store, "planogram[3].sku", "NOPE-1")
    _set(store, "gondolas[1].id", 0)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(store), encoding="utf-8")
    assert main(["config", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "2 problems" in err
    assert 'planogram[3].sku: unknown sku: no product has it (got "NOPE-1")' in err
    assert "gondolas[1].id: duplicate gondola id, first used at gondolas[0].id (got 0)" in err


def test_cli_validate_unreadable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["config", "validate", str(tmp_path / "store.txt")]) == 1
    assert "unknown extension" in capsys.readouterr().err


def test_cli_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == config_schema()


def test_cli_requires_a_command() -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
