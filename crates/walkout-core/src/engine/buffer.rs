//! The reorder buffer: events wait here until the watermark passes them, then leave in
//! a canonical order with exact duplicates removed. Results therefore depend only on the
//! set of events that arrived within the lateness bound, never on their arrival order.

use crate::input::GateEventKind;
pub use crate::rfid::RfidRead;
pub use crate::track::measure::{PersonDetection, ThermalDetection};

/// A product seen by a camera (typically in a hand).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProductDetection {
    pub t_us: i64,
    pub camera_id: u32,
    pub bbox: [f32; 4],
    pub class_id: u32,
    pub score: f32,
}
use serde::{Deserialize, Serialize};

mod weights;
pub use weights::{PlateBuffer, WeightBuffer};

use super::pending::{EventTime, Pending};

/// Every buffered event type has its time where `take_until` looks for it.
macro_rules! event_time {
    ($($t:ty),*) => {
        $(impl EventTime for $t {
            fn t_us(&self) -> i64 {
                self.t_us
            }
        })*
    };
}
event_time!(
    PositionSample,
    GateEvent,
    PersonDetection,
    ThermalDetection,
    ProductDetection,
    RfidRead
);

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
    /// Pending weight samples (a snapshot lists one buffer per plate index).
    pub weights: WeightBuffer,
    pub positions: Pending<PositionSample>,
    pub gates: Pending<GateEvent>,
    pub persons: Pending<PersonDetection>,
    pub thermal: Pending<ThermalDetection>,
    pub products: Pending<ProductDetection>,
    pub rfid: Pending<RfidRead>,
    pub max_seen_us: Option<i64>,
}

impl ReorderBuffer {
    pub fn note_time(&mut self, t_us: i64) {
        self.max_seen_us = Some(self.max_seen_us.map_or(t_us, |m| m.max(t_us)));
    }

    /// Buffer weight samples `(plate index, t_us, grams)`.
    pub fn push_weights(&mut self, rows: impl IntoIterator<Item = (usize, i64, f64)>) {
        for (plate, t_us, grams) in rows {
            self.weights.push(plate, t_us, grams);
        }
    }

    /// Hand every weight sample with `t <= until` to `sink(plate, t, grams)`, each
    /// plate's in time order (one plate after another), two readings of one plate at
    /// one instant counted once (the same reading sent twice; the lower value wins so
    /// the choice is deterministic).
    pub fn drain_weights(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
        sink: impl FnMut(usize, i64, f64),
    ) {
        self.weights.drain(until, counts, sink);
    }

    /// Positions with `t <= until`, sorted by (track, time), duplicates removed.
    pub fn drain_positions(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<PositionSample> {
        drain_canonical(
            &mut self.positions,
            until,
            counts,
            |a, b| {
                (a.track_id, a.t_us)
                    .cmp(&(b.track_id, b.t_us))
                    .then(a.x.total_cmp(&b.x))
                    .then(a.y.total_cmp(&b.y))
            },
            |a, b| a.track_id == b.track_id && a.t_us == b.t_us,
        )
    }

    /// Gate events with `t <= until`, sorted by time, duplicates removed.
    pub fn drain_gates(&mut self, until: i64, counts: &mut ModalityCounts) -> Vec<GateEvent> {
        // The order compares every field: events it cannot tell apart are equal.
        drain_canonical(
            &mut self.gates,
            until,
            counts,
            |a, b| {
                (a.t_us, a.gate_id, a.kind, &a.token).cmp(&(b.t_us, b.gate_id, b.kind, &b.token))
            },
            |a, b| a == b,
        )
    }
}

/// The events of `pending` with `t <= until`, sorted by `order`, each event `same` as
/// the one kept before it dropped as a duplicate; `counts` counts both. The one drain of
/// every modality: results depend on the set of events, never on their arrival order.
fn drain_canonical<T: EventTime>(
    pending: &mut Pending<T>,
    until: i64,
    counts: &mut ModalityCounts,
    order: impl FnMut(&T, &T) -> std::cmp::Ordering,
    mut same: impl FnMut(&T, &T) -> bool,
) -> Vec<T> {
    let mut out = pending.take_until(until);
    out.sort_unstable_by(order);
    let before = out.len();
    out.dedup_by(|b, a| same(a, b));
    counts.duplicates += (before - out.len()) as u64;
    counts.processed += out.len() as u64;
    out
}

/// [`drain_canonical`] ordered by `key`, events of equal keys being duplicates.
fn drain_by_key<T: EventTime, K: Ord>(
    pending: &mut Pending<T>,
    until: i64,
    counts: &mut ModalityCounts,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    drain_canonical(
        pending,
        until,
        counts,
        |a, b| key(a).cmp(&key(b)),
        |a, b| key(a) == key(b),
    )
}

impl ReorderBuffer {
    /// Drop the embeddings of the detections waiting (before a snapshot leaves the
    /// process without them).
    pub fn forget_embeddings(&mut self) {
        for d in self.persons.iter_mut() {
            d.embedding = None;
        }
    }

    /// Person detections with `t <= until`, sorted by (time, camera, box), duplicates
    /// removed.
    pub fn drain_persons(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<PersonDetection> {
        let key = |d: &PersonDetection| (d.t_us, d.camera_id, d.bbox.map(f32::to_bits));
        drain_canonical(
            &mut self.persons,
            until,
            counts,
            |a, b| key(a).cmp(&key(b)).then(a.score.total_cmp(&b.score)),
            |a, b| key(a) == key(b),
        )
    }

    /// Thermal blobs with `t <= until`, sorted by (time, camera, centroid), duplicates
    /// removed.
    pub fn drain_thermal(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<ThermalDetection> {
        drain_by_key(&mut self.thermal, until, counts, |d| {
            (d.t_us, d.camera_id, d.centroid.map(f32::to_bits))
        })
    }
}

impl ReorderBuffer {
    /// Product detections with `t <= until`, sorted by (time, camera, class, box).
    pub fn drain_products(
        &mut self,
        until: i64,
        counts: &mut ModalityCounts,
    ) -> Vec<ProductDetection> {
        drain_by_key(&mut self.products, until, counts, |d| {
            (
                d.t_us,
                d.camera_id,
                d.class_id,
                d.bbox.map(f32::to_bits),
                d.score.to_bits(),
            )
        })
    }

    /// RFID reads with `t <= until`, sorted by (time, reader, antenna, epc).
    pub fn drain_rfid(&mut self, until: i64, counts: &mut ModalityCounts) -> Vec<RfidRead> {
        drain_by_key(&mut self.rfid, until, counts, |r| {
            (
                r.t_us,
                r.reader_id,
                r.antenna_id,
                r.epc,
                r.rssi_dbm.to_bits(),
            )
        })
    }
}
