//! Shared fixtures of the benchmarks: the shipped stores, simulated sessions, and the
//! feeding of simulator output into an engine the way an integrator would.

use std::path::PathBuf;

use walkout_core::input::{PersonDetectionBatch, ProductDetectionBatch};
use walkout_core::{Engine, Result, StoreConfig};
use walkout_sim::{SimChunk, SimSession};

fn shipped_store(stem: &str) -> StoreConfig {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/stores")
        .join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    StoreConfig::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shipped 360-plate convenience store (core JSON of examples/stores).
pub fn convenience_store() -> StoreConfig {
    shipped_store("convenience")
}

/// The shipped 1008-plate, 64-camera large store of `scale-large`.
pub fn large_store() -> StoreConfig {
    shipped_store("large")
}

/// A simulated session of `scenario` in the convenience store.
pub fn session(scenario: &str, seed: u64) -> SimSession {
    walkout_sim::simulate(&convenience_store(), scenario, seed)
        .unwrap_or_else(|e| panic!("simulate {scenario}: {e}"))
}

/// Which tracker the engine is fed, as `walkout.replay.SENSOR_SETS` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensors {
    /// Weights, gates and an upstream tracker's floor positions.
    Positions,
    /// Weights, gates, person detections, thermal blobs, RFID reads and product
    /// detections: the engine tracks shoppers itself (`SENSOR_SETS["all"]`).
    All,
    /// Person detections only (the tracker benchmark).
    PersonsOnly,
}

impl Sensors {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "positions" => Some(Self::Positions),
            "all" | "cameras" => Some(Self::All),
            "persons" => Some(Self::PersonsOnly),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Positions => "positions",
            Self::All => "all",
            Self::PersonsOnly => "persons",
        }
    }
}

/// Column buffers an integrator would hold already (the EPC split into its high and
/// low words, as the ingestion API takes it); filled outside the timed region.
#[derive(Default)]
pub struct Prepared {
    epc_hi: Vec<u64>,
    epc_lo: Vec<u64>,
}

impl Prepared {
    /// Prepare the columns of `chunk` that need a layout change.
    pub fn prepare(&mut self, chunk: &SimChunk) {
        self.epc_hi.clear();
        self.epc_lo.clear();
        for &e in &chunk.rfid_reads.epc {
            self.epc_hi.push((e >> 64) as u64);
            self.epc_lo.push(e as u64);
        }
    }
}

/// Ingest one window of simulator output into `engine` as the sensor set `sensors`
/// would (`walkout.replay.feed`: every modality of the set, then nothing else); the
/// caller steps. Returns the rows ingested.
pub fn ingest_chunk(
    engine: &mut Engine,
    chunk: &SimChunk,
    prepared: &Prepared,
    sensors: Sensors,
) -> Result<usize> {
    let mut rows = 0;
    if sensors != Sensors::PersonsOnly {
        let w = &chunk.weights;
        engine.ingest_weights(&w.plate_id, &w.t_us, &w.grams)?;
        let g = &chunk.gates;
        if !g.is_empty() {
            engine.ingest_gates(&g.gate_id, &g.t_us, &g.kind, &g.token)?;
        }
        rows += w.len() + g.len();
    }
    if sensors == Sensors::Positions {
        let p = &chunk.positions;
        engine.ingest_positions(&p.t_us, &p.track_id, &p.x, &p.y)?;
        return Ok(rows + p.len());
    }
    let d = &chunk.person_detections;
    ingest_persons(engine, d)?;
    rows += d.len();
    if sensors == Sensors::PersonsOnly {
        return Ok(rows);
    }
    let b = &chunk.thermal_blobs;
    engine.ingest_thermal_blobs(
        &b.camera_id,
        &b.t_us,
        b.centroid.as_flattened(),
        &b.area_px,
        &b.temperature_c,
    )?;
    let r = &chunk.rfid_reads;
    engine.ingest_rfid_reads(
        &r.reader_id,
        &r.antenna_id,
        &r.t_us,
        &prepared.epc_hi,
        &prepared.epc_lo,
        &r.rssi_dbm,
    )?;
    let p = &chunk.product_detections;
    ingest_products(engine, p)?;
    Ok(rows + b.len() + r.len() + p.len())
}

/// Ingest a simulated batch of person detections (keypoints and embeddings included).
pub fn ingest_persons(engine: &mut Engine, d: &PersonDetectionBatch) -> Result<()> {
    engine.ingest_person_detections(
        &d.camera_id,
        &d.t_us,
        d.bbox.as_flattened(),
        &d.score,
        Some(d.keypoints.as_flattened().as_flattened()),
        d.embedding_rows(),
    )
}

/// Ingest a simulated batch of product detections.
pub fn ingest_products(engine: &mut Engine, p: &ProductDetectionBatch) -> Result<()> {
    engine.ingest_product_detections(
        &p.camera_id,
        &p.t_us,
        p.bbox.as_flattened(),
        &p.class_id,
        &p.score,
    )
}

/// CPU time of the calling thread, seconds (so that figures do not depend on what else
/// the shared machine runs).
pub fn thread_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the pointer it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Resident set size now and its peak so far (VmRSS, VmHWM), bytes; Linux only.
pub fn rss_bytes() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Percentile `q` (0..=1) of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// FNV-1a (64 bit) of `bytes`: the results digest the benchmarks print. Written out
/// rather than `std`'s `DefaultHasher`, whose output may change between Rust releases,
/// so a digest recorded today still compares equal after a toolchain upgrade.
pub fn stable_digest(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}
