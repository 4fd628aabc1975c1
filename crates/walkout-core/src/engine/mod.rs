//! The public engine: ingest sensor batches, advance time, query the results.
//!
//! Time advances in two stages. Ingested events wait in the [`buffer::ReorderBuffer`]
//! until `step` processes them in canonical order. Detected interactions and gate
//! passages then wait in the fusion queue for a fixed *fusion delay* after their own time,
//! so that every piece of evidence they need (positions after a gate event, a change on a
//! neighbouring plate) is already in; the queue releases them in time order.

pub mod buffer;
pub mod events;
mod fusion;
mod ingest;
pub mod pending;
mod snapshot;
mod snapshot_check;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashMap;

use crate::cart::{Cart, Inventory, Receipt};
use crate::config::{FusionParams, GateKind, Mat3, StoreConfig};
use crate::errors::{Result, WalkoutError};
use crate::geometry::CameraModel;
use crate::rfid::{RfidModel, RfidState};
use crate::shelf::weight::{DetectorParams, PlateDetector, WeightChange};
use crate::store::{SkuIdx, StoreModel};
use crate::track::tracker::{Tracker, TrackerParams};
use crate::track::{Track, TrackStore};
use buffer::ReorderBuffer;
pub use events::{EngineStats, GatePassage, InteractionKind, ShelfEvent, TrajectoryPoint};
pub use fusion::HandOver;
use fusion::{Interaction, Queued, HOLD_WAIT_US, RECEIPT_AFTER_EXIT_US};
pub use ingest::{
    MAX_ABS_GRAMS, MAX_ABS_PX, MAX_BLOB_AREA_PX, MAX_TOKEN_BYTES, RSSI_RANGE_DBM,
    TEMPERATURE_RANGE_C,
};
pub(crate) use ingest::{MAX_T_US, MIN_T_US};
pub use snapshot::seal;

fn us(seconds: f64) -> i64 {
    (seconds * 1e6).round() as i64
}

/// A tag unread in its shelf zone for this long has left it.
pub(crate) const RFID_ABSENT_S: f64 = 1.5;
/// Evidence (tag departures, products seen in hand) counts this long after an interaction.
pub(crate) const EVIDENCE_AFTER_US: i64 = 2_500_000;

pub struct Engine {
    store: StoreModel,
    params: FusionParams,
    detectors: Vec<PlateDetector>,
    buffer: ReorderBuffer,
    pending_changes: Vec<WeightChange>,
    queue: Vec<Queued>,
    /// Interactions waiting for evidence that explains them (`fusion::holds`).
    holds: Vec<Interaction>,
    /// Sighting windows queued for a hand-over check, and the hand-overs found.
    hand_over_windows: BTreeSet<i64>,
    hand_overs: Vec<HandOver>,
    tracks: TrackStore,
    tracker: Tracker,
    cameras: FxHashMap<u32, CameraModel>,
    thermal_homographies: FxHashMap<u32, Mat3>,
    rfid_model: RfidModel,
    rfid: RfidState,
    /// Product of each vision class id.
    sku_by_class: FxHashMap<u32, SkuIdx>,
    /// Decimated track positions for evaluation and visualisation; off when the
    /// interval is 0.
    trajectory_log: Vec<TrajectoryPoint>,
    trajectory_interval_us: i64,
    trajectory_last: HashMap<u32, i64>,
    carts: BTreeMap<u32, Cart>,
    inventory: Inventory,
    shelf_events: Vec<ShelfEvent>,
    gate_log: Vec<GatePassage>,
    receipts: Vec<Receipt>,
    stats: EngineStats,
    processed_until: Option<i64>,
    finished: bool,
    lateness_us: i64,
    detect_delay_us: i64,
    merge_window_us: i64,
    fusion_delay_us: i64,
    /// Length of the embeddings of the first batch that had them; later ones must match.
    embedding_dim: Option<usize>,
    /// Shelf associations asked for again (derived, not state: a restored engine starts
    /// without and computes the same answers).
    assoc_cache: fusion::AssocCache,
}

/// One change detector per plate of the store.
fn plate_detectors(store: &StoreModel, params: &FusionParams) -> Vec<PlateDetector> {
    store
        .plates
        .iter()
        .enumerate()
        .map(|(i, p)| {
            PlateDetector::new(
                i,
                DetectorParams::new(
                    p.rate_hz,
                    p.noise_std_g,
                    p.min_delta_g,
                    params.stable_window_s,
                    params.max_sample_gap_s,
                ),
            )
        })
        .collect()
}

/// The tracker of the engine's own tracks, with the store's entry and exit gates.
fn tracker_of(store: &StoreModel, params: &FusionParams) -> Tracker {
    let gates_of = |kind: GateKind| {
        store
            .gates
            .iter()
            .filter(|g| g.kind == kind)
            .map(|g| g.position)
            .collect::<Vec<_>>()
    };
    Tracker::new(
        TrackerParams {
            clock_skew_s: params.camera_clock_skew_s,
            max_coast_us: us(params.track_max_coast_s),
            birth_radius_m: params.track_birth_radius_m,
            ..TrackerParams::default()
        },
        gates_of(GateKind::Entry),
        gates_of(GateKind::Exit),
    )
}

/// How long a detected interaction or gate passage waits in the fusion queue: until the
/// positions after a gate event, a neighbouring plate's change (merged within
/// `merge_window_us`, detected `detect_delay_us` late) and the evidence that arrives
/// after an interaction (a tag found missing from its zone, an item seen in a hand as
/// the shopper turns away) are all in.
fn fusion_delay_us(params: &FusionParams, merge_window_us: i64, detect_delay_us: i64) -> i64 {
    let fusion_delay_us =
        us(params.gate_bind_window_s).max(merge_window_us + detect_delay_us) + 250_000;
    fusion_delay_us.max(EVIDENCE_AFTER_US + us(RFID_ABSENT_S) + 250_000)
}

/// Whether data at `t` comes after the engine processed up to `processed_until`: late
/// data is counted, never used.
fn late_after(processed_until: Option<i64>, t: i64) -> bool {
    processed_until.is_some_and(|p| t <= p)
}

impl Engine {
    pub fn new(config: StoreConfig) -> Result<Self> {
        let params = config.fusion.clone();
        let store = StoreModel::new(config)?;
        let detectors = plate_detectors(&store, &params);
        let detect_delay_us = detectors
            .iter()
            .zip(&store.plates)
            .map(|(d, p)| d.params().detection_delay_us(p.rate_hz))
            .max()
            .unwrap_or(0);
        let merge_window_us = us(params.merge_window_s);
        let tracker = tracker_of(&store, &params);
        let cameras = store
            .config
            .cameras
            .iter()
            .map(|c| (c.id, CameraModel::from_config(c)))
            .collect();
        let thermal_homographies = store
            .config
            .thermal_cameras
            .iter()
            .map(|c| (c.id, c.homography))
            .collect();
        let rfid_model = RfidModel::new(&store.config, &store);
        let sku_by_class = store
            .config
            .products
            .iter()
            .filter_map(|p| Some((p.vision_class?, store.sku_idx(&p.sku)?)))
            .collect();
        let fusion_delay_us = fusion_delay_us(&params, merge_window_us, detect_delay_us);
        Ok(Self {
            rfid_model,
            rfid: RfidState::default(),
            sku_by_class,
            tracker,
            cameras,
            thermal_homographies,
            trajectory_log: Vec::new(),
            trajectory_interval_us: 0,
            trajectory_last: HashMap::new(),
            inventory: Inventory::from_planogram(&store),
            lateness_us: us(params.lateness_s),
            params,
            detectors,
            buffer: ReorderBuffer::default(),
            pending_changes: Vec::new(),
            queue: Vec::new(),
            holds: Vec::new(),
            hand_over_windows: BTreeSet::new(),
            hand_overs: Vec::new(),
            tracks: TrackStore::default(),
            carts: BTreeMap::new(),
            shelf_events: Vec::new(),
            gate_log: Vec::new(),
            receipts: Vec::new(),
            stats: EngineStats::default(),
            processed_until: None,
            finished: false,
            detect_delay_us,
            merge_window_us,
            fusion_delay_us,
            embedding_dim: None,
            assoc_cache: Default::default(),
            store,
        })
    }

    /// Length of the embeddings a restored state holds (tracks' looks first, then
    /// detections waiting), if any: later batches must match it.
    fn stored_embedding_dim(&self) -> Option<usize> {
        let tracks = self.tracker.tracks().iter();
        tracks
            .map(|t| t.appearance.embedding.dim())
            .find(|&d| d > 0)
            .or_else(|| {
                self.buffer
                    .persons
                    .iter()
                    .find_map(|d| d.embedding.as_ref().map(|e| e.len()))
            })
    }

    pub fn from_json(config_json: &str) -> Result<Self> {
        Self::new(StoreConfig::from_json(config_json)?)
    }

    pub fn store(&self) -> &StoreModel {
        &self.store
    }

    fn check_open(&self) -> Result<()> {
        if self.finished {
            return Err(WalkoutError::State(
                "the engine is finished; create a new Engine for more data".into(),
            ));
        }
        Ok(())
    }

    /// Keep a decimated log of every track's positions (for evaluation and replay
    /// visualisation); `hz = 0` turns it off. Memory grows with the session.
    pub fn set_trajectory_log(&mut self, hz: f64) {
        self.trajectory_interval_us = if hz > 0.0 { (1e6 / hz) as i64 } else { 0 };
    }

    /// The trajectory log: rows in time order per track.
    pub fn trajectories(&self) -> &[TrajectoryPoint] {
        &self.trajectory_log
    }

    /// Newest event time seen minus the lateness bound: events at or before it can no
    /// longer be overtaken by a late arrival within the bound.
    pub fn watermark(&self) -> Option<i64> {
        self.buffer.max_seen_us.map(|m| m - self.lateness_us)
    }

    /// Process everything up to `until_us` (default: the watermark). Calling with a time
    /// beyond the watermark asserts that nothing older will arrive; events that still do
    /// are counted as late.
    pub fn step(&mut self, until_us: Option<i64>) -> Result<()> {
        self.check_open()?;
        // A time in seconds, milliseconds or nanoseconds would move the processed time
        // so far (or nowhere) that every later sample counts as late and is dropped.
        if let Some(t) = until_us {
            ingest::check_time("step.until_us", 0, t)?;
        }
        let Some(until) = until_us.or_else(|| self.watermark()) else {
            return Ok(());
        };
        self.advance(until);
        Ok(())
    }

    /// Process every buffered event and issue the receipts of shoppers who left. No
    /// further ingestion is accepted.
    pub fn finish(&mut self) -> Result<()> {
        self.check_open()?;
        if let Some(last) = self.buffer.max_seen_us {
            // Far enough past the last event that every hold in the pipeline expires.
            let horizon = us(self.params.receipt_delay_s).max(RECEIPT_AFTER_EXIT_US)
                + HOLD_WAIT_US
                + self.fusion_delay_us
                + self.merge_window_us
                + self.detect_delay_us;
            self.advance(last.saturating_add(horizon));
        }
        self.finished = true;
        Ok(())
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn shelf_events(&self) -> &[ShelfEvent] {
        &self.shelf_events
    }

    /// Units seen changing hands between shoppers, in the order they were applied.
    pub fn hand_overs(&self) -> &[HandOver] {
        &self.hand_overs
    }

    pub fn gate_passages(&self) -> &[GatePassage] {
        &self.gate_log
    }

    pub fn receipts(&self) -> &[Receipt] {
        &self.receipts
    }

    /// Carts of shoppers still in the store (and of those whose receipt is pending).
    pub fn carts(&self) -> impl Iterator<Item = &Cart> {
        self.carts.values()
    }

    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    pub fn tracks(&self) -> impl Iterator<Item = &Track> {
        self.tracks.iter()
    }

    pub fn stats(&self) -> EngineStats {
        EngineStats {
            processed_until_us: self.processed_until,
            watermark_us: self.watermark(),
            open_carts: self.carts.len() as u64,
            receipts: self.receipts.len() as u64,
            ..self.stats
        }
    }
}
