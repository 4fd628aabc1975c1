//! What the engine reports: shelf events with their hypotheses and shopper probabilities,
//! gate passages, and health statistics.

use crate::assoc::ShopperScore;
use crate::engine::buffer::ModalityCounts;
use crate::input::GateEventKind;
use crate::shelf::hypothesis::Hypothesis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InteractionKind {
    /// Weight left the plate.
    Pick,
    /// Weight arrived on the plate.
    PutBack,
    /// Weight went and came back (a hand resting on the plate, a shopper leaning on the
    /// shelf): nothing was taken or left.
    Touch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShelfEvent {
    pub id: u64,
    /// Plate ids (config ids) whose weight changed together.
    pub plates: Vec<u32>,
    pub t_start_us: i64,
    pub t_end_us: i64,
    pub delta_g: f64,
    pub kind: InteractionKind,
    pub hypotheses: Vec<Hypothesis>,
    /// Probability that no product hypothesis explains the delta.
    pub unexplained: f64,
    pub shoppers: Vec<ShopperScore>,
    /// The shopper whose cart this event changed, if any.
    pub assigned_to: Option<u32>,
    /// Probability of the applied (shopper, sku, quantity) outcome.
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatePassage {
    pub t_us: i64,
    pub gate_id: u32,
    pub kind: GateEventKind,
    /// The track the passage was bound to; `None` when no shopper was near the gate.
    pub track_id: Option<u32>,
    pub has_token: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineStats {
    pub weights: ModalityCounts,
    pub positions: ModalityCounts,
    pub gates: ModalityCounts,
    pub person_detections: ModalityCounts,
    pub thermal_blobs: ModalityCounts,
    pub product_detections: ModalityCounts,
    pub rfid_reads: ModalityCounts,
    /// Time up to which every event has been processed.
    pub processed_until_us: Option<i64>,
    /// Newest event time minus the lateness bound.
    pub watermark_us: Option<i64>,
    pub shelf_events: u64,
    pub unassigned_shelf_events: u64,
    pub unmatched_gate_events: u64,
    /// Units moved from one shopper's cart to another's, seen changing hands.
    #[serde(default)]
    pub hand_overs: u64,
    pub open_carts: u64,
    pub receipts: u64,
}

/// One row of the trajectory log ([`super::Engine::trajectories`]): a track's position
/// at one moment. Written to snapshots as the array `[t_us, track_id, x, y]`, the form
/// earlier snapshots hold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "(i64, u32, f64, f64)", into = "(i64, u32, f64, f64)")]
pub struct TrajectoryPoint {
    pub t_us: i64,
    pub track_id: u32,
    /// Floor position, metres.
    pub x: f64,
    pub y: f64,
}

impl From<(i64, u32, f64, f64)> for TrajectoryPoint {
    fn from((t_us, track_id, x, y): (i64, u32, f64, f64)) -> Self {
        Self {
            t_us,
            track_id,
            x,
            y,
        }
    }
}

impl From<TrajectoryPoint> for (i64, u32, f64, f64) {
    fn from(p: TrajectoryPoint) -> Self {
        (p.t_us, p.track_id, p.x, p.y)
    }
}
