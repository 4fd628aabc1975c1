//! Shared fixtures of the benchmarks: the shipped stores and simulated sessions.

use std::path::PathBuf;

use walkout_core::StoreConfig;
use walkout_sim::SimSession;

/// The shipped 360-plate convenience store (core JSON of examples/stores).
pub fn convenience_store() -> StoreConfig {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/stores/convenience.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    StoreConfig::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A simulated session of `scenario` in the convenience store.
pub fn session(scenario: &str, seed: u64) -> SimSession {
    walkout_sim::simulate(&convenience_store(), scenario, seed)
        .unwrap_or_else(|e| panic!("simulate {scenario}: {e}"))
}
