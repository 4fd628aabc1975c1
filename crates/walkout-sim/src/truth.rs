//! Ground truth of a simulated session: what really happened, for scoring the engine.
//! Nothing here is visible to the engine; the sensor batches are.

use serde::{Deserialize, Serialize};

/// True (noise-free) shopper positions on the tracker's frame clock, columnar and sorted
/// by time, then shopper.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryBatch {
    pub t_us: Vec<i64>,
    /// Index into [`GroundTruth::shoppers`].
    pub shopper: Vec<u32>,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl TrajectoryBatch {
    pub fn len(&self) -> usize {
        self.t_us.len()
    }
    pub fn is_empty(&self) -> bool {
        self.t_us.is_empty()
    }
    pub fn push(&mut self, t_us: i64, shopper: u32, x: f64, y: f64) {
        self.t_us.push(t_us);
        self.shopper.push(shopper);
        self.x.push(x);
        self.y.push(y);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Pick,
    PutBack,
}

/// One hand interaction that moved items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueAction {
    pub shopper: u32,
    pub kind: ActionKind,
    pub plate_id: u32,
    pub sku: String,
    pub quantity: u32,
    /// The hand is on the plate from `t_start_us` to `t_end_us`.
    pub t_start_us: i64,
    pub t_end_us: i64,
    /// True change of the plate's load, grams: negative for a pick, positive for a
    /// put-back (the sum of the moved instances' own weights, not the catalogue mean).
    pub grams_moved: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueShopper {
    pub shopper: u32,
    /// The pseudonymous id this shopper's positions carry.
    pub track_id: u32,
    /// Account token scanned at the entry gate.
    pub token: Option<String>,
    pub enter_us: i64,
    pub exit_us: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueReceipt {
    pub shopper: u32,
    pub token: Option<String>,
    pub track_id: u32,
    /// (sku, quantity) sorted by sku; only quantities above zero.
    pub lines: Vec<(String, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub trajectories: TrajectoryBatch,
    /// Sorted by `t_start_us`, then shopper.
    pub actions: Vec<TrueAction>,
    pub shoppers: Vec<TrueShopper>,
    /// One per shopper, in shopper order (empty `lines` when nothing was taken).
    pub receipts: Vec<TrueReceipt>,
    /// (plate_id, sku, count) for every planogram pair, sorted; counts may be 0.
    pub final_stock: Vec<(u32, String, u32)>,
}
