"""Untrusted files: hostile or broken Parquet session files, session metadata and store
configs are written for real and read back; each must fail with a clear
``SessionError`` / ``ConfigError`` naming the file and the problem, execute nothing,
and allocate nothing unbounded."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import walkout.config
from walkout.errors import ConfigError, SessionError
from walkout.session import ReadLimits, Session

STORES = Path(__file__).resolve().parent.parent / "examples" / "stores"


@pytest.fixture
def session_dir(tmp_path: Path, single_session: Session) -> Path:
    return single_session.write(tmp_path / "s")


def _read_fails(d: Path, *fragments: str, limits: ReadLimits | None = None) -> str:
    with pytest.raises(SessionError) as err:
        Session.read(d) if limits is None else Session.read(d, limits=limits)
    msg = str(err.value)
    for fragment in fragments:
        assert fragment in msg, msg
    return msg


def test_a_truncated_parquet_file_names_the_file(session_dir: Path) -> None:
    path = session_dir / "weights.parquet"
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 3, 8, 0):
        path.write_bytes(data[:cut])
        _read_fails(session_dir, "weights.parquet", "not a readable Parquet file")


def test_a_file_that_is_not_parquet(session_dir: Path) -> None:
    (session_dir / "gates.parquet").write_text('{"gate_id": [1], "t_us": [1]}')
    _read_fails(session_dir, "gates.parquet", "not a readable Parquet file")
    (session_dir / "gates.parquet").write_bytes(np.random.default_rng(0).bytes(4096))
    _read_fails(session_dir, "gates.parquet", "not a readable Parquet file")


def test_damaged_data_pages_are_a_session_error(session_dir: Path) -> None:
    """The footer is intact but the column data in the middle is garbage."""
    path = session_dir / "weights.parquet"
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(1)
    for i in rng.integers(8, len(data) // 2, size=len(data) // 20):
        data[i] = (data[i] + 1 + int(rng.integers(0, 254))) % 256
    path.write_bytes(bytes(data))
    with pytest.raises(SessionError, match="weights.parquet"):
        Session.read(session_dir)


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        (pa.table({"plate_id": pa.array([1], pa.uint32()), "t_us": [1]}), "`grams` is missing"),
        (
            pa.table({"plate_id": pa.array([1], pa.uint32()), "t_us": [1.5], "grams": [1.0]}),
            "`t_us` must be int64 (got double)",
        ),
        (
            pa.table({"plate_id": pa.array([1], pa.int64()), "t_us": [1], "grams": [1.0]}),
            "`plate_id` must be uint32 (got int64)",
        ),
        (
            pa.table(
                {
                    "plate_id": pa.array([1, 2], pa.uint32()),
                    "t_us": pa.array([1, None], pa.int64()),
                    "grams": [1.0, 2.0],
                }
            ),
            "`t_us` has 1 null values",
        ),
    ],
)
def test_wrong_schema_types_and_nulls_are_named(
    session_dir: Path, table: pa.Table, fragment: str
) -> None:
    pq.write_table(table, session_dir / "weights.parquet")
    _read_fails(session_dir, "weights.parquet", fragment)


def test_gate_kinds_other_than_enter_and_exit(session_dir: Path) -> None:
    table = pa.table(
        {
            "gate_id": pa.array([0], pa.uint32()),
            "t_us": pa.array([1], pa.int64()),
            "kind": ["teleport"],
            "token": pa.array([None], pa.string()),
        }
    )
    pq.write_table(table, session_dir / "gates.parquet")
    _read_fails(session_dir, "gates.parquet", "'enter' or 'exit'", "teleport")


def _patch_footer_rows(path: Path, claimed: int) -> None:
    """Rewrite the row count in a Parquet footer (Thrift compact protocol: field 3 of
    FileMetaData, an i64 as a zigzag varint after the schema list)."""

    def varint(v: int) -> bytes:
        out = bytearray()
        while True:
            b = v & 0x7F
            v >>= 7
            out.append(b | (0x80 if v else 0))
            if not v:
                return bytes(out)

    data = path.read_bytes()
    assert data[-4:] == b"PAR1"
    n = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - n : -8]
    rows = pq.ParquetFile(path).metadata.num_rows
    old = b"\x16" + varint(rows * 2)
    at = footer.index(old)
    footer = footer[:at] + b"\x16" + varint(claimed * 2) + footer[at + len(old) :]
    path.write_bytes(data[: -8 - n] + footer + len(footer).to_bytes(4, "little") + b"PAR1")


def test_an_absurd_row_count_is_refused_before_reading(session_dir: Path) -> None:
    path = session_dir / "positions.parquet"
    _patch_footer_rows(path, 2**60)
    assert pq.ParquetFile(path).metadata.num_rows == 2**60  # the footer really claims it
    _read_fails(session_dir, "positions.parquet", f"claims {2**60} rows")


def test_a_row_count_that_disagrees_with_the_data(session_dir: Path) -> None:
    path = session_dir / "positions.parquet"
    rows = pq.ParquetFile(path).metadata.num_rows
    _patch_footer_rows(path, rows + 5)
    _read_fails(session_dir, "positions.parquet", "damaged file")


def test_limits_bound_rows_and_decoded_size(session_dir: Path) -> None:
    """A small file that decodes to much more (a run of one value compresses to almost
    nothing) is refused on what its footer says, before anything is decoded."""
    n = 400_000
    bomb = pa.table(
        {
            "plate_id": pa.array(np.zeros(n, np.uint32)),
            "t_us": pa.array(np.zeros(n, np.int64)),
            "grams": pa.array(np.zeros(n)),
        }
    )
    pq.write_table(bomb, session_dir / "weights.parquet", compression="zstd")
    on_disk = (session_dir / "weights.parquet").stat().st_size
    assert on_disk < 100_000
    limits = ReadLimits(max_bytes=1_000_000)
    _read_fails(session_dir, "weights.parquet", "decodes to", limits=limits)
    _read_fails(session_dir, "weights.parquet", "rows", limits=ReadLimits(max_rows=1000))
    small = ReadLimits(max_bytes=on_disk - 1)
    _read_fails(session_dir, "weights.parquet", "bytes on disk", limits=small)
    assert len(Session.read(session_dir).weights["t_us"]) == n  # within the defaults


def test_a_hostile_truth_file_is_a_session_error(session_dir: Path) -> None:
    (session_dir / "truth" / "actions.parquet").write_bytes(b"PAR1\x00\x00PAR1")
    _read_fails(session_dir, "actions.parquet", "not a readable Parquet file")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[1, 2, 3]", "must hold a JSON object"),
        ("{" * 100_000, "invalid JSON"),
        ('{"format_version": 1', "invalid JSON"),
        ("\xff\xfe", "invalid JSON"),
    ],
)
def test_bad_session_metadata(session_dir: Path, text: str, fragment: str) -> None:
    (session_dir / "session.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    _read_fails(session_dir, "session.json", fragment)


def test_oversized_session_metadata(session_dir: Path) -> None:
    meta = json.loads((session_dir / "session.json").read_text())
    meta["padding"] = "x" * 5000
    (session_dir / "session.json").write_text(json.dumps(meta))
    _read_fails(
        session_dir, "session.json", "more than the limit", limits=ReadLimits(max_json_bytes=4096)
    )


# --- store configs ------------------------------------------------------------------------


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """'Billion laughs': nine levels of nine aliases stand for 9^9 nodes."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("name: *a9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.monotonic()
    with pytest.raises(ConfigError, match="bomb.yaml.*expands to more than"):
        walkout.config.load_config(path)
    assert time.monotonic() - start < 5


def test_yaml_anchors_of_ordinary_size_still_load(tmp_path: Path) -> None:
    data = json.loads((STORES / "minimal.json").read_text())
    import yaml

    text = yaml.safe_dump(data)
    # Share one sensor block between the first two plates through an anchor.
    text = text.replace("sensor:\n", "sensor: &sensor\n", 1)
    path = tmp_path / "anchored.yaml"
    path.write_text(text)
    assert walkout.config.load_config(path).name == data["name"]


def test_yaml_python_tags_execute_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ConfigError, match="evil.yaml"):
        walkout.config.load_config(path)
    assert not marker.exists()


@pytest.mark.parametrize(("suffix", "text"), [(".json", "[" * 100_000), (".yaml", "[" * 100_000)])
def test_deeply_nested_configs_are_config_errors(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"deep{suffix}"):
        walkout.config.load_config(path)


def test_oversized_config_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text((STORES / "minimal.json").read_text())
    monkeypatch.setattr(walkout.config, "MAX_CONFIG_BYTES", 1000)
    with pytest.raises(ConfigError, match="big.json.*more than the limit 1000"):
        walkout.config.load_config(path)


def test_config_bounds_match_the_core(tmp_path: Path) -> None:
    """A value pydantic lets through the core must accept too, and the other way round:
    the fuzzed-out bounds exist on both sides with the same paths."""
    data = json.loads((STORES / "minimal.json").read_text())
    data.setdefault("fusion", {})["stable_window_s"] = 3_537_031_890.0
    with pytest.raises(ConfigError) as err:
        walkout.config.parse_config(data)
    assert any(d.path == "fusion.stable_window_s" for d in err.value.details)
    from walkout import _core

    with pytest.raises(ConfigError) as core_err:
        _core.Engine(json.dumps(data))
    assert [d.path for d in core_err.value.details] == ["fusion.stable_window_s"]
