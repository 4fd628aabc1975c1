//! walkout-sim: a store simulator with ground truth, the data the fusion engine is
//! measured on.
//!
//! [`simulate`] plays a named scenario (see [`scenarios`]) in a [`StoreConfig`] and
//! returns every sensor stream the engine may ingest (weights, tracker positions, gate
//! events, person and product detections of the cameras, thermal blobs, RFID reads)
//! together with the [`GroundTruth`] they came from. [`simulate_chunks`] renders the
//! same session window by window, for sessions too large to hold (an hour of a large
//! store). Everything is a pure function of (config, scenario, seed, options).
//!
//! Module map: `store` / `sensors` (what the simulator needs from the config, checked),
//! `walk` (walkable grid, A*), `stock` (item instances and their RFID tags), `body`
//! (skeletons), `shopper` (one visit in time), `scenario` (the catalogue), `world`
//! (state while a scenario runs; the truth), `motion` (sampling a visit in time),
//! `faults`, and the renderers `weight`, `positions`, `vision`, `thermal`, `rfid`,
//! driven window by window by `stream`.

mod appearance;
mod avoid;
mod body;
mod error;
mod faults;
mod motion;
mod positions;
mod rfid;
mod scenario;
mod schedule;
mod sensors;
mod shopper;
mod stock;
mod store;
mod stream;
mod thermal;
mod truth;
mod vision;
mod walk;
mod weight;
mod world;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use walkout_core::input::{
    GateBatch, PersonDetectionBatch, PositionBatch, ProductDetectionBatch, RfidReadBatch,
    ThermalBlobBatch, WeightBatch,
};
use walkout_core::StoreConfig;

pub use error::SimError;
pub use faults::Faults;
pub use scenario::{scenarios, ScenarioInfo};
pub use stream::{SimChunk, SimChunks};
pub use truth::{
    ActionKind, CartCause, CartChange, Confusion, Disturbance, DisturbanceKind, GroundTruth,
    PersonBoxBatch, TrajectoryBatch, TrueAction, TrueReceipt, TrueShopper, TrueTag,
};

/// Every session starts at 2026-01-01 09:00 UTC, so sessions line up when compared.
pub const SESSION_START_US: i64 = 1_767_258_000_000_000;
/// Longest session [`SimOptions::duration_s`] may ask for (a day).
pub const MAX_DURATION_S: f64 = 86_400.0;

/// One simulated session: sensor batches (each sorted by time) plus the truth behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSession {
    pub scenario: String,
    pub seed: u64,
    pub start_us: i64,
    pub end_us: i64,
    pub weights: WeightBatch,
    pub positions: PositionBatch,
    pub gates: GateBatch,
    pub person_detections: PersonDetectionBatch,
    pub product_detections: ProductDetectionBatch,
    pub thermal_blobs: ThermalBlobBatch,
    pub rfid_reads: RfidReadBatch,
    pub truth: GroundTruth,
}

/// Optional changes to a scenario's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimOptions {
    /// Length of an open-ended scenario (`scale-large`: shoppers keep arriving until
    /// near the end), seconds; scenarios with a fixed cast ignore it.
    pub duration_s: Option<f64>,
    /// Replaces the scenario's own choice of sensor faults.
    pub faults: Option<Faults>,
    /// How many shoppers an open-ended scenario keeps in the store (`scale-large`: 100);
    /// for scale curves. Scenarios with a fixed cast ignore it.
    #[serde(default)]
    pub shoppers_in_store: Option<usize>,
}

/// Runs `scenario` in the store `config`. The same (config, scenario, seed) always
/// gives an identical session.
pub fn simulate(config: &StoreConfig, scenario: &str, seed: u64) -> Result<SimSession, SimError> {
    simulate_with(config, scenario, seed, &SimOptions::default())
}

/// [`simulate`] with [`SimOptions`].
pub fn simulate_with(
    config: &StoreConfig,
    scenario: &str,
    seed: u64,
    options: &SimOptions,
) -> Result<SimSession, SimError> {
    let mut chunks = simulate_chunks_with(config, scenario, seed, f64::INFINITY, options)?;
    let mut all = chunks.next().unwrap_or_default();
    for c in chunks.by_ref() {
        all.append(c);
    }
    let (start_us, end_us) = (chunks.start_us(), chunks.end_us());
    let mut truth = chunks.into_truth();
    truth.trajectories = all.trajectories;
    truth.person_boxes = all.person_boxes;
    Ok(SimSession {
        scenario: scenario.to_string(),
        seed,
        start_us,
        end_us,
        weights: all.weights,
        positions: all.positions,
        gates: all.gates,
        person_detections: all.person_detections,
        product_detections: all.product_detections,
        thermal_blobs: all.thermal_blobs,
        rfid_reads: all.rfid_reads,
        truth,
    })
}

/// Plans `scenario` and returns its sensor data as consecutive windows of `chunk_s`
/// seconds, rendered only when the iterator is advanced. The concatenated chunks equal
/// the [`simulate`] session, whatever the window size.
pub fn simulate_chunks(
    config: &StoreConfig,
    scenario: &str,
    seed: u64,
    chunk_s: f64,
) -> Result<SimChunks, SimError> {
    simulate_chunks_with(config, scenario, seed, chunk_s, &SimOptions::default())
}

/// [`simulate_chunks`] with [`SimOptions`].
pub fn simulate_chunks_with(
    config: &StoreConfig,
    scenario: &str,
    seed: u64,
    chunk_s: f64,
    options: &SimOptions,
) -> Result<SimChunks, SimError> {
    let def = scenario::find(scenario)?;
    if chunk_s.is_nan() || chunk_s <= 0.0 {
        return Err(SimError::config(
            "chunk_s",
            chunk_s,
            "the window must be longer than 0 s",
        ));
    }
    let duration_s = options.duration_s.or(def.duration_s);
    if let Some(d) = duration_s {
        if !(d.is_finite() && d > 0.0 && d <= MAX_DURATION_S) {
            return Err(SimError::config(
                "duration_s",
                d,
                format!("must be in (0, {MAX_DURATION_S}] s"),
            ));
        }
    }
    if options.shoppers_in_store == Some(0) {
        return Err(SimError::config(
            "shoppers_in_store",
            0,
            "at least one shopper must be in the store",
        ));
    }
    config.validate()?;
    let store = store::Store::new(config).map_err(|e| e.for_scenario(def.name))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Sensor streams get seeds of their own, drawn first, so that their noise does not
    // shift whenever a scenario draws one more random number. The later sensors' seeds
    // come from a second stream, so adding them left the first two where they were.
    let mut more = ChaCha8Rng::seed_from_u64(seed);
    more.set_stream(1);
    let seeds = world::Seeds {
        weights: rng.random(),
        positions: rng.random(),
        vision: more.random(),
        thermal: more.random(),
        rfid: more.random(),
        faults: more.random(),
        bodies: more.random(),
    };
    let mut tag_rng = ChaCha8Rng::seed_from_u64(more.random());
    let stock = stock::Stock::new(&store, &mut rng, &mut tag_rng)?;
    let mut world = world::World::new(store, stock, SESSION_START_US, seeds);
    world.crowd = options.shoppers_in_store;
    let duration_us = duration_s.map(shopper::secs);
    (def.build)(&mut world, &mut rng, duration_us).map_err(|e| e.for_scenario(def.name))?;
    let chunk_us = if chunk_s.is_finite() {
        shopper::secs(chunk_s).max(1)
    } else {
        i64::MAX
    };
    world.finish(world::Finish {
        scenario: def.name,
        seed,
        faults: options.faults.unwrap_or(def.faults),
        duration_us,
        chunk_us,
    })
}
