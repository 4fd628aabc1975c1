//! One shopper's visit, played out in time: enter at the entry gate, walk to each stop,
//! stand and act, walk to the exit. A scenario says *what* a shopper does (a
//! [`ShopperPlan`]); this module decides *when*, with human timing drawn at random.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use walkout_core::config::Vec2;

use crate::error::SimError;
use crate::stock::Item;
use crate::truth::{ActionKind, TrueAction};
use crate::world::{ActionRecord, ShopperRecord, World};

/// Hands on one plate are at least this far apart, so every action has a quiet second
/// of weight signal on both sides (what a change detector needs to see a step).
pub(crate) const MIN_PLATE_GAP_US: i64 = 1_500_000;
/// Scanning the app at the gate before walking on.
const GATE_PAUSE_S: (f64, f64) = (0.3, 1.0);
/// Looking at the shelf before reaching, and after the last action before leaving.
const PRE_DWELL_S: (f64, f64) = (0.5, 2.0);
const POST_DWELL_S: (f64, f64) = (0.5, 2.0);
const HAND_S: (f64, f64) = (0.4, 1.2);
/// Between two actions at one stop (looking at the item, deciding to put it back).
const BETWEEN_ACTIONS_S: (f64, f64) = (1.5, 3.5);

pub(crate) fn secs(s: f64) -> i64 {
    (s * 1e6).round() as i64
}

fn draw_s(rng: &mut ChaCha8Rng, (lo, hi): (f64, f64)) -> i64 {
    secs(rng.random_range(lo..hi))
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Pick {
        quantity: usize,
    },
    /// Return `quantity` units taken by the plan's `pick`-th pick (counted from 0 over
    /// all stops) to the plate they came from.
    PutBack {
        pick: usize,
        quantity: usize,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Stop {
    pub plate: usize,
    pub steps: Vec<Step>,
    /// Overrides the look-before-reaching time (e.g. a shopper browsing a while).
    pub browse_s: Option<(f64, f64)>,
    /// The first hand waits at least until then (to time shoppers against each other).
    pub hand_not_before_us: Option<i64>,
}

impl Stop {
    pub fn new(plate: usize, steps: Vec<Step>) -> Self {
        Self {
            plate,
            steps,
            browse_s: None,
            hand_not_before_us: None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ShopperPlan {
    pub speed_mps: f64,
    pub stops: Vec<Stop>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StopTimes {
    pub arrive_us: i64,
    pub first_hand_us: Option<i64>,
}

pub(crate) struct ShopperRun {
    pub stops: Vec<StopTimes>,
}

#[derive(Clone, Copy)]
struct Hand {
    shopper: u32,
    plate: usize,
    t_start_us: i64,
    t_end_us: i64,
}

impl World {
    pub fn run_shopper(
        &mut self,
        plan: &ShopperPlan,
        enter_us: i64,
        rng: &mut ChaCha8Rng,
    ) -> Result<ShopperRun, SimError> {
        let index = self.shoppers.len() as u32;
        let mut rec = ShopperRecord {
            track_id: self.fresh_track_id(rng),
            token: Some(self.fresh_token(rng)),
            enter_us,
            exit_us: enter_us,
            keyframes: Vec::new(),
            held: Vec::new(),
        };
        let mut pos = self.store.entry.point;
        rec.keyframes.push((enter_us, pos));
        let mut t = enter_us + draw_s(rng, GATE_PAUSE_S);
        rec.keyframes.push((t, pos));
        let mut pick_no = 0;
        let mut stops = Vec::with_capacity(plan.stops.len());
        for stop in &plan.stops {
            let stand = self.store.stand_point(stop.plate, rng).ok_or_else(|| {
                SimError::Internal(format!("scenario chose unreachable plate {}", stop.plate))
            })?;
            t = self.walk(&mut rec, pos, stand, t, plan.speed_mps)?;
            pos = stand;
            let arrive_us = t;
            t += draw_s(rng, stop.browse_s.unwrap_or(PRE_DWELL_S));
            if let Some(nb) = stop.hand_not_before_us {
                t = t.max(nb);
            }
            let mut first_hand_us = None;
            for step in &stop.steps {
                if first_hand_us.is_some() {
                    t += draw_s(rng, BETWEEN_ACTIONS_S);
                }
                let t_start_us = t.max(self.plate_free_from_us[stop.plate]);
                let hand = Hand {
                    shopper: index,
                    plate: stop.plate,
                    t_start_us,
                    t_end_us: t_start_us + draw_s(rng, HAND_S),
                };
                let acted = match *step {
                    Step::Pick { quantity } => {
                        pick_no += 1;
                        self.pick(&mut rec, hand, pick_no - 1, quantity, rng)
                    }
                    Step::PutBack { pick, quantity } => {
                        self.put_back(&mut rec, hand, pick, quantity)?
                    }
                };
                if acted {
                    first_hand_us.get_or_insert(hand.t_start_us);
                    self.plate_free_from_us[stop.plate] = hand.t_end_us + MIN_PLATE_GAP_US;
                    t = hand.t_end_us;
                }
            }
            t += draw_s(rng, POST_DWELL_S);
            rec.keyframes.push((t, stand));
            stops.push(StopTimes {
                arrive_us,
                first_hand_us,
            });
        }
        let exit = self.store.exit.point;
        t = self.walk(&mut rec, pos, exit, t, plan.speed_mps)?;
        t += draw_s(rng, GATE_PAUSE_S);
        rec.keyframes.push((t, exit));
        rec.exit_us = t;
        self.shoppers.push(rec);
        Ok(ShopperRun { stops })
    }

    fn walk(
        &mut self,
        rec: &mut ShopperRecord,
        from: Vec2,
        to: Vec2,
        mut t: i64,
        speed_mps: f64,
    ) -> Result<i64, SimError> {
        let path = self
            .planner
            .path(&self.store.grid, from, to)
            .ok_or_else(|| SimError::Internal(format!("no path from {from:?} to {to:?}")))?;
        for w in path.windows(2) {
            let len = (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
            if len > 1e-9 {
                t += secs(len / speed_mps);
                rec.keyframes.push((t, w[1]));
            }
        }
        Ok(t)
    }

    /// Takes up to `quantity` units of one product on the plate; false (no hand, no
    /// time spent) when the plate is empty by now.
    fn pick(
        &mut self,
        rec: &mut ShopperRecord,
        hand: Hand,
        pick_no: usize,
        quantity: usize,
        rng: &mut ChaCha8Rng,
    ) -> bool {
        let products = self.stock.products_on(hand.plate);
        let Some(&product) = products.choose(rng) else {
            return false;
        };
        let items = self.stock.take(hand.plate, product, quantity, rng);
        if items.is_empty() {
            return false;
        }
        rec.held
            .extend(items.iter().map(|&it| (pick_no, hand.plate, it)));
        self.record(hand, ActionKind::Pick, product, &items);
        true
    }

    /// Returns units of an earlier pick that the shopper still holds; false when none.
    fn put_back(
        &mut self,
        rec: &mut ShopperRecord,
        hand: Hand,
        pick: usize,
        quantity: usize,
    ) -> Result<bool, SimError> {
        let mut items = Vec::new();
        let mut i = 0;
        while i < rec.held.len() && items.len() < quantity {
            let (p, plate, item) = rec.held[i];
            if p == pick {
                if plate != hand.plate {
                    return Err(SimError::Internal(format!(
                        "put-back of pick {pick} planned at plate {} but it came from {plate}",
                        hand.plate
                    )));
                }
                items.push(item);
                rec.held.remove(i);
            } else {
                i += 1;
            }
        }
        let Some(first) = items.first() else {
            return Ok(false);
        };
        let product = first.product;
        self.stock.put(hand.plate, &items);
        self.record(hand, ActionKind::PutBack, product, &items);
        Ok(true)
    }

    fn record(&mut self, hand: Hand, kind: ActionKind, product: usize, items: &[Item]) {
        let sign = match kind {
            ActionKind::Pick => -1.0,
            ActionKind::PutBack => 1.0,
        };
        let unit_deltas_g: Vec<f64> = items.iter().map(|i| sign * i.grams).collect();
        self.actions.push(ActionRecord {
            truth: TrueAction {
                shopper: hand.shopper,
                kind,
                plate_id: self.store.plates[hand.plate].id,
                sku: self.store.products[product].sku.clone(),
                quantity: items.len() as u32,
                t_start_us: hand.t_start_us,
                t_end_us: hand.t_end_us,
                grams_moved: unit_deltas_g.iter().sum(),
            },
            plate: hand.plate,
            unit_deltas_g,
        });
    }

    /// Tracker ids are arbitrary numbers, not shopper indices, so nothing downstream can
    /// lean on their order.
    fn fresh_track_id(&self, rng: &mut ChaCha8Rng) -> u32 {
        loop {
            let id: u32 = rng.random();
            if self.shoppers.iter().all(|s| s.track_id != id) {
                return id;
            }
        }
    }

    fn fresh_token(&self, rng: &mut ChaCha8Rng) -> String {
        loop {
            let token = format!("acct-{:08x}", rng.random::<u32>());
            if self
                .shoppers
                .iter()
                .all(|s| s.token.as_deref() != Some(token.as_str()))
            {
                return token;
            }
        }
    }
}
