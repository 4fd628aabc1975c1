//! The world while a scenario runs: store, stock, the shoppers so far and every action
//! they took. Scenarios drive it shopper by shopper (see `shopper.rs`); [`World::finish`]
//! then derives the ground truth and hands everything to the sensor renderers
//! (`stream.rs`), which render the session window by window.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use walkout_core::config::Vec2;
use walkout_core::input::{GateBatch, GateEventKind};

use crate::body::Body;
use crate::error::SimError;
use crate::faults::{FaultPlan, Faults};
use crate::motion::{Carry, Motion, Reach};
use crate::stock::{Item, Stock, NO_TAG};
use crate::store::Store;
use crate::stream::{Renderers, Scene, SimChunks};
use crate::truth::{
    ActionKind, CartCause, CartChange, Disturbance, DisturbanceKind, GroundTruth, TrueAction,
    TrueReceipt, TrueShopper, TrueTag,
};
use crate::walk::Planner;

/// The session runs on a little after the last exit so that the last put-down settles
/// and the engine sees stable weight after every event.
const TAIL_US: i64 = 5_000_000;

pub(crate) struct ActionRecord {
    pub truth: TrueAction,
    /// Plate index in `Store::plates`; None for a hand-over.
    pub plate: Option<usize>,
    /// Signed load change of each unit moved, grams (units may leave one by one).
    pub unit_deltas_g: Vec<f64>,
    /// Tags of the units moved (`NO_TAG` for untagged units).
    pub tags: Vec<u32>,
}

/// A hand leaning on or holding a plate without moving anything.
pub(crate) struct PressRecord {
    pub plate: usize,
    pub shopper: u32,
    pub t_start_us: i64,
    pub t_end_us: i64,
    pub kind: DisturbanceKind,
}

pub(crate) struct ShopperRecord {
    pub track_id: u32,
    pub token: Option<String>,
    pub enter_us: i64,
    pub exit_us: i64,
    /// Piecewise-linear true path: (time, position), times non-decreasing.
    pub keyframes: Vec<(i64, Vec2)>,
    /// Units in the shopper's hands or basket: (pick number, plate index, unit); pick
    /// and plate are `usize::MAX` for units handed over by someone else.
    pub held: Vec<(usize, usize, Item)>,
    pub body: Body,
    /// Standing at a stop: (from, to, facing).
    pub stands: Vec<(i64, i64, Vec2)>,
    pub reaches: Vec<Reach>,
    pub carries: Vec<Carry>,
}

pub(crate) struct World {
    pub store: Store,
    pub stock: Stock,
    pub planner: Planner,
    pub start_us: i64,
    pub shoppers: Vec<ShopperRecord>,
    pub actions: Vec<ActionRecord>,
    pub presses: Vec<PressRecord>,
    /// Hands on each plate so far: (start, end, shopper), sorted by start. New hands go
    /// into gaps between them (see [`World::free_slot`]).
    plate_hands: Vec<Vec<(i64, i64, u32)>>,
    initial_load_g: Vec<f64>,
    seeds: Seeds,
    /// [`crate::SimOptions::shoppers_in_store`]: the crowd an open-ended scenario keeps.
    pub crowd: Option<usize>,
}

/// Every random stream of a session has its own seed, drawn before the scenario runs,
/// so the noise of one sensor does not shift when a scenario draws one more number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seeds {
    pub weights: u64,
    pub positions: u64,
    pub vision: u64,
    pub thermal: u64,
    pub rfid: u64,
    pub faults: u64,
    pub bodies: u64,
}

/// What [`World::finish`] needs besides the world.
pub(crate) struct Finish<'a> {
    pub scenario: &'a str,
    pub seed: u64,
    pub faults: Faults,
    /// The session lasts at least this long (open-ended scenarios).
    pub duration_us: Option<i64>,
    pub chunk_us: i64,
}

impl World {
    pub fn new(store: Store, stock: Stock, start_us: i64, seeds: Seeds) -> Self {
        let initial_load_g = (0..store.plates.len()).map(|p| stock.load_g(p)).collect();
        Self {
            planner: Planner::new(&store.grid),
            plate_hands: vec![Vec::new(); store.plates.len()],
            store,
            stock,
            start_us,
            shoppers: Vec::new(),
            actions: Vec::new(),
            presses: Vec::new(),
            initial_load_g,
            seeds,
            crowd: None,
        }
    }

    /// Each shopper's body comes from a stream of its own (by shopper index).
    pub fn body_rng(&self, shopper: u32) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seeds.bodies);
        rng.set_stream(u64::from(shopper));
        rng
    }

    /// Earliest start at or after `t` of a hand of `shopper` lasting `dur_us` on `plate`
    /// that keeps `MIN_PLATE_GAP_US` from other shoppers' hands (and `own_gap_us` from
    /// the shopper's own), so every action has quiet weight signal around it. Shoppers
    /// are simulated one after another, so a later one may fit a hand before an earlier
    /// one's: the stock keeps that consistent (units only exist from when they arrive).
    pub fn free_slot(
        &self,
        plate: usize,
        t: i64,
        dur_us: i64,
        shopper: u32,
        own_gap_us: i64,
    ) -> i64 {
        let mut s = t;
        for &(a, b, who) in &self.plate_hands[plate] {
            let gap = if who == shopper {
                own_gap_us
            } else {
                crate::shopper::MIN_PLATE_GAP_US
            };
            if s + dur_us + gap <= a {
                break;
            }
            if b + gap > s {
                s = b + gap;
            }
        }
        s
    }

    pub fn book(&mut self, plate: usize, start: i64, end: i64, shopper: u32) {
        let hands = &mut self.plate_hands[plate];
        let at = hands.partition_point(|h| h.0 <= start);
        hands.insert(at, (start, end, shopper));
    }

    /// Seconds a shopper at `speed_mps` needs from `from` to the plate's usual standing
    /// point; scenarios use it to time shoppers against each other.
    pub fn travel_time_s(&mut self, from: Vec2, plate: usize, speed_mps: f64) -> Option<f64> {
        let to = self.store.plates[plate].stand?;
        let path = self.planner.path(&self.store.grid, from, to)?;
        Some(crate::walk::polyline_length(&path) / speed_mps)
    }

    /// Number of shoppers in the store at `t` (among those simulated so far).
    pub fn in_store_at(&self, t: i64) -> usize {
        self.shoppers
            .iter()
            .filter(|s| s.enter_us <= t && t < s.exit_us)
            .count()
    }

    pub fn finish(mut self, f: Finish<'_>) -> Result<SimChunks, SimError> {
        let scenario = f.scenario;
        let last_exit = self
            .shoppers
            .iter()
            .map(|s| s.exit_us)
            .max()
            .ok_or_else(|| SimError::Internal(format!("scenario `{scenario}` made no shopper")))?;
        let first_enter = self
            .shoppers
            .iter()
            .map(|s| s.enter_us)
            .min()
            .unwrap_or(self.start_us);
        let end_us = (last_exit + TAIL_US).max(self.start_us + f.duration_us.unwrap_or(0));
        let span = (self.start_us, end_us);
        let mut fault_rng = ChaCha8Rng::seed_from_u64(self.seeds.faults);
        let faults = FaultPlan::draw(
            &f.faults,
            &self.store,
            span,
            (first_enter, last_exit),
            &mut fault_rng,
        );
        let truth = GroundTruth {
            actions: self.true_actions(),
            shoppers: self.true_shoppers(),
            receipts: self.receipts(),
            cart_changes: self.cart_changes(),
            final_stock: self.final_stock(),
            misplaced: self.misplaced(),
            disturbances: self.disturbances(&faults),
            tags: self.true_tags(),
            ..GroundTruth::default()
        };
        crate::avoid::step_around(&mut self.shoppers, &self.store.grid);
        let motions: Vec<Motion> = self.shoppers.iter().map(Motion::new).collect();
        let exits: Vec<(usize, i64, Vec<u32>)> = self
            .shoppers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let tags = s
                    .held
                    .iter()
                    .map(|h| h.2.tag)
                    .filter(|&t| t != NO_TAG)
                    .collect();
                (i, s.exit_us, tags)
            })
            .collect();
        let moves = crate::rfid::tag_moves(&self.actions, &exits);
        let gates = self.gate_events();
        let renderers = Renderers::new(
            &self.store,
            &self.initial_load_g,
            &self.actions,
            &self.presses,
            &faults,
            &motions,
            &self.stock.tags,
            moves,
            span,
            &self.seeds,
        );
        let scene = Scene {
            store: self.store,
            motions,
            faults,
            tags: self.stock.tags,
        };
        Ok(SimChunks::new(
            scenario.to_string(),
            f.seed,
            span,
            f.chunk_us,
            scene,
            renderers,
            gates,
            truth,
        ))
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
                height_m: s.body.height_m,
                shoulder_m: s.body.shoulder_m,
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

    /// Carts over time: every action's effect on the carts, at the action's end.
    fn cart_changes(&self) -> Vec<CartChange> {
        let mut acts: Vec<&TrueAction> = self.actions.iter().map(|a| &a.truth).collect();
        acts.sort_by_key(|a| (a.t_end_us, a.shopper));
        let mut carts: BTreeMap<(u32, String), u32> = BTreeMap::new();
        let mut out = Vec::new();
        let mut change = |t: i64, shopper: u32, sku: &str, delta: i32, cause: CartCause| {
            let q = carts.entry((shopper, sku.to_string())).or_default();
            *q = (i64::from(*q) + i64::from(delta)).max(0) as u32;
            out.push(CartChange {
                t_us: t,
                shopper,
                sku: sku.to_string(),
                delta,
                quantity: *q,
                cause,
            });
        };
        for a in acts {
            let q = a.quantity as i32;
            match (a.kind, a.receiver) {
                (ActionKind::Pick, _) => change(a.t_end_us, a.shopper, &a.sku, q, CartCause::Pick),
                (ActionKind::PutBack, _) => {
                    change(a.t_end_us, a.shopper, &a.sku, -q, CartCause::PutBack)
                }
                (ActionKind::HandOver, Some(r)) => {
                    change(a.t_end_us, a.shopper, &a.sku, -q, CartCause::HandOverOut);
                    change(a.t_end_us, r, &a.sku, q, CartCause::HandOverIn);
                }
                (ActionKind::HandOver, None) => {}
            }
        }
        out
    }

    fn stock_counts(&self) -> BTreeMap<(usize, usize), u32> {
        let mut counts: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        for &(plate, product, _) in &self.store.planogram {
            counts.entry((plate, product)).or_default();
        }
        for (plate, product) in self.stock.units() {
            *counts.entry((plate, product)).or_default() += 1;
        }
        counts
    }

    fn final_stock(&self) -> Vec<(u32, String, u32)> {
        let mut v: Vec<(u32, String, u32)> = self
            .stock_counts()
            .into_iter()
            .map(|((p, s), c)| {
                (
                    self.store.plates[p].id,
                    self.store.products[s].sku.clone(),
                    c,
                )
            })
            .collect();
        v.sort();
        v
    }

    fn misplaced(&self) -> Vec<(u32, String, u32)> {
        let mut v: Vec<(u32, String, u32)> = self
            .stock_counts()
            .into_iter()
            .filter(|&((p, s), c)| c > 0 && !self.stock.belongs(p, s))
            .map(|((p, s), c)| {
                (
                    self.store.plates[p].id,
                    self.store.products[s].sku.clone(),
                    c,
                )
            })
            .collect();
        v.sort();
        v
    }

    fn disturbances(&self, faults: &FaultPlan) -> Vec<Disturbance> {
        let mut v: Vec<Disturbance> = self
            .presses
            .iter()
            .map(|p| Disturbance {
                kind: p.kind,
                sensor_id: self.store.plates[p.plate].id,
                shopper: Some(p.shopper),
                t_start_us: p.t_start_us,
                t_end_us: p.t_end_us,
            })
            .chain(faults.disturbances.iter().cloned())
            .collect();
        v.sort_by_key(|d| (d.t_start_us, d.kind, d.sensor_id));
        v
    }

    fn true_tags(&self) -> Vec<TrueTag> {
        self.stock
            .tags
            .iter()
            .map(|t| TrueTag {
                epc: t.epc,
                sku: self.store.products[t.product].sku.clone(),
                serial: t.serial,
                plate_id: self.store.plates[t.home_plate].id,
            })
            .collect()
    }
}
