//! Shared fixtures: the reference convenience store and a cache of simulated sessions,
//! so each (scenario, seed) is simulated once per test binary.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use walkout_core::StoreConfig;
use walkout_sim::{simulate, stores, SimSession};

pub const SCENARIOS: [&str; 2] = ["single-picks", "two-shoppers-putback"];
pub const SEEDS: [u64; 4] = [1, 2, 3, 4];

pub fn store() -> &'static StoreConfig {
    static STORE: OnceLock<StoreConfig> = OnceLock::new();
    STORE.get_or_init(stores::convenience_store)
}

pub fn session(scenario: &str, seed: u64) -> Arc<SimSession> {
    type Cache = Mutex<HashMap<(String, u64), Arc<SimSession>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry((scenario.to_string(), seed))
        .or_insert_with(|| {
            Arc::new(simulate(store(), scenario, seed).unwrap_or_else(|e| {
                panic!("simulate({scenario}, {seed}) failed: {e}");
            }))
        })
        .clone()
}

pub fn all_sessions() -> Vec<Arc<SimSession>> {
    SCENARIOS
        .iter()
        .flat_map(|s| SEEDS.iter().map(move |&seed| session(s, seed)))
        .collect()
}

/// Floor footprints (min, max) of every plate in the store.
pub fn footprints() -> Vec<([f64; 2], [f64; 2])> {
    store()
        .plates()
        .map(|(_, _, p)| ([p.min[0], p.min[1]], [p.max[0], p.max[1]]))
        .collect()
}

pub fn gondola_of(plate_id: u32) -> u32 {
    store()
        .plates()
        .find(|(_, _, p)| p.id == plate_id)
        .map(|(g, _, _)| g.id)
        .unwrap_or_else(|| panic!("no plate {plate_id}"))
}

/// Each plate's samples as (times, grams), in time order.
pub fn weights_by_plate(s: &SimSession) -> HashMap<u32, (Vec<i64>, Vec<f64>)> {
    let mut m: HashMap<u32, (Vec<i64>, Vec<f64>)> = HashMap::new();
    for i in 0..s.weights.len() {
        let e = m.entry(s.weights.plate_id[i]).or_default();
        e.0.push(s.weights.t_us[i]);
        e.1.push(s.weights.grams[i]);
    }
    m
}

/// True position of `shopper` at the frame nearest to `t_us`.
pub fn true_position(s: &SimSession, shopper: u32, t_us: i64) -> [f64; 2] {
    let tr = &s.truth.trajectories;
    let mut best = (i64::MAX, [f64::NAN; 2]);
    for i in 0..tr.len() {
        if tr.shopper[i] == shopper {
            let d = (tr.t_us[i] - t_us).abs();
            if d < best.0 {
                best = (d, [tr.x[i], tr.y[i]]);
            }
        }
    }
    best.1
}
