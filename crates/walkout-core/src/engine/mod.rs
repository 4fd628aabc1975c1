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
pub mod pending;
mod snapshot;
mod snapshot_check;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashMap;

use crate::cart::{Cart, Inventory, Receipt};
use crate::config::{FusionParams, GateKind, Mat3, StoreConfig};
use crate::errors::{Result, WalkoutError};
use crate::geometry::CameraModel;
use crate::input::{
    check_embedding_rows, check_lengths as check_same_len, EmbeddingRows, GateEventKind,
};
use crate::rfid::{RfidModel, RfidRead, RfidState};
use crate::shelf::weight::{DetectorParams, PlateDetector, WeightChange};
use crate::store::{SkuIdx, StoreModel};
use crate::track::embedding::unit;
use crate::track::tracker::{Tracker, TrackerParams};
use crate::track::{Track, TrackStore};
use buffer::{
    GateEvent, PersonDetection, PositionSample, ProductDetection, ReorderBuffer, ThermalDetection,
};
pub use events::{EngineStats, GatePassage, InteractionKind, ShelfEvent};
pub use fusion::HandOver;
use fusion::{Interaction, Queued, HOLD_WAIT_US, RECEIPT_AFTER_EXIT_US};
pub use snapshot::seal;

fn us(seconds: f64) -> i64 {
    (seconds * 1e6).round() as i64
}

/// A tag unread in its shelf zone for this long has left it.
pub(crate) const RFID_ABSENT_S: f64 = 1.5;
/// Evidence (tag departures, products seen in hand) counts this long after an interaction.
pub(crate) const EVIDENCE_AFTER_US: i64 = 2_500_000;

/// Plausible sensor clock range: 2000-01-01 to 2100-01-01 in µs since the Unix epoch.
const MIN_T_US: i64 = 946_684_800_000_000;
const MAX_T_US: i64 = 4_102_444_800_000_000;

/// Largest raw plate reading accepted, either sign: one tonne. Real readings (not zeroed,
/// drifting) stay far inside; a value beyond is a broken sensor or a unit mix-up, and
/// squares of such values overflow the detector's variance sums to infinity.
pub const MAX_ABS_GRAMS: f64 = 1e6;
/// Largest pixel coordinate accepted, either sign. Detectors report boxes partly outside
/// the image, never a hundred thousand pixels away from it.
pub const MAX_ABS_PX: f32 = 1e5;
/// Accepted thermal blob areas (pixels²) and temperatures (°C).
pub const MAX_BLOB_AREA_PX: f32 = 1e8;
pub const TEMPERATURE_RANGE_C: (f32, f32) = (-100.0, 200.0);
/// Accepted RFID signal strengths (dBm); readers report roughly -90..-20.
pub const RSSI_RANGE_DBM: (f32, f32) = (-200.0, 100.0);

/// The first value of `values` that is not finite or lies outside `-max..=max`.
fn first_out_of_range(values: &[f32], max: f32) -> Option<f32> {
    values
        .iter()
        .copied()
        .find(|v| !v.is_finite() || v.abs() > max)
}

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
    trajectory_log: Vec<(i64, u32, f64, f64)>,
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

/// Whether data at `t` comes after the engine processed up to `processed_until`
/// (`Engine::is_late`, for loops that hold other borrows of the engine).
fn late_after(processed_until: Option<i64>, t: i64) -> bool {
    processed_until.is_some_and(|p| t <= p)
}

impl Engine {
    pub fn new(config: StoreConfig) -> Result<Self> {
        let params = config.fusion.clone();
        let store = StoreModel::new(config)?;
        let detectors: Vec<PlateDetector> = store
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
            .collect();
        let detect_delay_us = detectors
            .iter()
            .zip(&store.plates)
            .map(|(d, p)| d.params().detection_delay_us(p.rate_hz))
            .max()
            .unwrap_or(0);
        let merge_window_us = us(params.merge_window_s);
        let fusion_delay_us =
            us(params.gate_bind_window_s).max(merge_window_us + detect_delay_us) + 250_000;
        let gates_of = |kind: GateKind| {
            store
                .gates
                .iter()
                .filter(|g| g.kind == kind)
                .map(|g| g.position)
                .collect::<Vec<_>>()
        };
        let (entries, exits) = (gates_of(GateKind::Entry), gates_of(GateKind::Exit));
        let tracker = Tracker::new(
            TrackerParams {
                clock_skew_s: params.camera_clock_skew_s,
                max_coast_us: us(params.track_max_coast_s),
                birth_radius_m: params.track_birth_radius_m,
                ..TrackerParams::default()
            },
            entries,
            exits,
        );
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
        // Evidence that arrives after an interaction (a tag found missing from its zone,
        // an item seen in a hand as the shopper turns away) must be in before fusion.
        let fusion_delay_us = fusion_delay_us.max(EVIDENCE_AFTER_US + us(RFID_ABSENT_S) + 250_000);
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

    fn check_time(field: &str, row: usize, t: i64) -> Result<()> {
        if !(MIN_T_US..=MAX_T_US).contains(&t) {
            return Err(WalkoutError::input(
                field,
                row,
                t,
                "timestamp outside 2000..2100 (expected µs since the Unix epoch)",
            ));
        }
        Ok(())
    }

    fn is_late(&self, t: i64) -> bool {
        late_after(self.processed_until, t)
    }

    /// Ingest raw weight samples. The whole batch is checked first: a bad row rejects the
    /// batch with an error naming it, so nothing is half-ingested.
    pub fn ingest_weights(&mut self, plate_id: &[u32], t_us: &[i64], grams: &[f64]) -> Result<()> {
        self.check_open()?;
        check_same_len(
            "weights",
            &[
                ("plate_id", plate_id.len()),
                ("t_us", t_us.len()),
                ("grams", grams.len()),
            ],
        )?;
        let mut plates = Vec::with_capacity(plate_id.len());
        for (row, ((&pid, &t), &g)) in plate_id.iter().zip(t_us).zip(grams).enumerate() {
            let idx = self.store.plate_idx(pid).ok_or_else(|| {
                WalkoutError::input(
                    "weights.plate_id",
                    row,
                    pid,
                    "no plate with this id in the store config",
                )
            })?;
            Self::check_time("weights.t_us", row, t)?;
            if !g.is_finite() || g.abs() > MAX_ABS_GRAMS {
                return Err(WalkoutError::input(
                    "weights.grams",
                    row,
                    g,
                    format!("weight must be finite and within ±{MAX_ABS_GRAMS} g"),
                ));
            }
            plates.push(idx as u32);
        }
        // Counted and timed once per batch, so that the loop over the rows only
        // buffers them.
        let processed_until = self.processed_until;
        let (mut late, mut max_t) = (0, None);
        let on_time = plates
            .iter()
            .zip(t_us)
            .zip(grams)
            .filter_map(|((&p, &t), &g)| {
                if late_after(processed_until, t) {
                    late += 1;
                    return None;
                }
                max_t = max_t.max(Some(t));
                Some((p as usize, t, g))
            });
        self.buffer.push_weights(on_time);
        self.stats.weights.received += plates.len() as u64;
        self.stats.weights.late += late;
        if let Some(t) = max_t {
            self.buffer.note_time(t);
        }
        Ok(())
    }

    /// Ingest shopper floor positions from an upstream tracker.
    pub fn ingest_positions(
        &mut self,
        t_us: &[i64],
        track_id: &[u32],
        x: &[f64],
        y: &[f64],
    ) -> Result<()> {
        self.check_open()?;
        check_same_len(
            "positions",
            &[
                ("t_us", t_us.len()),
                ("track_id", track_id.len()),
                ("x", x.len()),
                ("y", y.len()),
            ],
        )?;
        let floor = self.store.config.floor;
        for row in 0..t_us.len() {
            Self::check_time("positions.t_us", row, t_us[row])?;
            for (name, v, max) in [
                ("positions.x", x[row], floor[0]),
                ("positions.y", y[row], floor[1]),
            ] {
                // A tracker's estimate may stray a little outside the walls; far outside is a bug.
                if !v.is_finite() || v < -1.0 || v > max + 1.0 {
                    return Err(WalkoutError::input(
                        name,
                        row,
                        v,
                        format!("position must be finite and on the floor (0..{max} m)"),
                    ));
                }
            }
        }
        for row in 0..t_us.len() {
            self.stats.positions.received += 1;
            let t = t_us[row];
            if self.is_late(t) {
                self.stats.positions.late += 1;
                continue;
            }
            self.buffer.note_time(t);
            self.buffer.positions.push(PositionSample {
                t_us: t,
                track_id: track_id[row],
                x: x[row],
                y: y[row],
            });
        }
        Ok(())
    }

    /// Ingest gate passages. `token` is an account token from an explicit check-in.
    pub fn ingest_gates(
        &mut self,
        gate_id: &[u32],
        t_us: &[i64],
        kind: &[GateEventKind],
        token: &[Option<String>],
    ) -> Result<()> {
        self.check_open()?;
        check_same_len(
            "gates",
            &[
                ("gate_id", gate_id.len()),
                ("t_us", t_us.len()),
                ("kind", kind.len()),
                ("token", token.len()),
            ],
        )?;
        for row in 0..t_us.len() {
            if self.store.gate(gate_id[row]).is_none() {
                return Err(WalkoutError::input(
                    "gates.gate_id",
                    row,
                    gate_id[row],
                    "no gate with this id in the store config",
                ));
            }
            Self::check_time("gates.t_us", row, t_us[row])?;
        }
        for row in 0..t_us.len() {
            self.stats.gates.received += 1;
            let t = t_us[row];
            if self.is_late(t) {
                self.stats.gates.late += 1;
                continue;
            }
            self.buffer.note_time(t);
            self.buffer.gates.push(GateEvent {
                t_us: t,
                gate_id: gate_id[row],
                kind: kind[row],
                token: token[row].clone(),
            });
        }
        Ok(())
    }

    /// Ingest person detections of the cameras. `bbox` holds 4 values per row
    /// (x1, y1, x2, y2 px), `keypoints` 51 per row (17 COCO joints × (x, y, confidence)).
    pub fn ingest_person_detections(
        &mut self,
        camera_id: &[u32],
        t_us: &[i64],
        bbox: &[f32],
        score: &[f32],
        keypoints: Option<&[f32]>,
        embedding: Option<EmbeddingRows<'_>>,
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        if let Some(rows) = embedding {
            check_embedding_rows(rows, n, self.embedding_dim)?;
        }
        check_same_len(
            "person_detections",
            &[
                ("t_us", n),
                ("camera_id", camera_id.len()),
                ("bbox/4", bbox.len() / 4),
                ("score", score.len()),
                ("keypoints/51", keypoints.map_or(n, |k| k.len() / 51)),
            ],
        )?;
        if !bbox.len().is_multiple_of(4) || keypoints.is_some_and(|k| !k.len().is_multiple_of(51)) {
            return Err(WalkoutError::input(
                "person_detections.bbox",
                0,
                bbox.len(),
                "bbox must be (N, 4) and keypoints (N, 17, 3)",
            ));
        }
        for row in 0..n {
            let cam = camera_id[row];
            if !self.cameras.contains_key(&cam) {
                return Err(WalkoutError::input(
                    "person_detections.camera_id",
                    row,
                    cam,
                    "no camera with this id in the store config",
                ));
            }
            Self::check_time("person_detections.t_us", row, t_us[row])?;
            let b = &bbox[row * 4..row * 4 + 4];
            let inside =
                first_out_of_range(b, MAX_ABS_PX).is_none() && b[2] >= b[0] && b[3] >= b[1];
            if !inside {
                return Err(WalkoutError::input(
                    "person_detections.bbox",
                    row,
                    format!("{b:?}"),
                    format!(
                        "box must be finite, within ±{MAX_ABS_PX} px, with x2 >= x1 and y2 >= y1"
                    ),
                ));
            }
            if !(0.0..=1.0).contains(&score[row]) {
                return Err(WalkoutError::input(
                    "person_detections.score",
                    row,
                    score[row],
                    "score must be within 0..1",
                ));
            }
            if let Some(k) = keypoints {
                if let Some(bad) = first_out_of_range(&k[row * 51..row * 51 + 51], MAX_ABS_PX) {
                    return Err(WalkoutError::input(
                        "person_detections.keypoints",
                        row,
                        bad,
                        format!(
                            "keypoints must be finite and within ±{MAX_ABS_PX} px \
                             (confidence 0 marks a missing joint)"
                        ),
                    ));
                }
            }
        }
        for row in 0..n {
            self.stats.person_detections.received += 1;
            let t = t_us[row];
            if self.is_late(t) {
                self.stats.person_detections.late += 1;
                continue;
            }
            self.buffer.note_time(t);
            let mut kp = [[0.0f32; 3]; 17];
            if let Some(k) = keypoints {
                for (j, joint) in kp.iter_mut().enumerate() {
                    let o = row * 51 + j * 3;
                    *joint = [k[o], k[o + 1], k[o + 2]];
                }
            }
            let b = &bbox[row * 4..row * 4 + 4];
            self.buffer.persons.push(PersonDetection {
                t_us: t,
                camera_id: camera_id[row],
                bbox: [b[0], b[1], b[2], b[3]],
                score: score[row],
                keypoints: kp,
                embedding: embedding.and_then(|e| unit(&e.values[row * e.dim..(row + 1) * e.dim])),
            });
        }
        if let Some(rows) = embedding.filter(|_| n > 0) {
            self.embedding_dim = Some(rows.dim);
        }
        Ok(())
    }

    /// Ingest blobs of the top-down thermal cameras; `centroid` holds 2 values per row.
    pub fn ingest_thermal_blobs(
        &mut self,
        camera_id: &[u32],
        t_us: &[i64],
        centroid: &[f32],
        area_px: &[f32],
        temperature_c: &[f32],
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        check_same_len(
            "thermal_blobs",
            &[
                ("t_us", n),
                ("camera_id", camera_id.len()),
                ("centroid/2", centroid.len() / 2),
                ("area_px", area_px.len()),
                ("temperature_c", temperature_c.len()),
            ],
        )?;
        if !centroid.len().is_multiple_of(2) {
            return Err(WalkoutError::input(
                "thermal_blobs.centroid",
                0,
                centroid.len(),
                "centroid must be (N, 2)",
            ));
        }
        for row in 0..n {
            if !self.thermal_homographies.contains_key(&camera_id[row]) {
                return Err(WalkoutError::input(
                    "thermal_blobs.camera_id",
                    row,
                    camera_id[row],
                    "no thermal camera with this id in the store config",
                ));
            }
            Self::check_time("thermal_blobs.t_us", row, t_us[row])?;
            let c = &centroid[2 * row..2 * row + 2];
            if let Some(bad) = first_out_of_range(c, MAX_ABS_PX) {
                return Err(WalkoutError::input(
                    "thermal_blobs.centroid",
                    row,
                    bad,
                    format!("centroid must be finite and within ±{MAX_ABS_PX} px"),
                ));
            }
            let area = area_px[row];
            if !(0.0..=MAX_BLOB_AREA_PX).contains(&area) {
                return Err(WalkoutError::input(
                    "thermal_blobs.area_px",
                    row,
                    area,
                    format!("area must be within 0..{MAX_BLOB_AREA_PX} px²"),
                ));
            }
            let (lo, hi) = TEMPERATURE_RANGE_C;
            let temp = temperature_c[row];
            if !(lo..=hi).contains(&temp) {
                return Err(WalkoutError::input(
                    "thermal_blobs.temperature_c",
                    row,
                    temp,
                    format!("temperature must be within {lo}..{hi} °C"),
                ));
            }
        }
        for row in 0..n {
            self.stats.thermal_blobs.received += 1;
            let t = t_us[row];
            if self.is_late(t) {
                self.stats.thermal_blobs.late += 1;
                continue;
            }
            self.buffer.note_time(t);
            self.buffer.thermal.push(ThermalDetection {
                t_us: t,
                camera_id: camera_id[row],
                centroid: [centroid[2 * row], centroid[2 * row + 1]],
                area_px: area_px[row],
                temperature_c: temperature_c[row],
            });
        }
        Ok(())
    }

    /// Ingest product detections (`bbox` 4 values per row; `class_id` is a product's
    /// `vision_class`).
    pub fn ingest_product_detections(
        &mut self,
        camera_id: &[u32],
        t_us: &[i64],
        bbox: &[f32],
        class_id: &[u32],
        score: &[f32],
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        check_same_len(
            "product_detections",
            &[
                ("t_us", n),
                ("camera_id", camera_id.len()),
                ("bbox/4", bbox.len() / 4),
                ("class_id", class_id.len()),
                ("score", score.len()),
            ],
        )?;
        if !bbox.len().is_multiple_of(4) {
            return Err(WalkoutError::input(
                "product_detections.bbox",
                0,
                bbox.len(),
                "bbox must be (N, 4)",
            ));
        }
        for row in 0..n {
            if !self.cameras.contains_key(&camera_id[row]) {
                return Err(WalkoutError::input(
                    "product_detections.camera_id",
                    row,
                    camera_id[row],
                    "no camera with this id in the store config",
                ));
            }
            Self::check_time("product_detections.t_us", row, t_us[row])?;
            if !self.sku_by_class.contains_key(&class_id[row]) {
                return Err(WalkoutError::input(
                    "product_detections.class_id",
                    row,
                    class_id[row],
                    "no product has this vision_class in the store config",
                ));
            }
            let b = &bbox[row * 4..row * 4 + 4];
            if first_out_of_range(b, MAX_ABS_PX).is_some() || !(0.0..=1.0).contains(&score[row]) {
                return Err(WalkoutError::input(
                    "product_detections",
                    row,
                    format!("bbox {b:?}, score {}", score[row]),
                    format!("box must be finite and within ±{MAX_ABS_PX} px, score within 0..1"),
                ));
            }
        }
        for row in 0..n {
            self.stats.product_detections.received += 1;
            let t = t_us[row];
            if self.is_late(t) {
                self.stats.product_detections.late += 1;
                continue;
            }
            self.buffer.note_time(t);
            let b = &bbox[row * 4..row * 4 + 4];
            self.buffer.products.push(ProductDetection {
                t_us: t,
                camera_id: camera_id[row],
                bbox: [b[0], b[1], b[2], b[3]],
                class_id: class_id[row],
                score: score[row],
            });
        }
        Ok(())
    }

    /// Ingest RFID reads; the 96-bit EPC comes as its high 32 and low 64 bits.
    pub fn ingest_rfid_reads(
        &mut self,
        reader_id: &[u32],
        antenna_id: &[u32],
        t_us: &[i64],
        epc_hi: &[u64],
        epc_lo: &[u64],
        rssi_dbm: &[f32],
    ) -> Result<()> {
        self.check_open()?;
        let n = t_us.len();
        check_same_len(
            "rfid_reads",
            &[
                ("t_us", n),
                ("reader_id", reader_id.len()),
                ("antenna_id", antenna_id.len()),
                ("epc_hi", epc_hi.len()),
                ("epc_lo", epc_lo.len()),
                ("rssi_dbm", rssi_dbm.len()),
            ],
        )?;
        for row in 0..n {
            if self
                .rfid_model
                .antenna(reader_id[row], antenna_id[row])
                .is_none()
            {
                return Err(WalkoutError::input(
                    "rfid_reads.antenna_id",
                    row,
                    format!("reader {} antenna {}", reader_id[row], antenna_id[row]),
                    "no such reader/antenna in the store config",
                ));
            }
            Self::check_time("rfid_reads.t_us", row, t_us[row])?;
            if epc_hi[row] >> 32 != 0 {
                return Err(WalkoutError::input(
                    "rfid_reads.epc_hi",
                    row,
                    epc_hi[row],
                    "an EPC has 96 bits: the high part must fit in 32 bits",
                ));
            }
            let (lo, hi) = RSSI_RANGE_DBM;
            if !(lo..=hi).contains(&rssi_dbm[row]) {
                return Err(WalkoutError::input(
                    "rfid_reads.rssi_dbm",
                    row,
                    rssi_dbm[row],
                    format!("signal strength must be within {lo}..{hi} dBm"),
                ));
            }
        }
        for row in 0..n {
            self.stats.rfid_reads.received += 1;
            let t = t_us[row];
            if self.is_late(t) {
                self.stats.rfid_reads.late += 1;
                continue;
            }
            self.buffer.note_time(t);
            self.buffer.rfid.push(RfidRead {
                t_us: t,
                reader_id: reader_id[row],
                antenna_id: antenna_id[row],
                epc: (u128::from(epc_hi[row]) << 64) | u128::from(epc_lo[row]),
                rssi_dbm: rssi_dbm[row],
            });
        }
        Ok(())
    }

    /// Keep a decimated log of every track's positions (for evaluation and replay
    /// visualisation); `hz = 0` turns it off. Memory grows with the session.
    pub fn set_trajectory_log(&mut self, hz: f64) {
        self.trajectory_interval_us = if hz > 0.0 { (1e6 / hz) as i64 } else { 0 };
    }

    /// The trajectory log: (t_us, track_id, x, y) rows in time order per track.
    pub fn trajectories(&self) -> &[(i64, u32, f64, f64)] {
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
