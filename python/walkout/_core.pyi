"""Type stub of ``walkout._core``, the compiled engine (crates/walkout-py).

Keep in step with crates/walkout-py/src/*.rs: ``python -m mypy.stubtest walkout._core``
(in .ci/run) checks every name, signature and member against the built extension, and
tests/test_stub.py that nothing public is missing.
"""

from typing import Any, Literal, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

__all__ = [
    "__version__",
    "COCO_KEYPOINTS",
    "simulate",
    "scenarios",
    "Engine",
    "Receipt",
    "ReceiptLine",
    "Cart",
    "CartLine",
    "ShelfEvent",
    "Hypothesis",
    "ShopperScore",
    "Track",
    "GatePassage",
    "HandOver",
]

__version__: str
COCO_KEYPOINTS: tuple[str, ...]

class _Record:
    """What every result class has: comparison and hashing by value, pickling and
    ``to_dict``. Not a class of the extension: the stub's way of writing them once."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[type[Self], tuple[Any, ...]]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class ReceiptLine(_Record):
    """One line of a receipt: a product, how many, the price and how sure the engine is."""

    @property
    def sku(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price_cents(self) -> int: ...
    @property
    def total_cents(self) -> int: ...
    @property
    def confidence(self) -> float: ...
    @property
    def needs_review(self) -> bool: ...
    @property
    def evidence(self) -> list[int]: ...
    def __new__(
        cls,
        sku: str,
        name: str,
        quantity: int,
        unit_price_cents: int,
        total_cents: int,
        confidence: float,
        needs_review: bool,
        evidence: list[int],
    ) -> Self: ...

@final
class Receipt(_Record):
    """What a shopper who left is charged: issued a fixed delay after the exit."""

    @property
    def track_id(self) -> int: ...
    @property
    def token(self) -> str | None: ...
    @property
    def exit_us(self) -> int: ...
    @property
    def lines(self) -> list[ReceiptLine]: ...
    @property
    def total_cents(self) -> int: ...
    @property
    def needs_review(self) -> bool: ...
    def __new__(
        cls,
        track_id: int,
        token: str | None,
        exit_us: int,
        lines: list[ReceiptLine],
        total_cents: int,
        needs_review: bool,
    ) -> Self: ...
    def quantities(self) -> dict[str, int]: ...

@final
class CartLine(_Record):
    """One product in the cart of a shopper still in the store."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def confidence(self) -> float: ...
    @property
    def evidence(self) -> list[int]: ...
    def __new__(cls, sku: str, quantity: int, confidence: float, evidence: list[int]) -> Self: ...

@final
class Cart(_Record):
    """The cart of a shopper still in the store."""

    @property
    def track_id(self) -> int: ...
    @property
    def lines(self) -> list[CartLine]: ...
    def __new__(cls, track_id: int, lines: list[CartLine]) -> Self: ...

@final
class Hypothesis(_Record):
    """One explanation of a shelf event: this many units of this product."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def probability(self) -> float: ...
    def __new__(cls, sku: str, quantity: int, probability: float) -> Self: ...

@final
class ShopperScore(_Record):
    """How likely one shopper made a shelf event, and why (distance, hands seen)."""

    @property
    def track_id(self) -> int: ...
    @property
    def probability(self) -> float: ...
    @property
    def distance_m(self) -> float: ...
    @property
    def hands(self) -> int: ...
    def __new__(cls, track_id: int, probability: float, distance_m: float, hands: int) -> Self: ...

@final
class ShelfEvent(_Record):
    """One shelf interaction with its hypotheses and shopper probabilities."""

    @property
    def id(self) -> int: ...
    @property
    def plates(self) -> list[int]: ...
    @property
    def t_start_us(self) -> int: ...
    @property
    def t_end_us(self) -> int: ...
    @property
    def delta_g(self) -> float: ...
    @property
    def kind(self) -> Literal["pick", "put_back", "touch"]: ...
    @property
    def hypotheses(self) -> list[Hypothesis]: ...
    @property
    def unexplained(self) -> float: ...
    @property
    def shoppers(self) -> list[ShopperScore]: ...
    @property
    def assigned_to(self) -> int | None: ...
    @property
    def confidence(self) -> float: ...
    def __new__(
        cls,
        id: int,
        plates: list[int],
        t_start_us: int,
        t_end_us: int,
        delta_g: float,
        kind: Literal["pick", "put_back", "touch"],
        hypotheses: list[Hypothesis],
        unexplained: float,
        shoppers: list[ShopperScore],
        assigned_to: int | None,
        confidence: float,
    ) -> Self: ...

@final
class Track(_Record):
    """A pseudonymous shopper track (one visit)."""

    @property
    def track_id(self) -> int: ...
    @property
    def token(self) -> str | None: ...
    @property
    def first_us(self) -> int: ...
    @property
    def last_us(self) -> int: ...
    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...
    @property
    def entered_us(self) -> int | None: ...
    @property
    def exited_us(self) -> int | None: ...
    def __new__(
        cls,
        track_id: int,
        token: str | None,
        first_us: int,
        last_us: int,
        x: float,
        y: float,
        entered_us: int | None,
        exited_us: int | None,
    ) -> Self: ...

@final
class GatePassage(_Record):
    """A gate event with the track it was bound to."""

    @property
    def t_us(self) -> int: ...
    @property
    def gate_id(self) -> int: ...
    @property
    def kind(self) -> Literal["enter", "exit"]: ...
    @property
    def track_id(self) -> int | None: ...
    @property
    def has_token(self) -> bool: ...
    def __new__(
        cls,
        t_us: int,
        gate_id: int,
        kind: Literal["enter", "exit"],
        track_id: int | None,
        has_token: bool,
    ) -> Self: ...

@final
class HandOver(_Record):
    """A unit the cameras saw pass from one shopper to another."""

    @property
    def t_us(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def from_track(self) -> int: ...
    @property
    def to_track(self) -> int: ...
    @property
    def sightings(self) -> int: ...
    def __new__(
        cls, t_us: int, sku: str, from_track: int, to_track: int, sightings: int
    ) -> Self: ...

@final
class Engine:
    def __new__(cls, config_json: str) -> Self: ...
    def ingest_weights(
        self,
        plate_id: npt.NDArray[np.uint32],
        t_us: npt.NDArray[np.int64],
        grams: npt.NDArray[np.float64],
    ) -> None: ...
    def ingest_positions(
        self,
        t_us: npt.NDArray[np.int64],
        track_id: npt.NDArray[np.uint32],
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
    ) -> None: ...
    def ingest_gates(
        self,
        gate_id: npt.NDArray[np.uint32],
        t_us: npt.NDArray[np.int64],
        kind: npt.NDArray[np.uint8],
        token: list[str | None],
    ) -> None: ...
    def ingest_person_detections(
        self,
        camera_id: npt.NDArray[np.uint32],
        t_us: npt.NDArray[np.int64],
        bbox: npt.NDArray[np.float32],
        score: npt.NDArray[np.float32],
        keypoints: npt.NDArray[np.float32] | None = None,
        embedding: npt.NDArray[np.float32] | None = None,
    ) -> None: ...
    def ingest_thermal_blobs(
        self,
        camera_id: npt.NDArray[np.uint32],
        t_us: npt.NDArray[np.int64],
        centroid: npt.NDArray[np.float32],
        area_px: npt.NDArray[np.float32],
        temperature_c: npt.NDArray[np.float32],
    ) -> None: ...
    def ingest_product_detections(
        self,
        camera_id: npt.NDArray[np.uint32],
        t_us: npt.NDArray[np.int64],
        bbox: npt.NDArray[np.float32],
        class_id: npt.NDArray[np.uint32],
        score: npt.NDArray[np.float32],
    ) -> None: ...
    def ingest_rfid_reads(
        self,
        reader_id: npt.NDArray[np.uint32],
        antenna_id: npt.NDArray[np.uint32],
        t_us: npt.NDArray[np.int64],
        epc_hi: npt.NDArray[np.uint64],
        epc_lo: npt.NDArray[np.uint64],
        rssi_dbm: npt.NDArray[np.float32],
    ) -> None: ...
    def set_trajectory_log(self, hz: float) -> None: ...
    def trajectories(self) -> dict[str, npt.NDArray[Any]]: ...
    def snapshot(self) -> bytes: ...
    @staticmethod
    def restore(data: bytes) -> Engine: ...
    def config_json(self) -> str: ...
    def step(self, until_us: int | None = None) -> None: ...
    def finish(self) -> None: ...
    @property
    def watermark_us(self) -> int | None: ...
    @property
    def finished(self) -> bool: ...
    def receipts(self) -> list[Receipt]: ...
    def shelf_events(self) -> list[ShelfEvent]: ...
    def carts(self) -> list[Cart]: ...
    def tracks(self) -> list[Track]: ...
    def hand_overs(self) -> list[HandOver]: ...
    def gate_passages(self) -> list[GatePassage]: ...
    def inventory(self) -> dict[int, dict[str, int]]: ...
    def stats(self) -> dict[str, Any]: ...

def scenarios() -> list[dict[str, Any]]: ...
def simulate(
    config_json: str, scenario: str, seed: int, duration_s: float | None = None
) -> dict[str, Any]: ...
