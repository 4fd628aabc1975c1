"""Bad input at the Python API, thrown by hypothesis: every call either succeeds or
raises a ``walkout.WalkoutError`` subclass (never another exception, never a panic of
the core), a rejected call changes nothing, and a call of only good columns is accepted.
Duplicates and late data are idempotent and counted in ``stats()``."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import walkout
import walkout.sim
from conftest import receipt_summary
from walkout.modalities import REGISTRY, ingest
from walkout.session import Session

T0 = 1_767_258_000_000_000
STORE = walkout.sim.default_store()
PLATES = [p.id for _, _, p in STORE.plates()]
CAMERAS = [c.id for c in STORE.cameras]
THERMAL = [c.id for c in STORE.thermal_cameras]
CLASSES = [p.vision_class for p in STORE.products if p.vision_class is not None]
ANTENNAS = [(r.id, a.id) for r in STORE.rfid_readers for a in r.antennas]
I64 = (-(2**63), 2**63 - 1)
T2000, T2100 = 946_684_800_000_000, 4_102_444_800_000_000

# --- good columns --------------------------------------------------------------------


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _good(kind: str, n: int) -> st.SearchStrategy[Any]:
    """A valid column of ``n`` rows for ``kind``."""
    one: dict[str, st.SearchStrategy[Any]] = {
        "plate": st.sampled_from(PLATES),
        "gate": st.sampled_from([g.id for g in STORE.gates]),
        "camera": st.sampled_from(CAMERAS),
        "thermal": st.sampled_from(THERMAL),
        "class": st.sampled_from(CLASSES),
        "time": st.integers(T0, T0 + 60_000_000),
        "grams": _floats(-1e5, 1e5),
        "x": _floats(0.0, STORE.floor[0]),
        "y": _floats(0.0, STORE.floor[1]),
        "u32": st.integers(0, 2**32 - 1),
        "kind": st.sampled_from(["enter", "exit"]),
        "token": st.one_of(st.none(), st.text(max_size=8)),
        "score": _floats(0.0, 1.0),
        "area": _floats(0.0, 1e4),
        "temp": _floats(-20.0, 60.0),
        "rssi": _floats(-90.0, -20.0),
        "epc": st.integers(0, 2**96 - 1).map(lambda v: f"{v:024X}"),
    }
    if kind == "box":
        corner = st.tuples(
            _floats(-500, 2000), _floats(-500, 1500), _floats(0, 500), _floats(0, 500)
        )
        return st.lists(
            corner.map(lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]]), min_size=n, max_size=n
        )
    if kind == "xy":
        return st.lists(
            st.tuples(_floats(0, 640), _floats(0, 512)).map(list), min_size=n, max_size=n
        )
    if kind == "keypoints":
        return st.one_of(
            st.none(),
            hnp.arrays(np.float32, (n, 17, 3), elements=st.floats(0, 1000, width=32)),
        )
    if kind == "embedding":
        return st.one_of(
            st.none(),
            hnp.arrays(np.float32, (n, 8), elements=st.floats(-10, 10, width=32)),
        )
    return st.lists(one[kind], min_size=n, max_size=n)


# --- bad columns ---------------------------------------------------------------------

_POISON: dict[str, list[Any]] = {
    "time": [0, -1, I64[0], I64[1], T0 + 10**17, T0 - 10**17],
    "float": [float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e7],
    "id": [-1, 2**32, 2**32 - 1, 2**40, 10**6],
}


def _poison_kind(kind: str) -> str:
    if kind == "time":
        return "time"
    if kind in {"plate", "gate", "camera", "thermal", "class", "u32"}:
        return "id"
    return "float"


_ANY_DTYPE = st.one_of(
    hnp.integer_dtypes(),
    hnp.unsigned_integer_dtypes(),
    hnp.floating_dtypes(),
    hnp.boolean_dtypes(),
    hnp.complex_number_dtypes(),
    hnp.datetime64_dtypes(),
    hnp.unicode_string_dtypes(max_len=3),
    hnp.byte_string_dtypes(max_len=3),
)

_JUNK = st.one_of(
    # Arrays of any dtype and shape (0-d to 3-d).
    hnp.arrays(_ANY_DTYPE, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
    # Lists of mixed Python objects, and ragged nesting.
    st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=3))),
    st.lists(st.lists(st.integers(-5, 5), max_size=3), max_size=3),
    # Scalars and other objects.
    st.one_of(st.integers(), st.floats(), st.none(), st.text(max_size=4), st.just({"a": 1})),
)


@st.composite
def _column(draw: st.DrawFn, kind: str, n: int) -> tuple[Any, bool]:
    """A column for ``kind`` and whether it is good (valid as a whole); a column of
    the wrong length is marked bad here and judged with its batch in ``_call``."""
    how = draw(st.sampled_from(["good", "good", "good", "poisoned", "length", "junk"]))
    if how == "good":
        return draw(_good(kind, n)), True
    if how == "length":
        values = draw(_good(kind, n + draw(st.sampled_from([-1, 1, 3])) if n else 2))
        return (values, True) if values is None else (_WrongLength(values), False)
    if how == "junk":
        return draw(_JUNK), False
    values = draw(_good(kind, max(n, 1)))
    if values is None or kind in {"kind", "token", "epc"}:
        return draw(_JUNK), False
    arr = np.array(values, dtype=object)
    poison = draw(st.sampled_from(_POISON[_poison_kind(kind)]))
    arr.flat[draw(st.integers(0, arr.size - 1))] = poison
    return arr.tolist(), False


# Every ingestion method with the kind of each of its columns.
SPECS: dict[str, list[str]] = {
    "ingest_weights": ["plate", "time", "grams"],
    "ingest_positions": ["time", "u32", "x", "y"],
    "ingest_gates": ["gate", "time", "kind", "token"],
    "ingest_person_detections": ["camera", "time", "box", "score", "keypoints", "embedding"],
    "ingest_thermal_blobs": ["thermal", "time", "xy", "area", "temp"],
    "ingest_product_detections": ["camera", "time", "box", "class", "score"],
    "ingest_rfid_reads": ["reader", "antenna", "time", "epc", "rssi"],
}


def _named(method: str, args: list[Any]) -> dict[str, Any]:
    """The columns of a call by the engine's argument names (the registry's order)."""
    return dict(zip(REGISTRY[MODALITY[method]].arguments, args, strict=False))


MODALITY = {
    "ingest_weights": "weights",
    "ingest_positions": "positions",
    "ingest_gates": "gates",
    "ingest_person_detections": "person_detections",
    "ingest_thermal_blobs": "thermal_blobs",
    "ingest_product_detections": "product_detections",
    "ingest_rfid_reads": "rfid_reads",
}


class _WrongLength(list):
    """Good values drawn at another length than the batch's."""


@st.composite
def _call(draw: st.DrawFn, method: str) -> tuple[list[Any], bool, int]:
    n = draw(st.integers(0, 4))
    args: list[Any] = []
    good = True
    kinds = SPECS[method]
    if method == "ingest_rfid_reads":
        # Reader and antenna are valid only as a pair of the store.
        pairs = draw(st.lists(st.sampled_from(ANTENNAS), min_size=n, max_size=n))
        reader: Any = [p[0] for p in pairs]
        if draw(st.booleans()):
            reader, _ = draw(_column("u32", n))
            good = False
        args += [reader, [p[1] for p in pairs]]
        kinds = kinds[2:]
    columns = [draw(_column(kind, n)) for kind in kinds]
    args += [list(v) if isinstance(v, _WrongLength) else v for v, _ in columns]
    # Columns all of one other length than drawn make a good batch of that length.
    resized = [v for v, _ in columns if isinstance(v, _WrongLength)]
    if resized and len(resized) == len(columns):
        sizes = {len(v) for v in args if v is not None}
        if len(sizes) == 1:
            return args, good and _rows_fit(method, args), sizes.pop()
    return args, good and all(ok for _, ok in columns) and _rows_fit(method, args), n


_GATE_KINDS = {g.id: g.kind for g in STORE.gates}


def _rows_fit(method: str, args: list[Any]) -> bool:
    """What good columns must also fit row by row: a gate passage's direction is its
    gate's, and only a passage in carries a token, without control characters."""
    if method != "ingest_gates":
        return True
    gate_ids, _, kinds, tokens = args
    for gate, kind, token in zip(gate_ids, kinds, tokens, strict=True):
        if (kind == "enter") != (_GATE_KINDS[gate] == "entry"):
            return False
        if token and (kind == "exit" or any(unicodedata.category(c) == "Cc" for c in token)):
            return False
    return True


def _check(engine: walkout.Engine, method: str, args: list[Any], good: bool, n: int) -> None:
    """Call ``method``; it must succeed (always, for good columns) or raise a
    WalkoutError having changed nothing; the engine must then step on."""
    before = engine.stats()
    try:
        getattr(engine, method)(**_named(method, args))
    except walkout.WalkoutError as exc:
        assert not good, f"good columns were rejected: {exc}"
        assert engine.stats() == before, "a rejected call changed the engine"
    except BaseException as exc:  # a panic of the core is a BaseException
        pytest.fail(f"{method} raised {type(exc).__name__}, not a WalkoutError: {exc!r}")
    else:
        got = engine.stats()[MODALITY[method]]["received"]
        assert got == before[MODALITY[method]]["received"] + n
    engine.step()


@pytest.mark.parametrize("method", sorted(SPECS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_bad_columns_raise_walkout_errors_and_change_nothing(method: str, data: st.DataObject):
    engine = walkout.Engine(STORE)
    for _ in range(3):
        args, good, n = data.draw(_call(method))
        _check(engine, method, args, good, n)
    engine.finish()
    walkout.Engine.restore(engine.snapshot())


@settings(max_examples=40, deadline=None)
@given(
    until=st.one_of(
        st.none(),
        st.integers(*I64),
        st.integers(T2000, T2100),
        st.integers(),
        st.floats(),
        st.text(max_size=3),
        st.booleans(),
    )
)
def test_step_takes_an_int64_time_or_raises_input_error(until: Any):
    engine = walkout.Engine(STORE)
    engine.ingest_weights(plate_id=[PLATES[0]], t_us=[T0], grams=[100.0])
    # A time, as every ingested one, in µs within 2000..2100.
    ok = until is None or (type(until) is int and T2000 <= until <= T2100)
    try:
        engine.step(until)
    except walkout.InputError:
        assert not ok
    else:
        assert ok


def test_input_after_finish_is_a_state_error_for_every_modality():
    engine = walkout.Engine(STORE)
    engine.finish()
    for method in SPECS:
        with pytest.raises(walkout.StateError):
            getattr(engine, method)(**_named(method, [[]] * len(SPECS[method])))


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        # Integer columns of any width are range-checked, not wrapped by the cast.
        (lambda e: e.ingest_gates(gate_id=[0], t_us=[T0], kind=[256]), "gates.kind` at row 0"),
        (
            lambda e: e.ingest_weights(
                plate_id=[0], t_us=np.array([2**64 - 1], np.uint64), grams=[1.0]
            ),
            "int64",
        ),
        (
            lambda e: e.ingest_weights(plate_id=[[0, 1], [2]], t_us=[T0], grams=[1.0]),
            "not an array",
        ),
        (
            lambda e: e.ingest_rfid_reads(
                reader_id=[1], antenna_id=[0], t_us=[T0], epc=12345, rssi_dbm=[-50.0]
            ),
            "1-D sequence",
        ),
        (lambda e: e.ingest_gates(gate_id=[0], t_us=[T0], kind="enter"), "gates.kind` must be 1-D"),
        (
            lambda e: e.ingest_gates(gate_id=[0], t_us=[T0], kind=["enter"], token=5),
            "sequence of tokens",
        ),
        (lambda e: e.ingest_weights(plate_id=[0], t_us=[T0], grams=[2e6]), "within ±1000000 g"),
    ],
)
def test_odd_python_values_are_input_errors(call: Callable[[walkout.Engine], None], fragment: str):
    engine = walkout.Engine(STORE)
    with pytest.raises(walkout.InputError) as err:
        call(engine)
    assert fragment in str(err.value)


def test_a_missing_token_written_as_nan_binds_no_account():
    engine = walkout.Engine(STORE)
    engine.ingest_gates(
        gate_id=[0, 0], t_us=[T0, T0 + 1], kind=["enter", "enter"], token=[float("nan"), "acct"]
    )
    engine.finish()
    assert [p.has_token for p in engine.gate_passages()] == [False, True]


# --- duplicates and late data ----------------------------------------------------------


def _feed(
    session: Session,
    engine: walkout.Engine,
    dup: Callable[[int], np.ndarray] | None = None,
    late: Callable[[int], np.ndarray] | None = None,
) -> dict[str, int]:
    """Feed weights, positions and gates second by second; ``dup(n)`` picks rows of each
    chunk to send twice at once, ``late(n)`` rows of what is already processed to send
    again. Returns how many rows were sent again of each kind."""
    sent = {"dup": 0, "late": 0}
    names = ("weights", "positions", "gates")
    cols = {
        name: {k: v[np.argsort(c["t_us"], kind="stable")] for k, v in c.items()}
        for name, c in ((m, getattr(session, m)) for m in names)
    }
    edges = np.arange(session.start_us, session.end_us + 2_000_000, 1_000_000)

    def send(name: str, c: dict[str, np.ndarray]) -> None:
        if len(c["t_us"]):
            ingest(engine, name, c)

    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        for name in names:
            t = cols[name]["t_us"]
            a, b = np.searchsorted(t, [lo, hi])
            chunk = {k: v[a:b] for k, v in cols[name].items()}
            send(name, chunk)
            if dup is not None and b > a:
                pick = dup(b - a)
                send(name, {k: v[pick] for k, v in chunk.items()})
                sent["dup"] += len(pick)
            done = engine.stats()["processed_until_us"]
            if late is not None and done is not None:
                old = int(np.searchsorted(t, done, side="right"))
                if old:
                    pick = late(old)
                    send(name, {k: v[:old][pick] for k, v in cols[name].items()})
                    sent["late"] += len(pick)
        engine.step()
    engine.finish()
    return sent


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), dup_share=st.floats(0.01, 0.3))
def test_duplicates_and_late_data_are_idempotent_and_counted(
    single_session: Session, seed: int, dup_share: float
):
    s = single_session
    reference = walkout.Engine(s.config)
    _feed(s, reference)
    rng = np.random.default_rng(seed)

    def some(n: int) -> np.ndarray:
        return np.flatnonzero(rng.random(n) < dup_share)

    engine = walkout.Engine(s.config)
    sent = _feed(s, engine, dup=some, late=some)
    assert sent["dup"] > 0 and sent["late"] > 0
    assert receipt_summary(engine) == receipt_summary(reference)
    assert [e.delta_g for e in engine.shelf_events()] == [
        e.delta_g for e in reference.shelf_events()
    ]
    a, b = engine.stats(), reference.stats()
    names = ("weights", "positions", "gates")
    assert sum(a[m]["received"] - b[m]["received"] for m in names) == sent["dup"] + sent["late"]
    assert sum(a[m]["duplicates"] - b[m]["duplicates"] for m in names) == sent["dup"]
    assert sum(a[m]["late"] - b[m]["late"] for m in names) == sent["late"]
    assert all(a[m]["processed"] == b[m]["processed"] for m in names)
