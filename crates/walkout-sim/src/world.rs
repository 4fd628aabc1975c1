//! The world while a scenario runs: store, stock, the shoppers so far and every action
//! they took. Scenarios drive it shopper by shopper (see `shopper.rs`); [`World::finish`]
//! then renders the sensor streams and the ground truth from what happened.

use std::collections::BTreeMap;

use walkout_core::config::Vec2;
use walkout_core::input::{GateBatch, GateEventKind};

use crate::error::SimError;
use crate::positions;
use crate::stock::{Item, Stock};
use crate::store::Store;
use crate::truth::{GroundTruth, TrueAction, TrueReceipt, TrueShopper};
use crate::walk::Planner;
use crate::weight;
use crate::SimSession;

/// The session runs on a little after the last exit so that the last put-down settles
/// and the engine sees stable weight after every event.
const TAIL_US: i64 = 5_000_000;

pub(crate) struct ActionRecord {
    pub truth: TrueAction,
    /// Plate index in `Store::plates`.
    pub plate: usize,
    /// Signed load change of each unit moved, grams (units may leave one by one).
    pub unit_deltas_g: Vec<f64>,
}

pub(crate) struct ShopperRecord {
    pub track_id: u32,
    pub token: Option<String>,
    pub enter_us: i64,
    pub exit_us: i64,
    /// Piecewise-linear true path: (time, position), times non-decreasing.
    pub keyframes: Vec<(i64, Vec2)>,
    /// Units in the shopper's hands or basket: (pick number, plate index, unit).
    pub held: Vec<(usize, usize, Item)>,
}

pub(crate) struct World {
    pub store: Store,
    pub stock: Stock,
    pub planner: Planner,
    pub start_us: i64,
    pub shoppers: Vec<ShopperRecord>,
    pub actions: Vec<ActionRecord>,
    /// Earliest time a hand may next touch each plate: keeps hands on one plate apart in
    /// time and every plate's stock changes in time order.
    pub plate_free_from_us: Vec<i64>,
    initial_load_g: Vec<f64>,
}

pub(crate) struct Seeds {
    pub weights: u64,
    pub positions: u64,
}

impl World {
    pub fn new(store: Store, stock: Stock, start_us: i64) -> Self {
        let initial_load_g = (0..store.plates.len()).map(|p| stock.load_g(p)).collect();
        Self {
            planner: Planner::new(&store.grid),
            plate_free_from_us: vec![i64::MIN; store.plates.len()],
            store,
            stock,
            start_us,
            shoppers: Vec::new(),
            actions: Vec::new(),
            initial_load_g,
        }
    }

    /// Seconds a shopper at `speed_mps` needs from `from` to the plate's usual standing
    /// point; scenarios use it to time shoppers against each other.
    pub fn travel_time_s(&mut self, from: Vec2, plate: usize, speed_mps: f64) -> Option<f64> {
        let to = self.store.plates[plate].stand?;
        let path = self.planner.path(&self.store.grid, from, to)?;
        Some(crate::walk::polyline_length(&path) / speed_mps)
    }

    pub fn finish(self, scenario: &str, seed: u64, seeds: Seeds) -> Result<SimSession, SimError> {
        let last_exit = self
            .shoppers
            .iter()
            .map(|s| s.exit_us)
            .max()
            .ok_or_else(|| SimError::Internal(format!("scenario `{scenario}` made no shopper")))?;
        let end_us = last_exit + TAIL_US;
        let weights = weight::generate(
            &self.store,
            &self.initial_load_g,
            &self.actions,
            (self.start_us, end_us),
            seeds.weights,
        );
        let (positions, trajectories) =
            positions::sample(&self.shoppers, self.start_us, seeds.positions);
        let gates = self.gate_events();
        let truth = GroundTruth {
            trajectories,
            actions: self.true_actions(),
            shoppers: self.true_shoppers(),
            receipts: self.receipts(),
            final_stock: self.final_stock(),
        };
        Ok(SimSession {
            scenario: scenario.to_string(),
            seed,
            start_us: self.start_us,
            end_us,
            weights,
            positions,
            gates,
            truth,
        })
    }

    fn gate_events(&self) -> GateBatch {
        let mut events: Vec<(i64, GateEventKind, u32, Option<String>)> = Vec::new();
        for s in &self.shoppers {
            events.push((
                s.enter_us,
                GateEventKind::Enter,
                self.store.entry.id,
                s.token.clone(),
            ));
            events.push((s.exit_us, GateEventKind::Exit, self.store.exit.id, None));
        }
        events.sort_by_key(|e| (e.0, e.1, e.2));
        let mut out = GateBatch::default();
        for (t, kind, gate, token) in events {
            out.push(gate, t, kind, token);
        }
        out
    }

    fn true_actions(&self) -> Vec<TrueAction> {
        let mut v: Vec<TrueAction> = self.actions.iter().map(|a| a.truth.clone()).collect();
        v.sort_by_key(|a| (a.t_start_us, a.shopper));
        v
    }

    fn true_shoppers(&self) -> Vec<TrueShopper> {
        self.shoppers
            .iter()
            .enumerate()
            .map(|(i, s)| TrueShopper {
                shopper: i as u32,
                track_id: s.track_id,
                token: s.token.clone(),
                enter_us: s.enter_us,
                exit_us: s.exit_us,
            })
            .collect()
    }

    fn receipts(&self) -> Vec<TrueReceipt> {
        self.shoppers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut lines: BTreeMap<&str, u32> = BTreeMap::new();
                for (_, _, item) in &s.held {
                    *lines
                        .entry(self.store.products[item.product].sku.as_str())
                        .or_default() += 1;
                }
                TrueReceipt {
                    shopper: i as u32,
                    token: s.token.clone(),
                    track_id: s.track_id,
                    lines: lines.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                }
            })
            .collect()
    }

    fn final_stock(&self) -> Vec<(u32, String, u32)> {
        let key = |plate: usize, product: usize| {
            (
                self.store.plates[plate].id,
                self.store.products[product].sku.clone(),
            )
        };
        let mut counts: BTreeMap<(u32, String), u32> = BTreeMap::new();
        for &(plate, product, _) in &self.store.planogram {
            counts.entry(key(plate, product)).or_default();
        }
        for (plate, product) in self.stock.units() {
            *counts.entry(key(plate, product)).or_default() += 1;
        }
        counts.into_iter().map(|((p, s), c)| (p, s, c)).collect()
    }
}
