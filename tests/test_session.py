"""Session directories: written and read back with pyarrow, bad files rejected clearly."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from walkout.errors import SessionError
from walkout.session import Session


def test_round_trip_keeps_every_column(tmp_path, two_shopper_session):
    s = two_shopper_session
    back = Session.read(s.write(tmp_path / "s"))
    assert back.config == s.config
    assert back.meta["scenario"] == "two-shoppers-putback"
    for name in ("weights", "positions", "gates"):
        for col, values in getattr(s, name).items():
            np.testing.assert_array_equal(getattr(back, name)[col], values, err_msg=f"{name}.{col}")
    assert back.truth is not None and s.truth is not None
    assert set(back.truth) == set(s.truth)
    for table, cols in s.truth.items():
        for col, values in cols.items():
            np.testing.assert_array_equal(back.truth[table][col], values, err_msg=f"{table}.{col}")


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(SessionError, match="no session.json"):
        Session.read(tmp_path)


def test_wrong_format_version(tmp_path, single_session):
    d = single_session.write(tmp_path / "s")
    (d / "session.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(SessionError, match=r"format_version must be 1 \(got 99\)"):
        Session.read(d)


def test_column_of_the_wrong_type_is_named(tmp_path, single_session):
    d = single_session.write(tmp_path / "s")
    pq.write_table(
        pa.table({"plate_id": ["a"], "t_us": [1], "grams": [1.0]}), d / "weights.parquet"
    )
    with pytest.raises(SessionError, match=r"column `plate_id` must be uint32 \(got string\)"):
        Session.read(d)


def test_corrupt_parquet_is_rejected(tmp_path, single_session):
    d = single_session.write(tmp_path / "s")
    (d / "positions.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(SessionError, match="positions.parquet: not a readable Parquet file"):
        Session.read(d)
