//! The reorder buffer: events wait here until the watermark passes them, then leave in
//! a canonical order with exact duplicates removed. Results therefore depend only on the
//! set of events that arrived within the lateness bound, never on their arrival order.

use crate::input::GateEventKind;
pub use crate::track::measure::{PersonDetection, ThermalDetection};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightSample {
    pub t_us: i64,
    pub plate: u32,
    pub grams: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PositionSample {
    pub t_us: i64,
    pub track_id: u32,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateEvent {
    pub t_us: i64,
    pub gate_id: u32,
    pub kind: GateEventKind,
    pub token: Option<String>,
}

/// Counters per modality, for health reporting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModalityCounts {
    pub received: u64,
    /// Arrived after the engine had processed their time: counted, not used.
    pub late: u64,
    /// Exact repeats of an event already buffered: dropped (ingestion is idempotent).
    pub duplicates: u64,
    pub processed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReorderBuffer {
    pub weights: Vec<WeightSample>,
    pub positions: Vec<PositionSample>,
    pub gates: Vec<GateEvent>,
    pub persons: Vec<PersonDetection>,
    pub thermal: Vec<ThermalDetection>,
    pub max_seen_us: Option<i64>,
}

impl ReorderBuffer {
    pub fn note_time(&mut self, t_us: i64) {
        self.max_seen_us = Some(self.max_seen_us.map_or(t_us, |m| m.max(t_us)));
    }

    /// Weight samples with `t <= until`, sorted by (plate, time), duplicates removed.
    pub fn drain_weights(&mut self, until: i64, counts: &mut ModalityCounts) -> Vec<WeightSample> {
        let mut out = take_until(&mut self.weights, until, |w| w.t_us);
        out.sort_unstable_by(|a, b| {
            (a.plate, a.t_us)
                .cmp(&(b.plate, b.t_us))
                .then(a.grams.total_cmp(&b.grams))
        });
        let before = out.len();
        // Two readings of one plate at one instant are one reading sent twice.
        out.dedup_by(|b, a| a.plate == b.plate && a.t_us == b.t_us);
        counts.duplicates += (before - out.len()) as u64;
        counts.processed += out.len() as u64;
        out
    }

    /// Positions with `t <= until`, sorted by (track, time), duplicates removed.
    pub fn drain_positions(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<PositionSample> {
        let mut out = take_until(&mut self.positions, until, |p| p.t_us);
        out.sort_unstable_by(|a, b| {
            (a.track_id, a.t_us)
                .cmp(&(b.track_id, b.t_us))
                .then(a.x.total_cmp(&b.x))
                .then(a.y.total_cmp(&b.y))
        });
        let before = out.len();
        out.dedup_by(|b, a| a.track_id == b.track_id && a.t_us == b.t_us);
        counts.duplicates += (before - out.len()) as u64;
        counts.processed += out.len() as u64;
        out
    }

    /// Gate events with `t <= until`, sorted by time, duplicates removed.
    pub fn drain_gates(&mut self, until: i64, counts: &mut ModalityCounts) -> Vec<GateEvent> {
        let mut out = take_until(&mut self.gates, until, |g| g.t_us);
        out.sort_by(|a, b| {
            (a.t_us, a.gate_id, a.kind, &a.token).cmp(&(b.t_us, b.gate_id, b.kind, &b.token))
        });
        let before = out.len();
        out.dedup();
        counts.duplicates += (before - out.len()) as u64;
        counts.processed += out.len() as u64;
        out
    }
}

impl ReorderBuffer {
    /// Person detections with `t <= until`, sorted by (time, camera, box), duplicates
    /// removed.
    pub fn drain_persons(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<PersonDetection> {
        let mut out = take_until(&mut self.persons, until, |d| d.t_us);
        let key = |d: &PersonDetection| (d.t_us, d.camera_id, d.bbox.map(f32::to_bits));
        out.sort_unstable_by(|a, b| key(a).cmp(&key(b)).then(a.score.total_cmp(&b.score)));
        let before = out.len();
        out.dedup_by(|b, a| key(a) == key(b));
        counts.duplicates += (before - out.len()) as u64;
        counts.processed += out.len() as u64;
        out
    }

    /// Thermal blobs with `t <= until`, sorted by (time, camera, centroid), duplicates
    /// removed.
    pub fn drain_thermal(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<ThermalDetection> {
        let mut out = take_until(&mut self.thermal, until, |d| d.t_us);
        let key = |d: &ThermalDetection| (d.t_us, d.camera_id, d.centroid.map(f32::to_bits));
        out.sort_unstable_by_key(key);
        let before = out.len();
        out.dedup_by(|b, a| key(a) == key(b));
        counts.duplicates += (before - out.len()) as u64;
        counts.processed += out.len() as u64;
        out
    }
}

/// Move the elements with `key(e) <= until` out of `v`, keeping the rest.
fn take_until<T>(v: &mut Vec<T>, until: i64, key: impl Fn(&T) -> i64) -> Vec<T> {
    if v.iter().all(|e| key(e) > until) {
        return Vec::new();
    }
    let (ready, rest): (Vec<T>, Vec<T>) =
        std::mem::take(v).into_iter().partition(|e| key(e) <= until);
    *v = rest;
    ready
}
