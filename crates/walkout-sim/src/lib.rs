//! walkout-sim: a store simulator with ground truth, the data the fusion engine is
//! measured on.
//!
//! [`simulate`] plays a named scenario (see [`scenarios`]) in a [`StoreConfig`] and
//! returns the sensor batches the engine ingests (weights, tracker positions, gate
//! events) together with the [`GroundTruth`] they came from. Everything is a pure
//! function of (config, scenario, seed).
//!
//! Module map: `store` (what the simulator needs from the config, checked), `walk`
//! (walkable grid, A*), `stock` (item instances), `shopper` (one visit in time),
//! `scenario` (the catalogue), `weight` / `positions` (sensor rendering), `world`
//! (state while a scenario runs, assembly of the session), `truth` (output types).

mod error;
mod positions;
mod scenario;
mod shopper;
mod stock;
mod store;
pub mod stores;
mod truth;
mod walk;
mod weight;
mod world;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use walkout_core::input::{GateBatch, PositionBatch, WeightBatch};
use walkout_core::StoreConfig;

pub use error::SimError;
pub use scenario::{scenarios, ScenarioInfo};
pub use truth::{ActionKind, GroundTruth, TrajectoryBatch, TrueAction, TrueReceipt, TrueShopper};

/// Every session starts at 2026-01-01 09:00 UTC, so sessions line up when compared.
pub const SESSION_START_US: i64 = 1_767_258_000_000_000;

/// One simulated session: sensor batches (sorted by time) plus the truth behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimSession {
    pub scenario: String,
    pub seed: u64,
    pub start_us: i64,
    pub end_us: i64,
    pub weights: WeightBatch,
    pub positions: PositionBatch,
    pub gates: GateBatch,
    pub truth: GroundTruth,
}

/// Runs `scenario` in the store `config`. The same (config, scenario, seed) always
/// gives an identical session.
pub fn simulate(config: &StoreConfig, scenario: &str, seed: u64) -> Result<SimSession, SimError> {
    let def = scenario::find(scenario)?;
    config.validate()?;
    let store = store::Store::new(config).map_err(|e| e.for_scenario(def.name))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Sensor streams get seeds of their own, drawn first, so that their noise does not
    // shift whenever a scenario draws one more random number.
    let seeds = world::Seeds {
        weights: rng.random(),
        positions: rng.random(),
    };
    let stock = stock::Stock::new(&store, &mut rng);
    let mut world = world::World::new(store, stock, SESSION_START_US);
    (def.build)(&mut world, &mut rng).map_err(|e| e.for_scenario(def.name))?;
    world.finish(def.name, seed, seeds)
}
