//! Immutable Python views of the engine's results. They are copies: holding one never
//! keeps engine state alive or blocks the engine.
//!
//! Every result type behaves like a frozen Python dataclass: a constructor taking each
//! field (in declaration order, by position or keyword), a repr that reads like that
//! call, equality and hashing by value, pickling (so results cross process boundaries,
//! e.g. with `multiprocessing` or Ray) and `to_dict()` (nested results become dicts).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use pyo3::IntoPyObjectExt;
use walkout_core::assoc::ShopperScore;
use walkout_core::cart::{Cart, CartLine, Receipt, ReceiptLine};
use walkout_core::engine::{GatePassage, HandOver, InteractionKind, ShelfEvent};
use walkout_core::input::GateEventKind;
use walkout_core::shelf::hypothesis::Hypothesis;
use walkout_core::store::StoreModel;
use walkout_core::track::Track;

/// How a field's value appears in `to_dict()`: plain values as themselves, nested
/// result objects as dicts, lists element by element.
trait DictValue {
    fn dict_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>>;
}

macro_rules! plain_dict_value {
    ($($t:ty),*) => {
        $(impl DictValue for $t {
            fn dict_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.clone().into_bound_py_any(py)
            }
        })*
    };
}

plain_dict_value!(u32, u64, i64, f64, bool, String);

impl<T: DictValue> DictValue for Option<T> {
    fn dict_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(v) => v.dict_value(py),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

impl<T: DictValue> DictValue for Vec<T> {
    fn dict_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = self
            .iter()
            .map(|v| v.dict_value(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, items)?.into_any())
    }
}

/// A field's part in `__hash__`: equal values hash alike (`-0.0` as `0.0`, since they
/// compare equal), so results can be set members and dict keys like frozen dataclasses.
trait FieldHash {
    fn field_hash<H: Hasher>(&self, h: &mut H);
}

macro_rules! plain_field_hash {
    ($($t:ty),*) => {
        $(impl FieldHash for $t {
            fn field_hash<H: Hasher>(&self, h: &mut H) {
                self.hash(h);
            }
        })*
    };
}

plain_field_hash!(u32, u64, i64, bool, String);

impl FieldHash for f64 {
    fn field_hash<H: Hasher>(&self, h: &mut H) {
        let v = if *self == 0.0 { 0.0f64 } else { *self };
        v.to_bits().hash(h);
    }
}

impl<T: FieldHash> FieldHash for Option<T> {
    fn field_hash<H: Hasher>(&self, h: &mut H) {
        self.is_some().hash(h);
        if let Some(v) = self {
            v.field_hash(h);
        }
    }
}

impl<T: FieldHash> FieldHash for Vec<T> {
    fn field_hash<H: Hasher>(&self, h: &mut H) {
        self.len().hash(h);
        for v in self {
            v.field_hash(h);
        }
    }
}

/// A result type, from its struct definition (written once, inside the call), with the
/// dataclass-like methods made from its fields: `__new__`
/// (every field, in order), `__repr__`, `__hash__`, `__reduce__` (pickling through
/// `__new__`) and `to_dict()`. Equality comes from `#[pyclass(eq)]` and the derived
/// `PartialEq`.
macro_rules! result_type {
    (
        $name:literal $(, $option:ident)?;
        $(#[$meta:meta])*
        pub struct $ty:ident {
            $($(#[$fmeta:meta])* pub $field:ident : $fty:ty),* $(,)?
        }
        $({ $($extra:tt)* })?
    ) => {
        #[pyclass(module = "walkout._core", name = $name, frozen, get_all, eq $(, $option)?)]
        $(#[$meta])*
        pub struct $ty {
            $($(#[$fmeta])* pub $field: $fty,)*
        }

        impl FieldHash for $ty {
            fn field_hash<H: Hasher>(&self, h: &mut H) {
                $(self.$field.field_hash(h);)*
            }
        }

        impl DictValue for $ty {
            fn dict_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                Ok(self.to_dict(py)?.into_any())
            }
        }

        #[pymethods]
        impl $ty {
            #[new]
            #[allow(clippy::too_many_arguments)] // one argument per field, as a dataclass
            #[pyo3(signature = ($($field),*))]
            fn py_new($($field: $fty),*) -> Self {
                Self { $($field),* }
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let parts: Vec<String> = vec![$(
                    format!(
                        "{}={}",
                        stringify!($field),
                        self.$field.clone().into_bound_py_any(py)?.repr()?
                    )
                ),*];
                Ok(format!("{}({})", $name, parts.join(", ")))
            }

            fn __hash__(&self) -> u64 {
                let mut h = DefaultHasher::new();
                self.field_hash(&mut h);
                h.finish()
            }

            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
                let py = slf.py();
                let this = slf.get();
                let args = PyTuple::new(py, [$(this.$field.clone().into_bound_py_any(py)?),*])?;
                Ok((slf.get_type(), args))
            }

            /// The fields as a dict (nested results as dicts too), e.g. for JSON or a
            /// DataFrame row.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                let d = PyDict::new(py);
                $(d.set_item(stringify!($field), self.$field.dict_value(py)?)?;)*
                Ok(d)
            }

            $($($extra)*)?
        }
    };
}

result_type! {
    "ReceiptLine", from_py_object;
    /// One line of a receipt: a product, how many units, the price, and how sure the
    /// engine is (`needs_review` when `confidence` is below `fusion.review_confidence`).
    /// `evidence` lists the shelf events behind it.
    #[derive(Clone, PartialEq)]
    pub struct PyReceiptLine {
        pub sku: String,
        pub name: String,
        pub quantity: u32,
        pub unit_price_cents: i64,
        pub total_cents: i64,
        pub confidence: f64,
        pub needs_review: bool,
        pub evidence: Vec<u64>,
    }
}

impl From<&ReceiptLine> for PyReceiptLine {
    fn from(l: &ReceiptLine) -> Self {
        Self {
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price_cents: l.unit_price_cents,
            total_cents: l.total_cents,
            confidence: l.confidence,
            needs_review: l.needs_review,
            evidence: l.evidence.clone(),
        }
    }
}

result_type! {
    "Receipt";
    /// What a shopper who left is charged, issued `fusion.receipt_delay_s` after the exit.
    /// `token` is the account checked in at the entry gate (`None` without a check-in);
    /// times are µs since the Unix epoch, money in minor units (cents).
    #[derive(Clone, PartialEq)]
    pub struct PyReceipt {
        pub track_id: u32,
        pub token: Option<String>,
        pub exit_us: i64,
        pub lines: Vec<PyReceiptLine>,
        pub total_cents: i64,
        pub needs_review: bool,
    }
    {
        /// `{sku: quantity}` of the receipt.
        fn quantities(&self) -> std::collections::BTreeMap<String, u32> {
            self.lines.iter().map(|l| (l.sku.clone(), l.quantity)).collect()
        }
    }
}

impl From<&Receipt> for PyReceipt {
    fn from(r: &Receipt) -> Self {
        Self {
            track_id: r.track_id,
            token: r.token.clone(),
            exit_us: r.exit_us,
            lines: r.lines.iter().map(PyReceiptLine::from).collect(),
            total_cents: r.total_cents,
            needs_review: r.needs_review,
        }
    }
}

result_type! {
    "CartLine", from_py_object;
    /// One product in the cart of a shopper still in the store.
    #[derive(Clone, PartialEq)]
    pub struct PyCartLine {
        pub sku: String,
        pub quantity: u32,
        pub confidence: f64,
        pub evidence: Vec<u64>,
    }
}

result_type! {
    "Cart";
    /// The cart of a shopper still in the store (track `track_id`).
    #[derive(Clone, PartialEq)]
    pub struct PyCart {
        pub track_id: u32,
        pub lines: Vec<PyCartLine>,
    }
}

impl PyCartLine {
    fn new(store: &StoreModel, l: &CartLine) -> Self {
        Self {
            sku: store.product(l.sku).sku.clone(),
            quantity: l.quantity,
            confidence: l.confidence,
            evidence: l.evidence.clone(),
        }
    }
}

impl PyCart {
    pub fn new(store: &StoreModel, cart: &Cart) -> Self {
        Self {
            track_id: cart.track_id,
            lines: cart
                .lines
                .values()
                .map(|l| PyCartLine::new(store, l))
                .collect(),
        }
    }
}

result_type! {
    "Hypothesis", from_py_object;
    /// One explanation of a shelf event: `quantity` units of `sku`, with its probability.
    #[derive(Clone, PartialEq)]
    pub struct PyHypothesis {
        pub sku: String,
        pub quantity: u32,
        pub probability: f64,
    }
}

result_type! {
    "ShopperScore", from_py_object;
    /// How likely shopper `track_id` made a shelf event: the probability, their distance
    /// to the plate front and how many of their hands were seen at it.
    #[derive(Clone, PartialEq)]
    pub struct PyShopperScore {
        pub track_id: u32,
        pub probability: f64,
        pub distance_m: f64,
        pub hands: u32,
    }
}

result_type! {
    "ShelfEvent";
    /// One shelf interaction: the plates and times, the weight change, its hypotheses
    /// (most likely first), the shoppers who may have made it, and the one it was
    /// assigned to (`None`: unassigned).
    #[derive(Clone, PartialEq)]
    pub struct PyShelfEvent {
        pub id: u64,
        pub plates: Vec<u32>,
        pub t_start_us: i64,
        pub t_end_us: i64,
        pub delta_g: f64,
        /// "pick", "put_back" or "touch".
        pub kind: String,
        pub hypotheses: Vec<PyHypothesis>,
        pub unexplained: f64,
        pub shoppers: Vec<PyShopperScore>,
        pub assigned_to: Option<u32>,
        pub confidence: f64,
    }
}

impl PyHypothesis {
    fn new(store: &StoreModel, h: &Hypothesis) -> Self {
        Self {
            sku: store.product(h.sku).sku.clone(),
            quantity: h.quantity,
            probability: h.probability,
        }
    }
}

impl From<&ShopperScore> for PyShopperScore {
    fn from(s: &ShopperScore) -> Self {
        Self {
            track_id: s.track_id,
            probability: s.probability,
            distance_m: s.distance_m,
            hands: s.hands,
        }
    }
}

impl PyShelfEvent {
    pub fn new(store: &StoreModel, e: &ShelfEvent) -> Self {
        Self {
            id: e.id,
            plates: e.plates.clone(),
            t_start_us: e.t_start_us,
            t_end_us: e.t_end_us,
            delta_g: e.delta_g,
            kind: match e.kind {
                InteractionKind::Pick => "pick",
                InteractionKind::PutBack => "put_back",
                InteractionKind::Touch => "touch",
            }
            .to_owned(),
            hypotheses: e
                .hypotheses
                .iter()
                .map(|h| PyHypothesis::new(store, h))
                .collect(),
            unexplained: e.unexplained,
            shoppers: e.shoppers.iter().map(PyShopperScore::from).collect(),
            assigned_to: e.assigned_to,
            confidence: e.confidence,
        }
    }
}

result_type! {
    "Track";
    /// A pseudonymous shopper track, living for one visit: last position (m, store
    /// frame), first and last time seen, and the gate times.
    #[derive(Clone, PartialEq)]
    pub struct PyTrack {
        pub track_id: u32,
        pub token: Option<String>,
        pub first_us: i64,
        pub last_us: i64,
        pub x: f64,
        pub y: f64,
        pub entered_us: Option<i64>,
        pub exited_us: Option<i64>,
    }
}

impl From<&Track> for PyTrack {
    fn from(t: &Track) -> Self {
        Self {
            track_id: t.id,
            token: t.token.clone(),
            first_us: t.first_us,
            last_us: t.last_us,
            x: t.last_position[0],
            y: t.last_position[1],
            entered_us: t.entered_us,
            exited_us: t.exited_us,
        }
    }
}

result_type! {
    "GatePassage";
    /// A gate event (`kind` "enter" or "exit") and the track it was bound to (`None`:
    /// no shopper found at the gate).
    #[derive(Clone, PartialEq)]
    pub struct PyGatePassage {
        pub t_us: i64,
        pub gate_id: u32,
        /// "enter" or "exit".
        pub kind: String,
        pub track_id: Option<u32>,
        pub has_token: bool,
    }
}

impl From<&GatePassage> for PyGatePassage {
    fn from(g: &GatePassage) -> Self {
        Self {
            t_us: g.t_us,
            gate_id: g.gate_id,
            kind: match g.kind {
                GateEventKind::Enter => "enter",
                GateEventKind::Exit => "exit",
            }
            .to_owned(),
            track_id: g.track_id,
            has_token: g.has_token,
        }
    }
}

result_type! {
    "HandOver";
    /// A unit of `sku` the cameras saw pass from one shopper to another (moved between
    /// their carts).
    #[derive(Clone, PartialEq)]
    pub struct PyHandOver {
        pub t_us: i64,
        pub sku: String,
        pub from_track: u32,
        pub to_track: u32,
        pub sightings: u32,
    }
}

impl PyHandOver {
    pub fn new(store: &StoreModel, h: &HandOver) -> Self {
        Self {
            t_us: h.t_us,
            sku: store.product(h.sku).sku.clone(),
            from_track: h.from_track,
            to_track: h.to_track,
            sightings: h.sightings,
        }
    }
}
