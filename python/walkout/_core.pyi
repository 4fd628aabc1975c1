"""Type stub of ``walkout._core``, the compiled engine (crates/walkout-py).

Keep in step with crates/walkout-py/src/*.rs: tests/test_stub.py checks that every
name declared here exists in the extension with the same members.
"""

from typing import Any, Literal, final

import numpy as np
import numpy.typing as npt

__version__: str
COCO_KEYPOINTS: tuple[str, ...]

@final
class ReceiptLine:
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    confidence: float
    needs_review: bool
    evidence: list[int]

@final
class Receipt:
    track_id: int
    token: str | None
    exit_us: int
    lines: list[ReceiptLine]
    total_cents: int
    needs_review: bool
    def quantities(self) -> dict[str, int]: ...

@final
class CartLine:
    sku: str
    quantity: int
    confidence: float
    evidence: list[int]

@final
class Cart:
    track_id: int
    lines: list[CartLine]

@final
class Hypothesis:
    sku: str
    quantity: int
    probability: float

@final
class ShopperScore:
    track_id: int
    probability: float
    distance_m: float
    hands: int

@final
class ShelfEvent:
    id: int
    plates: list[int]
    t_start_us: int
    t_end_us: int
    delta_g: float
    kind: Literal["pick", "put_back", "touch"]
    hypotheses: list[Hypothesis]
    unexplained: float
    shoppers: list[ShopperScore]
    assigned_to: int | None
    confidence: float

@final
class Track:
    track_id: int
    token: str | None
    first_us: int
    last_us: int
    x: float
    y: float
    entered_us: int | None
    exited_us: int | None

@final
class GatePassage:
    t_us: int
    gate_id: int
    kind: Literal["enter", "exit"]
    track_id: int | None
    has_token: bool

@final
class HandOver:
    t_us: int
    sku: str
    from_track: int
    to_track: int
    sightings: int

@final
class Engine:
    def __init__(self, config_json: str) -> None: ...
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
def simulate(config_json: str, scenario: str, seed: int) -> dict[str, Any]: ...
