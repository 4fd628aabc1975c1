"""The store configuration: pydantic models, file loading and validation.

The models mirror ``crates/walkout-core/src/config.rs`` field for field (same names,
defaults and enum spellings); :meth:`StoreConfig.to_core_json` is the JSON the Rust
core parses. Units: metres, grams, seconds, minor currency units (cents).

Every validation failure is raised as :class:`walkout.errors.ConfigError` listing all
problems found, each as ``path: message (got value)``. Problems are found in two
rounds: first each field against its own constraints (types, ranges, boxes,
calibration matrices); then, once every field is well formed, the store-wide checks
(unique ids, planogram references, overlapping plates, floor extent, gates).
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from typing_extensions import Self

from walkout import _config_checks as checks
from walkout.errors import ConfigError, ErrorDetail

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

U32_MAX = 2**32 - 1
I64_MAX = 2**63 - 1
# Upper bounds far beyond any real store that keep the engine's derived quantities
# bounded (the same as walkout-core's `validate.rs`, on the same paths).
MAX_DURATION_S = 3600.0
MAX_STABLE_WINDOW_S = 10.0
MAX_RATE_HZ = 1000.0
MIN_PLATE_RATE_HZ = 1.0
MAX_NOISE_STD_G = 10_000.0
MAX_DISTANCE_M = 1000.0
MAX_QUANTITY = 100
MAX_UNIT_WEIGHT_G = 1e6
MAX_PRICE_CENTS = 10**12
MAX_PLANOGRAM_COUNT = 100_000

Id = Annotated[int, Field(ge=0, le=U32_MAX)]
Vec2 = tuple[float, float]
Vec3 = tuple[float, float, float]
_MAT3_SCHEMA = {
    "type": "array",
    "minItems": 3,
    "maxItems": 3,
    "items": {"type": "array", "minItems": 3, "maxItems": 3, "items": {"type": "number"}},
}
# A plain list of lists, so that a wrong shape gets one clear "must be a 3x3 matrix"
# from the field validators instead of a pydantic error per row.
Mat3 = Annotated[list[list[float]], WithJsonSchema(_MAT3_SCHEMA)]

Facing = Literal["+x", "-x", "+y", "-y"]
AntennaKind = Literal["shelf", "exit"]
GateKind = Literal["entry", "exit"]


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("walkout_config", message)


def _box_max_above_min(hi: Vec3, info: ValidationInfo) -> Vec3:
    """The check of a box's upper corner against its lower one (plates, read zones)."""
    lo = info.data.get("min")
    if lo is not None and (problem := checks.box_problem(lo, hi)):
        raise _fail(problem)
    return hi


def _details(exc: ValidationError, root: type[BaseModel] | None = None) -> list[ErrorDetail]:
    details = []
    for err in exc.errors(include_url=False):
        value = "nothing" if err["type"] == "missing" else checks.format_value(err["input"])
        message = err["msg"]
        if err["type"] == "extra_forbidden" and err["loc"]:
            message = f"{message}{_did_you_mean(root, err['loc'])}"
        details.append(ErrorDetail(checks.loc_to_path(err["loc"]), value, message))
    return details


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The config model an annotation holds (``Plate``, ``list[Plate]``, ...), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_in(arg)) is not None:
            return found
    return None


def _all_keys() -> set[str]:
    keys: set[str] = set()
    for model in _Model.__subclasses__():
        keys.update(model.model_fields)
    return keys


def _did_you_mean(root: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    """``", did you mean 'name'?"`` for an unknown key close to a known one of the
    model it was found in (the keys of every config model when that is not known)."""
    key = loc[-1]
    if not isinstance(key, str):
        return ""
    model = root
    for part in loc[:-1]:
        if model is None:
            break
        if isinstance(part, str):
            field = model.model_fields.get(part)
            model = _model_in(field.annotation) if field is not None else None
    known = set(model.model_fields) if model is not None else _all_keys()
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f", did you mean {close[0]!r}?" if close else ""


def _config_error(details: list[ErrorDetail], source: str | None = None) -> ConfigError:
    where = f"{source}: " if source else ""
    count = f"{len(details)} problem{'s' if len(details) != 1 else ''}"
    lines = "\n".join(f"  {d}" for d in details)
    return ConfigError(f"{where}invalid store config, {count}:\n{lines}", details)


@contextmanager
def _config_errors(
    source: str | None = None, root: type[BaseModel] | None = None
) -> Iterator[None]:
    """Turn pydantic's ValidationError into ConfigError with walkout-style paths
    (``root``: the model validated, for "did you mean" hints on unknown keys)."""
    try:
        yield
    except ValidationError as exc:
        # pydantic's own traceback adds nothing the details do not say.
        raise _config_error(_details(exc, root), source) from None


class _Model(BaseModel):
    """Base of every config model: unknown keys and non-finite numbers are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def __init__(self, **data: Any) -> None:
        with _config_errors(root=type(self)):
            super().__init__(**data)

    # Marked as pydantic's own __init__ so that nested validation and model_validate
    # do not route through it (they would wrap ConfigError as a value error).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate a Python object; raises ConfigError listing every problem."""
        with _config_errors(root=cls):
            return super().model_validate(obj, *args, **kwargs)

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        """Validate JSON text; raises ConfigError listing every problem."""
        with _config_errors(root=cls):
            return super().model_validate_json(json_data, *args, **kwargs)


class Product(_Model):
    """A product (SKU) the store sells."""

    sku: str = Field(min_length=1, description="Stock keeping unit, unique in the store.")
    name: str = Field(description="Display name, as printed on the receipt.")
    weight_g: float = Field(gt=0, le=MAX_UNIT_WEIGHT_G, description="Mean unit weight in grams.")
    weight_std_g: float = Field(
        ge=0,
        le=MAX_UNIT_WEIGHT_G,
        description="Standard deviation of the unit weight across items, in grams.",
    )
    price_cents: int = Field(ge=0, le=MAX_PRICE_CENTS, description="Price in minor currency units.")
    rfid: bool = Field(default=False, description="Whether each item carries an RFID tag.")
    vision_class: Id | None = Field(
        default=None, description="Class id of the product in the vision detector, if any."
    )
    gtin: str | None = Field(
        default=None,
        validate_default=True,
        description="GTIN-14 (14 digits with a valid check digit); required when rfid is "
        "true, since the tags carry SGTIN-96 EPCs built from it.",
    )

    @field_validator("gtin")
    @classmethod
    def _check_gtin(cls, gtin: str | None, info: ValidationInfo) -> str | None:
        if problem := checks.gtin_problem(gtin, bool(info.data.get("rfid", False))):
            raise _fail(problem)
        return gtin


class WeightSensor(_Model):
    """The load cell under a plate."""

    noise_std_g: float = Field(
        default=5.0,
        gt=0,
        le=MAX_NOISE_STD_G,
        description="Expected standard deviation of one raw sample, grams.",
    )
    rate_hz: float = Field(
        default=60.0, ge=MIN_PLATE_RATE_HZ, le=MAX_RATE_HZ, description="Sample rate, Hz."
    )


class Plate(_Model):
    """One weighed plate of a shelf: an axis-aligned box of product volume."""

    id: Id = Field(description="Plate id, unique across the whole store.")
    min: Vec3 = Field(description="Lower corner of the plate's product volume, store frame, m.")
    max: Vec3 = Field(description="Upper corner of the plate's product volume, store frame, m.")
    front: Facing = Field(
        description="The aisle-side face of the plate: the direction a shopper reaches in from."
    )
    sensor: WeightSensor = Field(
        default_factory=WeightSensor, description="The plate's weight sensor."
    )

    _max_above_min = field_validator("max")(_box_max_above_min)


class Shelf(_Model):
    """A shelf of a gondola: a row of plates."""

    id: Id = Field(description="Shelf id, unique within its gondola.")
    plates: list[Plate] = Field(description="The plates of the shelf.")


class Gondola(_Model):
    """A shelving unit, made of shelves."""

    id: Id = Field(description="Gondola id, unique in the store.")
    name: str = Field(default="", description="Human-readable name, e.g. 'drinks'.")
    shelves: list[Shelf] = Field(description="The shelves of the gondola.")


class PlanogramEntry(_Model):
    """How many units of one product stand on one plate at the start."""

    plate: Id = Field(description="Plate id.")
    sku: str = Field(description="Product sku.")
    count: int = Field(ge=0, le=MAX_PLANOGRAM_COUNT, description="Number of units on the plate.")


class Camera(_Model):
    """A calibrated RGB camera (pinhole model with OpenCV distortion)."""

    id: Id = Field(description="Camera id, unique among cameras.")
    width: int = Field(ge=1, le=U32_MAX, description="Image width, px.")
    height: int = Field(ge=1, le=U32_MAX, description="Image height, px.")
    fps: float = Field(gt=0, le=MAX_RATE_HZ, description="Frame rate, Hz.")
    intrinsics: Mat3 = Field(
        description="Pinhole intrinsics K = [[fx, s, cx], [0, fy, cy], [0, 0, 1]], px."
    )
    distortion: tuple[float, float, float, float, float] = Field(
        default=(0.0, 0.0, 0.0, 0.0, 0.0), description="OpenCV order: k1, k2, p1, p2, k3."
    )
    rotation: Mat3 = Field(
        description="World-to-camera rotation R (x_cam = R x_world + t); proper orthonormal."
    )
    translation: Vec3 = Field(description="World-to-camera translation t, m.")

    @field_validator("intrinsics")
    @classmethod
    def _check_intrinsics(cls, k: list[list[float]], info: ValidationInfo) -> list[list[float]]:
        width, height = info.data.get("width"), info.data.get("height")
        if width is not None and height is not None:
            if problem := checks.intrinsics_problem(k, width, height):
                raise _fail(problem)
        elif not checks.is_3x3(k):
            raise _fail("intrinsics must be a 3x3 matrix")
        return k

    @field_validator("rotation")
    @classmethod
    def _check_rotation(cls, r: list[list[float]]) -> list[list[float]]:
        if problem := checks.rotation_problem(r):
            raise _fail(problem)
        return r


class ThermalCamera(_Model):
    """A top-down thermal camera, calibrated by a homography to the floor."""

    id: Id = Field(description="Thermal camera id, unique among thermal cameras.")
    width: int = Field(ge=1, le=U32_MAX, description="Image width, px.")
    height: int = Field(ge=1, le=U32_MAX, description="Image height, px.")
    fps: float = Field(gt=0, le=MAX_RATE_HZ, description="Frame rate, Hz.")
    homography: Mat3 = Field(description="Homography from image pixels to floor metres.")

    @field_validator("homography")
    @classmethod
    def _check_homography(cls, h: list[list[float]]) -> list[list[float]]:
        if problem := checks.homography_problem(h):
            raise _fail(problem)
        return h


class Antenna(_Model):
    """An RFID antenna and the box of space it reads."""

    id: Id = Field(description="Antenna id, unique within its reader.")
    kind: AntennaKind = Field(description="'shelf' watches plates, 'exit' watches an exit gate.")
    min: Vec3 = Field(description="Lower corner of the read zone, store frame, m.")
    max: Vec3 = Field(description="Upper corner of the read zone, store frame, m.")

    _max_above_min = field_validator("max")(_box_max_above_min)


class RfidReader(_Model):
    """An RFID reader and its antennas."""

    id: Id = Field(description="Reader id, unique among readers.")
    antennas: list[Antenna] = Field(description="The reader's antennas.")


class Gate(_Model):
    """An entry or exit gate, where shoppers check in (app QR scan) or leave."""

    id: Id = Field(description="Gate id, unique in the store.")
    kind: GateKind = Field(description="'entry' or 'exit'.")
    position: Vec2 = Field(description="Centre of the gate on the floor, m.")
    radius_m: float = Field(
        default=1.5,
        gt=0,
        description="A shopper within this radius of the gate at a gate event is the one passing.",
    )


class FusionParams(_Model):
    """Tuning of the fusion pipeline; the defaults suit a convenience store."""

    lateness_s: float = Field(
        default=2.0,
        ge=0,
        le=MAX_DURATION_S,
        description="How late an event may arrive (behind the newest event seen) and be used.",
    )
    stable_window_s: float = Field(
        default=0.4,
        gt=0,
        le=MAX_STABLE_WINDOW_S,
        description="Window over which a plate's weight must be steady to count as a stable state.",
    )
    max_sample_gap_s: float = Field(
        default=0.5,
        gt=0,
        le=MAX_DURATION_S,
        description="A gap between weight samples longer than this restarts the stability window.",
    )
    merge_window_s: float = Field(
        default=1.0,
        gt=0,
        le=MAX_DURATION_S,
        description="Weight changes on neighbouring plates of one shelf closer in time merge.",
    )
    max_quantity: int = Field(
        default=6,
        ge=1,
        le=MAX_QUANTITY,
        description="Largest number of units one interaction is assumed to move.",
    )
    association_sigma_m: float = Field(
        default=0.4,
        gt=0,
        le=MAX_DISTANCE_M,
        description="Spatial scale of the shopper-to-plate likelihood (Gaussian sigma), m.",
    )
    reach_m: float = Field(
        default=1.5,
        gt=0,
        le=MAX_DISTANCE_M,
        description="A shopper farther than this from a plate's front cannot have touched it.",
    )
    gate_bind_window_s: float = Field(
        default=2.0,
        gt=0,
        le=MAX_DURATION_S,
        description="How long after a gate event positions are searched for the shopper passing.",
    )
    receipt_delay_s: float = Field(
        default=3.0,
        ge=0,
        le=MAX_DURATION_S,
        description="Delay between an exit and the receipt, so that late shelf events still count.",
    )
    review_confidence: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Receipt lines below this confidence are flagged for review.",
    )
    camera_clock_skew_s: float = Field(
        default=0.05,
        ge=0,
        le=MAX_DURATION_S,
        description="Largest clock offset between cameras; widens measurement spreads.",
    )
    track_max_coast_s: float = Field(
        default=5.0,
        gt=0,
        le=MAX_DURATION_S,
        description="A track unseen for this long (an occlusion too long to bridge) ends.",
    )
    track_birth_radius_m: float = Field(
        default=2.5,
        gt=0,
        le=MAX_DISTANCE_M,
        description="New shopper tracks are born only within this distance of an entry gate.",
    )
    snapshot_embeddings: bool = Field(
        default=False,
        description="Write what the tracker learnt of each shopper's look (re-identification "
        "embeddings) into snapshots. Off: no embedding leaves the process, and a restored "
        "engine learns the looks anew.",
    )


class StoreConfig(_Model):
    """The whole store: products, fixtures, planogram, sensors, gates, fusion tuning."""

    name: str = Field(description="Name of the store.")
    currency: str = Field(default="EUR", description="ISO 4217 currency code of the prices.")
    floor: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] = Field(
        description="Floor extent [x, y] in metres; the store frame's origin is one corner."
    )
    products: list[Product] = Field(
        min_length=1, description="Every product the store sells (at least one)."
    )
    gondolas: list[Gondola] = Field(description="Shelving units: gondola -> shelf -> plate.")
    planogram: list[PlanogramEntry] = Field(
        description="Initial stock: which products stand on which plates, with counts."
    )
    cameras: list[Camera] = Field(default_factory=list, description="Calibrated RGB cameras.")
    thermal_cameras: list[ThermalCamera] = Field(
        default_factory=list, description="Top-down thermal cameras."
    )
    rfid_readers: list[RfidReader] = Field(
        default_factory=list, description="RFID readers and their antenna zones."
    )
    gates: list[Gate] = Field(description="Entry and exit gates; at least one of each.")
    fusion: FusionParams = Field(
        default_factory=FusionParams, description="Tuning of the fusion pipeline."
    )

    @model_validator(mode="after")
    def _store_wide_checks(self) -> Self:
        problems = checks.store_problems(self)
        if problems:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type=_fail(p.message), loc=p.loc, input=p.value)
                    for p in problems
                ],
            )
        return self

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str | None = None) -> StoreConfig:
        """Validate an already parsed document (``tomllib.load``, ``json.load``, a dict
        built in code); ``source`` prefixes error messages. See :func:`parse_config`."""
        return parse_config(data, source)

    @classmethod
    def load(cls, path: str | Path) -> StoreConfig:
        """Read and validate a store config file (.toml, .yaml/.yml or .json)."""
        return load_config(path)

    def plates(self) -> Iterator[tuple[Gondola, Shelf, Plate]]:
        """Every plate with its gondola and shelf, in document order."""
        for gondola in self.gondolas:
            for shelf in gondola.shelves:
                for plate in shelf.plates:
                    yield gondola, shelf, plate

    def to_core_json(self) -> str:
        """The JSON that the Rust core's ``StoreConfig::from_json`` accepts."""
        return json.dumps(self.model_dump(mode="json"))


def parse_config(data: Mapping[str, Any], source: str | None = None) -> StoreConfig:
    """Validate an already parsed document (a mapping) as a store config.

    ``source`` (e.g. the file name) prefixes the error message.
    """
    if not isinstance(data, Mapping):
        detail = ErrorDetail(
            "(root)", checks.format_value(type(data).__name__), "the config must be a table"
        )
        raise _config_error([detail], source)
    try:
        return StoreConfig.model_validate(dict(data))
    except ConfigError as exc:
        raise _config_error(exc.details, source) from None


def load_config(path: str | PathLike[str]) -> StoreConfig:
    """Read and validate a store config file: .toml, .yaml / .yml (safe) or .json.

    Raises ConfigError for an unknown extension, an unreadable or unparsable file
    (naming the file and line), and for every validation problem.
    """
    path = Path(path)
    return parse_config(_read_document(path), source=str(path))


def config_schema() -> dict[str, Any]:
    """The JSON Schema of the store config (what ``walkout config schema`` prints)."""
    schema = StoreConfig.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


# --- reading files -------------------------------------------------------------------

_FORMATS = {".toml": "TOML", ".yaml": "YAML", ".yml": "YAML", ".json": "JSON"}


def _read_document(path: Path) -> Any:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_FORMATS))
        detail = ErrorDetail(str(path), checks.format_value(path.suffix), "unknown extension")
        raise ConfigError(
            f"{path}: unknown config file extension, expected one of {known}", [detail]
        )
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            detail = ErrorDetail(
                str(path), str(size), f"file is larger than {MAX_CONFIG_BYTES} bytes"
            )
            raise ConfigError(
                f"{path}: config file is {size} bytes, more than the limit "
                f"{MAX_CONFIG_BYTES}; not read",
                [detail],
            )
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        detail = ErrorDetail(str(path), checks.format_value(str(path)), f"cannot read: {exc}")
        raise ConfigError(f"{path}: cannot read the config file: {exc}", [detail]) from exc
    try:
        if fmt == "TOML":
            return tomllib.loads(text)
        if fmt == "YAML":
            # The safe loader only: loading a config must never construct arbitrary
            # objects. Bounded: aliases may not expand the document past a size limit.
            return yaml.load(text, Loader=_BoundedSafeLoader)  # noqa: S506 (a SafeLoader)
        return json.loads(text)
    except RecursionError:
        detail = ErrorDetail(str(path), "(nesting)", f"invalid {fmt}: nested too deeply")
        raise ConfigError(f"{path}: invalid {fmt}: nested too deeply", [detail]) from None
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        line = _error_line(exc)
        where = f"{path}:{line}" if line else str(path)
        lines = text.splitlines()
        source_line = lines[line - 1].strip() if line and line <= len(lines) else ""
        reason = _error_reason(exc)
        detail = ErrorDetail(where, checks.format_value(source_line), f"invalid {fmt}: {reason}")
        raise ConfigError(f"{where}: invalid {fmt}: {reason}", [detail]) from exc


MAX_CONFIG_BYTES = 64 * 2**20
"""Largest config file read; the shipped large store is about 300 kB."""
MAX_YAML_NODES = 1_000_000
"""Most nodes a YAML config may expand to once its aliases are followed."""


class _BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing documents whose aliases expand past
    :data:`MAX_YAML_NODES` nodes ("billion laughs": a few kilobytes of nested aliases
    that stand for billions of nodes, which validation would then walk)."""

    def construct_document(self, node: yaml.Node) -> Any:
        sizes: dict[int, int] = {}

        def expanded(n: yaml.Node) -> int:
            key = id(n)
            if key not in sizes:
                sizes[key] = 1  # guards against recursive aliases while counting
                children: list[yaml.Node] = []
                if isinstance(n, yaml.SequenceNode):
                    children = list(n.value)
                elif isinstance(n, yaml.MappingNode):
                    children = [x for pair in n.value for x in pair]
                total = 1
                for child in children:
                    total += expanded(child)
                    if total > MAX_YAML_NODES:
                        break
                sizes[key] = total
            return sizes[key]

        if expanded(node) > MAX_YAML_NODES:
            raise yaml.YAMLError(
                f"the document expands to more than {MAX_YAML_NODES} nodes through its "
                "aliases; refusing to load it"
            )
        return super().construct_document(node)


def _error_reason(exc: Exception) -> str:
    """The parser's message on one line, without the source excerpt PyYAML appends."""
    if isinstance(exc, yaml.MarkedYAMLError):
        return "; ".join(part for part in (exc.context, exc.problem) if part) or "malformed"
    return str(exc).replace("\n", " ")


def _error_line(exc: Exception) -> int | None:
    """1-based line of a parse error, where the parser tells it."""
    if isinstance(exc, json.JSONDecodeError):
        return exc.lineno
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    lineno = getattr(exc, "lineno", None)  # tomllib on Python >= 3.14
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"at line (\d+)", str(exc))
    return int(match.group(1)) if match else None


__all__ = [
    "Antenna",
    "Camera",
    "FusionParams",
    "Gate",
    "Gondola",
    "PlanogramEntry",
    "Plate",
    "Product",
    "RfidReader",
    "Shelf",
    "StoreConfig",
    "ThermalCamera",
    "WeightSensor",
    "config_schema",
    "load_config",
    "parse_config",
]
