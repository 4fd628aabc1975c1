//! Rendering a planned session into sensor data, one time window after another.
//!
//! Once a scenario has run, everything that happens is known (paths, hands, items, the
//! fault schedule), and the sensor streams are a pure function of it. [`SimChunks`]
//! renders consecutive windows on demand, so an hour of a large store never has to be
//! in memory at once. Every renderer keeps its own state and random streams across
//! windows, so the concatenated chunks do not depend on the window size.

use walkout_core::input::{
    GateBatch, PersonDetectionBatch, PositionBatch, ProductDetectionBatch, RfidReadBatch,
    ThermalBlobBatch, WeightBatch,
};

use crate::faults::FaultPlan;
use crate::motion::Motion;
use crate::positions::PositionGen;
use crate::rfid::{RfidGen, TagMove};
use crate::stock::Tag;
use crate::store::Store;
use crate::thermal::ThermalGen;
use crate::truth::{GroundTruth, PersonBoxBatch, TrajectoryBatch};
use crate::vision::VisionGen;
use crate::weight::WeightGen;
use crate::world::{ActionRecord, PressRecord, Seeds};

/// Sensor data and per-frame truth of one time window `[start_us, end_us)`, each batch
/// sorted by time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimChunk {
    pub start_us: i64,
    /// Exclusive.
    pub end_us: i64,
    pub weights: WeightBatch,
    pub positions: PositionBatch,
    pub gates: GateBatch,
    pub person_detections: PersonDetectionBatch,
    pub product_detections: ProductDetectionBatch,
    pub thermal_blobs: ThermalBlobBatch,
    pub rfid_reads: RfidReadBatch,
    /// True positions on the tracker's frame clock.
    pub trajectories: TrajectoryBatch,
    /// True person boxes per camera frame.
    pub person_boxes: PersonBoxBatch,
}

impl SimChunk {
    /// Empties every batch, keeping the buffers.
    pub fn clear(&mut self) {
        let w = &mut self.weights;
        w.plate_id.clear();
        w.t_us.clear();
        w.grams.clear();
        let p = &mut self.positions;
        p.t_us.clear();
        p.track_id.clear();
        p.x.clear();
        p.y.clear();
        let g = &mut self.gates;
        g.gate_id.clear();
        g.t_us.clear();
        g.kind.clear();
        g.token.clear();
        let d = &mut self.person_detections;
        d.camera_id.clear();
        d.t_us.clear();
        d.bbox.clear();
        d.score.clear();
        d.keypoints.clear();
        d.embedding.clear();
        let d = &mut self.product_detections;
        d.camera_id.clear();
        d.t_us.clear();
        d.bbox.clear();
        d.class_id.clear();
        d.score.clear();
        let b = &mut self.thermal_blobs;
        b.camera_id.clear();
        b.t_us.clear();
        b.centroid.clear();
        b.area_px.clear();
        b.temperature_c.clear();
        let r = &mut self.rfid_reads;
        r.reader_id.clear();
        r.antenna_id.clear();
        r.t_us.clear();
        r.epc.clear();
        r.rssi_dbm.clear();
        let tr = &mut self.trajectories;
        tr.t_us.clear();
        tr.shopper.clear();
        tr.x.clear();
        tr.y.clear();
        let pb = &mut self.person_boxes;
        pb.camera_id.clear();
        pb.t_us.clear();
        pb.shopper.clear();
        pb.bbox.clear();
        pb.visible.clear();
    }

    /// Appends `other` (the next window) to this one.
    pub fn append(&mut self, other: SimChunk) {
        fn ext<T>(a: &mut Vec<T>, b: Vec<T>) {
            a.extend(b);
        }
        self.end_us = other.end_us;
        let w = other.weights;
        ext(&mut self.weights.plate_id, w.plate_id);
        ext(&mut self.weights.t_us, w.t_us);
        ext(&mut self.weights.grams, w.grams);
        let p = other.positions;
        ext(&mut self.positions.t_us, p.t_us);
        ext(&mut self.positions.track_id, p.track_id);
        ext(&mut self.positions.x, p.x);
        ext(&mut self.positions.y, p.y);
        let g = other.gates;
        ext(&mut self.gates.gate_id, g.gate_id);
        ext(&mut self.gates.t_us, g.t_us);
        ext(&mut self.gates.kind, g.kind);
        ext(&mut self.gates.token, g.token);
        let d = other.person_detections;
        ext(&mut self.person_detections.camera_id, d.camera_id);
        ext(&mut self.person_detections.t_us, d.t_us);
        ext(&mut self.person_detections.bbox, d.bbox);
        ext(&mut self.person_detections.score, d.score);
        ext(&mut self.person_detections.keypoints, d.keypoints);
        ext(&mut self.person_detections.embedding, d.embedding);
        let d = other.product_detections;
        ext(&mut self.product_detections.camera_id, d.camera_id);
        ext(&mut self.product_detections.t_us, d.t_us);
        ext(&mut self.product_detections.bbox, d.bbox);
        ext(&mut self.product_detections.class_id, d.class_id);
        ext(&mut self.product_detections.score, d.score);
        let b = other.thermal_blobs;
        ext(&mut self.thermal_blobs.camera_id, b.camera_id);
        ext(&mut self.thermal_blobs.t_us, b.t_us);
        ext(&mut self.thermal_blobs.centroid, b.centroid);
        ext(&mut self.thermal_blobs.area_px, b.area_px);
        ext(&mut self.thermal_blobs.temperature_c, b.temperature_c);
        let r = other.rfid_reads;
        ext(&mut self.rfid_reads.reader_id, r.reader_id);
        ext(&mut self.rfid_reads.antenna_id, r.antenna_id);
        ext(&mut self.rfid_reads.t_us, r.t_us);
        ext(&mut self.rfid_reads.epc, r.epc);
        ext(&mut self.rfid_reads.rssi_dbm, r.rssi_dbm);
        let tr = other.trajectories;
        ext(&mut self.trajectories.t_us, tr.t_us);
        ext(&mut self.trajectories.shopper, tr.shopper);
        ext(&mut self.trajectories.x, tr.x);
        ext(&mut self.trajectories.y, tr.y);
        let pb = other.person_boxes;
        ext(&mut self.person_boxes.camera_id, pb.camera_id);
        ext(&mut self.person_boxes.t_us, pb.t_us);
        ext(&mut self.person_boxes.shopper, pb.shopper);
        ext(&mut self.person_boxes.bbox, pb.bbox);
        ext(&mut self.person_boxes.visible, pb.visible);
    }
}

/// Everything the renderers read: the store, how each shopper moves, the faults.
pub(crate) struct Scene {
    pub store: Store,
    pub motions: Vec<Motion>,
    pub faults: FaultPlan,
    pub tags: Vec<Tag>,
}

pub(crate) struct Renderers {
    weights: WeightGen,
    positions: PositionGen,
    vision: VisionGen,
    thermal: ThermalGen,
    rfid: RfidGen,
}

impl Renderers {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: &Store,
        initial_load_g: &[f64],
        actions: &[ActionRecord],
        presses: &[PressRecord],
        faults: &FaultPlan,
        motions: &[Motion],
        tags: &[Tag],
        moves: Vec<TagMove>,
        span: (i64, i64),
        seeds: &Seeds,
    ) -> Self {
        Self {
            weights: WeightGen::new(
                store,
                initial_load_g,
                actions,
                presses,
                faults,
                span,
                seeds.weights,
            ),
            positions: PositionGen::new(motions, span.0, seeds.positions),
            vision: VisionGen::new(store, motions, span.0, seeds.vision),
            thermal: ThermalGen::new(store, motions, span.0, seeds.thermal),
            rfid: RfidGen::new(store, tags, moves, motions.len(), span.0, seeds.rfid),
        }
    }
}

/// A simulated session rendered window by window: an iterator of [`SimChunk`]s of
/// consecutive windows covering `[start_us, end_us]`, with the session's ground truth
/// (all of it but the per-frame tables, which come with the chunks) up front.
pub struct SimChunks {
    scenario: String,
    seed: u64,
    start_us: i64,
    end_us: i64,
    chunk_us: i64,
    next_us: i64,
    scene: Scene,
    renderers: Renderers,
    gates: GateBatch,
    gate_i: usize,
    truth: GroundTruth,
}

impl SimChunks {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        scenario: String,
        seed: u64,
        span: (i64, i64),
        chunk_us: i64,
        scene: Scene,
        renderers: Renderers,
        gates: GateBatch,
        truth: GroundTruth,
    ) -> Self {
        Self {
            scenario,
            seed,
            start_us: span.0,
            end_us: span.1,
            chunk_us: chunk_us.max(1),
            next_us: span.0,
            scene,
            renderers,
            gates,
            gate_i: 0,
            truth,
        }
    }

    pub fn scenario(&self) -> &str {
        &self.scenario
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// First time of the session, µs.
    pub fn start_us(&self) -> i64 {
        self.start_us
    }
    /// Last time of the session, µs (inclusive: the last chunk ends at `end_us + 1`).
    pub fn end_us(&self) -> i64 {
        self.end_us
    }
    /// The ground truth; `trajectories` and `person_boxes` are empty here (they come
    /// with each chunk).
    pub fn truth(&self) -> &GroundTruth {
        &self.truth
    }
    pub fn into_truth(self) -> GroundTruth {
        self.truth
    }
}

impl SimChunks {
    /// Renders the next window into `chunk`, reusing its buffers (no allocation once
    /// they have grown); false when the session is done. The fast way to stream a long
    /// session.
    pub fn next_into(&mut self, chunk: &mut SimChunk) -> bool {
        if self.next_us > self.end_us {
            return false;
        }
        let t0 = self.next_us;
        let t1 = t0.saturating_add(self.chunk_us).min(self.end_us + 1);
        self.next_us = t1;
        chunk.clear();
        chunk.start_us = t0;
        chunk.end_us = t1;
        let c = chunk;
        let scene = &self.scene;
        let r = &mut self.renderers;
        let n = (r.weights.expected_per_us() * (t1 - t0) as f64 * 1.02) as usize + 16;
        c.weights.plate_id.reserve(n);
        c.weights.t_us.reserve(n);
        c.weights.grams.reserve(n);
        r.weights.fill(t0, t1, &mut c.weights);
        r.positions.fill(
            &scene.motions,
            t0,
            t1,
            &mut c.positions,
            &mut c.trajectories,
        );
        r.vision.fill(
            &scene.store,
            &scene.motions,
            &scene.faults,
            t1,
            &mut c.person_detections,
            &mut c.product_detections,
            &mut c.person_boxes,
        );
        r.thermal.fill(
            &scene.store,
            &scene.motions,
            scene.faults.merge_m,
            t1,
            &mut c.thermal_blobs,
        );
        r.rfid.fill(
            &scene.store,
            &scene.motions,
            &scene.tags,
            &scene.faults,
            t1,
            &mut c.rfid_reads,
        );
        while self.gate_i < self.gates.len() && self.gates.t_us[self.gate_i] < t1 {
            let i = self.gate_i;
            c.gates.push(
                self.gates.gate_id[i],
                self.gates.t_us[i],
                self.gates.kind[i],
                self.gates.token[i].clone(),
            );
            self.gate_i += 1;
        }
        true
    }
}

impl Iterator for SimChunks {
    type Item = SimChunk;

    fn next(&mut self) -> Option<SimChunk> {
        let mut c = SimChunk::default();
        self.next_into(&mut c).then_some(c)
    }
}
