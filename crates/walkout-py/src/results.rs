//! Immutable Python views of the engine's results. They are copies: holding one never
//! keeps engine state alive or blocks the engine.

use pyo3::prelude::*;
use walkout_core::cart::{Cart, Receipt, ReceiptLine};
use walkout_core::engine::{GatePassage, HandOver, InteractionKind, ShelfEvent};
use walkout_core::input::GateEventKind;
use walkout_core::store::StoreModel;
use walkout_core::track::Track;

#[pyclass(module = "walkout._core", name = "ReceiptLine", frozen, get_all)]
#[derive(Clone)]
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

#[pymethods]
impl PyReceiptLine {
    fn __repr__(&self) -> String {
        format!(
            "ReceiptLine(sku={:?}, quantity={}, total_cents={}, confidence={:.3}, needs_review={})",
            self.sku,
            self.quantity,
            self.total_cents,
            self.confidence,
            if self.needs_review { "True" } else { "False" }
        )
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

#[pyclass(module = "walkout._core", name = "Receipt", frozen, get_all)]
#[derive(Clone)]
pub struct PyReceipt {
    pub track_id: u32,
    pub token: Option<String>,
    pub exit_us: i64,
    pub lines: Vec<PyReceiptLine>,
    pub total_cents: i64,
    pub needs_review: bool,
}

#[pymethods]
impl PyReceipt {
    /// `{sku: quantity}` of the receipt.
    fn quantities(&self) -> std::collections::BTreeMap<String, u32> {
        self.lines
            .iter()
            .map(|l| (l.sku.clone(), l.quantity))
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Receipt(track_id={}, token={:?}, lines={}, total_cents={}, needs_review={})",
            self.track_id,
            self.token,
            self.lines.len(),
            self.total_cents,
            if self.needs_review { "True" } else { "False" }
        )
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

#[pyclass(module = "walkout._core", name = "CartLine", frozen, get_all)]
#[derive(Clone)]
pub struct PyCartLine {
    pub sku: String,
    pub quantity: u32,
    pub confidence: f64,
    pub evidence: Vec<u64>,
}

#[pyclass(module = "walkout._core", name = "Cart", frozen, get_all)]
#[derive(Clone)]
pub struct PyCart {
    pub track_id: u32,
    pub lines: Vec<PyCartLine>,
}

impl PyCart {
    pub fn new(store: &StoreModel, cart: &Cart) -> Self {
        Self {
            track_id: cart.track_id,
            lines: cart
                .lines
                .values()
                .map(|l| PyCartLine {
                    sku: store.product(l.sku).sku.clone(),
                    quantity: l.quantity,
                    confidence: l.confidence,
                    evidence: l.evidence.clone(),
                })
                .collect(),
        }
    }
}

#[pyclass(module = "walkout._core", name = "Hypothesis", frozen, get_all)]
#[derive(Clone)]
pub struct PyHypothesis {
    pub sku: String,
    pub quantity: u32,
    pub probability: f64,
}

#[pyclass(module = "walkout._core", name = "ShopperScore", frozen, get_all)]
#[derive(Clone)]
pub struct PyShopperScore {
    pub track_id: u32,
    pub probability: f64,
    pub distance_m: f64,
    pub hands: u32,
}

#[pyclass(module = "walkout._core", name = "ShelfEvent", frozen, get_all)]
#[derive(Clone)]
pub struct PyShelfEvent {
    pub id: u64,
    pub plates: Vec<u32>,
    pub t_start_us: i64,
    pub t_end_us: i64,
    pub delta_g: f64,
    /// "pick" or "put_back".
    pub kind: &'static str,
    pub hypotheses: Vec<PyHypothesis>,
    pub unexplained: f64,
    pub shoppers: Vec<PyShopperScore>,
    pub assigned_to: Option<u32>,
    pub confidence: f64,
}

#[pymethods]
impl PyShelfEvent {
    fn __repr__(&self) -> String {
        let best = self
            .hypotheses
            .first()
            .map(|h| format!("{}x{} p={:.2}", h.quantity, h.sku, h.probability))
            .unwrap_or_else(|| "unexplained".into());
        format!(
            "ShelfEvent(id={}, kind={:?}, plates={:?}, delta_g={:.1}, best={}, assigned_to={:?})",
            self.id, self.kind, self.plates, self.delta_g, best, self.assigned_to
        )
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
            },
            hypotheses: e
                .hypotheses
                .iter()
                .map(|h| PyHypothesis {
                    sku: store.product(h.sku).sku.clone(),
                    quantity: h.quantity,
                    probability: h.probability,
                })
                .collect(),
            unexplained: e.unexplained,
            shoppers: e
                .shoppers
                .iter()
                .map(|s| PyShopperScore {
                    track_id: s.track_id,
                    probability: s.probability,
                    distance_m: s.distance_m,
                    hands: s.hands,
                })
                .collect(),
            assigned_to: e.assigned_to,
            confidence: e.confidence,
        }
    }
}

#[pyclass(module = "walkout._core", name = "Track", frozen, get_all)]
#[derive(Clone)]
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

#[pyclass(module = "walkout._core", name = "GatePassage", frozen, get_all)]
#[derive(Clone)]
pub struct PyGatePassage {
    pub t_us: i64,
    pub gate_id: u32,
    /// "enter" or "exit".
    pub kind: &'static str,
    pub track_id: Option<u32>,
    pub has_token: bool,
}

impl From<&GatePassage> for PyGatePassage {
    fn from(g: &GatePassage) -> Self {
        Self {
            t_us: g.t_us,
            gate_id: g.gate_id,
            kind: match g.kind {
                GateEventKind::Enter => "enter",
                GateEventKind::Exit => "exit",
            },
            track_id: g.track_id,
            has_token: g.has_token,
        }
    }
}

#[pyclass(module = "walkout._core", name = "HandOver", frozen, get_all)]
#[derive(Clone)]
pub struct PyHandOver {
    pub t_us: i64,
    pub sku: String,
    pub from_track: u32,
    pub to_track: u32,
    pub sightings: u32,
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

#[pymethods]
impl PyHandOver {
    fn __repr__(&self) -> String {
        format!(
            "HandOver(sku={:?}, from_track={}, to_track={}, t_us={})",
            self.sku, self.from_track, self.to_track, self.t_us
        )
    }
}
