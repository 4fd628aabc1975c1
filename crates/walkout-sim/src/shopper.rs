//! One shopper's visit, played out in time: enter at the entry gate, walk to each stop,
//! stand and act, walk to the exit. A scenario says *what* a shopper does (a
//! [`ShopperPlan`]); this module decides *when*, with human timing drawn at random, and
//! records where the hands go (for the cameras) and what they hold.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use walkout_core::config::{Vec2, Vec3};

use crate::body::{Arm, Body};
use crate::error::SimError;
use crate::motion::{position_at, Carry, Reach};
use crate::stock::Item;
use crate::truth::{ActionKind, Confusion, DisturbanceKind, TrueAction};
use crate::world::{ActionRecord, PressRecord, ShopperRecord, World};

/// Hands on one plate are at least this far apart, so every action has a quiet second
/// of weight signal on both sides (what a change detector needs to see a step).
pub(crate) const MIN_PLATE_GAP_US: i64 = 1_500_000;
/// After leaning on a plate the hand goes in almost at once: the hard case.
const AFTER_PRESS_GAP_US: i64 = 300_000;
/// Scanning the app at the gate before walking on.
const GATE_PAUSE_S: (f64, f64) = (0.3, 1.0);
/// Looking at the shelf before reaching, and after the last action before leaving.
const PRE_DWELL_S: (f64, f64) = (0.5, 2.0);
const POST_DWELL_S: (f64, f64) = (0.5, 2.0);
const HAND_S: (f64, f64) = (0.4, 1.2);
/// Between two actions at one stop (looking at the item, deciding to put it back).
const BETWEEN_ACTIONS_S: (f64, f64) = (1.5, 3.5);
/// A taken unit is in the hand (visible to cameras) this long before it goes into the
/// basket; a unit to put back comes out of the basket this long before.
const IN_HAND_S: (f64, f64) = (0.8, 2.0);
/// Two shoppers hand a unit over this far apart at most (arm's length each).
const HAND_OVER_REACH_M: f64 = 1.6;
/// Hands meet at this height in a hand-over.
const HAND_OVER_Z_M: f64 = 1.05;
/// Pressing on a plate: leaning weighs kilograms, holding the edge hundreds of grams.
pub(crate) const LEAN_G: (f64, f64) = (1_500.0, 5_000.0);
pub(crate) const HOLD_G: (f64, f64) = (200.0, 1_200.0);

pub(crate) fn secs(s: f64) -> i64 {
    (s * 1e6).round() as i64
}

fn draw_s(rng: &mut ChaCha8Rng, (lo, hi): (f64, f64)) -> i64 {
    secs(rng.random_range(lo..hi))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Press {
    Lean,
    Hold,
}

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Pick {
        quantity: usize,
    },
    /// Takes the misplaced units of the plate if it holds any, else like `Pick`.
    PickMisplaced {
        quantity: usize,
    },
    /// Put `quantity` units taken by the plan's `pick`-th pick (counted from 0 over all
    /// stops) on the stop's plate: the plate they came from, or another one.
    PutBack {
        pick: usize,
        quantity: usize,
    },
    /// Lean on or hold the plate for a while without moving anything.
    Press {
        kind: Press,
        secs: (f64, f64),
    },
    /// Hand units of the `pick`-th pick to shopper `to` (already simulated, and near).
    HandOver {
        pick: usize,
        quantity: usize,
        to: u32,
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
    /// Stand here instead of in front of the plate (reaching across a neighbour).
    pub stand_at: Option<Vec2>,
    /// Stay at the stop at least until then (waiting for a companion).
    pub stay_until_us: Option<i64>,
    /// Another shopper's hand may be on the plate at the same time.
    pub share_plate: bool,
    /// Tags every action at this stop (the scenario made the stop hard on purpose).
    pub confusion: Option<Confusion>,
}

impl Stop {
    pub fn new(plate: usize, steps: Vec<Step>) -> Self {
        Self {
            plate,
            steps,
            browse_s: None,
            hand_not_before_us: None,
            stand_at: None,
            stay_until_us: None,
            share_plate: false,
            confusion: None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ShopperPlan {
    pub speed_mps: f64,
    pub stops: Vec<Stop>,
    /// Scans the app at the entry gate (an account token); some shoppers do not.
    pub token: bool,
    /// Gives up on a plate that stays busy longer than this (crowds); None waits.
    pub max_wait_s: Option<f64>,
}

impl ShopperPlan {
    pub fn new(speed_mps: f64, stops: Vec<Stop>) -> Self {
        Self {
            speed_mps,
            stops,
            token: true,
            max_wait_s: None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StopTimes {
    pub arrive_us: i64,
    pub first_hand_us: Option<i64>,
}

pub(crate) struct ShopperRun {
    pub index: u32,
    pub stops: Vec<StopTimes>,
}

#[derive(Clone, Copy)]
struct Hand {
    shopper: u32,
    plate: usize,
    t_start_us: i64,
    t_end_us: i64,
    stand: Vec2,
    confusion: Option<Confusion>,
}

/// The arm on the side of `target` for a shopper at `stand` facing `facing`.
fn arm_towards(stand: Vec2, facing: Vec2, target: Vec3) -> Arm {
    let right = [facing[1], -facing[0]];
    let side = (target[0] - stand[0]) * right[0] + (target[1] - stand[1]) * right[1];
    if side >= 0.0 {
        Arm::Right
    } else {
        Arm::Left
    }
}

/// A shopper at the entry gate has left it once this far from its point.
const GATE_CLEARANCE_M: f64 = 0.7;
/// Nobody stands at the entry gate longer than this after checking in (a pause of at
/// most a second, then a few steps).
const GATE_MAX_STAY_US: i64 = 10_000_000;

impl World {
    /// When the entry gate is free for a shopper arriving at `arrive_us`: the time by
    /// which every shopper who checked in before them (in time order, a queue) has got
    /// [`GATE_CLEARANCE_M`] away from its point on their true path.
    fn entry_free_from(&self, arrive_us: i64) -> i64 {
        let gate = self.store.entry.point;
        let away = |p: Vec2| (p[0] - gate[0]).hypot(p[1] - gate[1]);
        let leaves = |s: &ShopperRecord| {
            s.keyframes
                .windows(2)
                .find_map(|w| {
                    let ((t0, p0), (t1, p1)) = (w[0], w[1]);
                    let (d0, d1) = (away(p0), away(p1));
                    (d1 >= GATE_CLEARANCE_M).then(|| {
                        // Along the segment, distance from the gate grows about linearly.
                        let f = ((GATE_CLEARANCE_M - d0) / (d1 - d0).max(1e-9)).clamp(0.0, 1.0);
                        t0 + ((t1 - t0) as f64 * f) as i64
                    })
                })
                .unwrap_or(s.exit_us)
        };
        // Only shoppers who checked in shortly before can still stand at the gate; the
        // queue may have grown long (arrivals faster than the gate lets people in), so
        // every shopper run so far is looked at, not just the last few.
        let mut before: Vec<&ShopperRecord> = self
            .shoppers
            .iter()
            .filter(|s| s.enter_us >= arrive_us - GATE_MAX_STAY_US)
            .collect();
        before.sort_by_key(|s| s.enter_us);
        let mut free = arrive_us;
        for s in before {
            // Whoever checks in by the time this shopper could is ahead in the queue.
            if s.enter_us <= free {
                free = free.max(leaves(s));
            }
        }
        free
    }

    pub fn run_shopper(
        &mut self,
        plan: &ShopperPlan,
        enter_us: i64,
        rng: &mut ChaCha8Rng,
    ) -> Result<ShopperRun, SimError> {
        let index = self.shoppers.len() as u32;
        // One body at a time stands at the entry gate: a shopper who arrives while the
        // one before is still at the gate (scanning, then pausing) checks in once that
        // one has stepped away, as at a turnstile.
        let enter_us = self.entry_free_from(enter_us);
        let mut rec = ShopperRecord {
            track_id: self.fresh_track_id(rng),
            token: plan.token.then(|| self.fresh_token(rng)),
            enter_us,
            exit_us: enter_us,
            keyframes: Vec::new(),
            held: Vec::new(),
            body: Body::draw(&mut self.body_rng(index)),
            stands: Vec::new(),
            reaches: Vec::new(),
            carries: Vec::new(),
        };
        let mut pos = self.store.entry.point;
        rec.keyframes.push((enter_us, pos));
        let mut t = enter_us + draw_s(rng, GATE_PAUSE_S);
        rec.keyframes.push((t, pos));
        let mut pick_no = 0;
        let mut stops = Vec::with_capacity(plan.stops.len());
        let max_wait_us = plan.max_wait_s.map(secs);
        for stop in &plan.stops {
            let stand = match stop.stand_at {
                Some(p) => p,
                None => self.store.stand_point(stop.plate, rng).ok_or_else(|| {
                    SimError::Internal(format!("scenario chose unreachable plate {}", stop.plate))
                })?,
            };
            t = self.walk(&mut rec, pos, stand, t, plan.speed_mps)?;
            pos = stand;
            let arrive_us = t;
            t += draw_s(rng, stop.browse_s.unwrap_or(PRE_DWELL_S));
            if let Some(nb) = stop.hand_not_before_us {
                t = t.max(nb);
            }
            let mut first_hand_us = None;
            let mut pressed = false;
            for step in &stop.steps {
                if first_hand_us.is_some() && !pressed {
                    t += draw_s(rng, BETWEEN_ACTIONS_S);
                }
                let confusion = stop
                    .confusion
                    .or(pressed.then_some(Confusion::PressedFirst));
                let duration = match step {
                    Step::Press { secs: s, .. } => draw_s(rng, *s),
                    _ => draw_s(rng, HAND_S),
                };
                let own_gap = if pressed {
                    AFTER_PRESS_GAP_US
                } else {
                    MIN_PLATE_GAP_US
                };
                let free = if stop.share_plate {
                    t
                } else {
                    self.free_slot(stop.plate, t, duration, index, own_gap)
                };
                let waited = free - t;
                let hand = Hand {
                    shopper: index,
                    plate: stop.plate,
                    t_start_us: free,
                    t_end_us: free + duration,
                    stand,
                    confusion,
                };
                if max_wait_us.is_some_and(|m| waited > m) {
                    if matches!(step, Step::Pick { .. } | Step::PickMisplaced { .. }) {
                        pick_no += 1;
                    }
                    continue;
                }
                pressed = false;
                let acted = match *step {
                    Step::Pick { quantity } => {
                        pick_no += 1;
                        self.pick(&mut rec, hand, pick_no - 1, quantity, false, rng)
                    }
                    Step::PickMisplaced { quantity } => {
                        pick_no += 1;
                        self.pick(&mut rec, hand, pick_no - 1, quantity, true, rng)
                    }
                    Step::PutBack { pick, quantity } => {
                        self.put_back(&mut rec, hand, pick, quantity, rng)
                    }
                    Step::Press { kind, .. } => {
                        self.press(&mut rec, hand, kind);
                        pressed = true;
                        true
                    }
                    Step::HandOver { pick, quantity, to } => {
                        // A hand-over needs no plate: it happens whenever the shopper is
                        // ready, not when the plate is free.
                        let hand = Hand {
                            t_start_us: t,
                            t_end_us: t + duration,
                            ..hand
                        };
                        let done = self.hand_over(&mut rec, hand, pick, quantity, to, rng)?;
                        if done {
                            first_hand_us.get_or_insert(hand.t_start_us);
                            t = hand.t_end_us;
                        }
                        continue;
                    }
                };
                if acted {
                    first_hand_us.get_or_insert(hand.t_start_us);
                    self.book(stop.plate, hand.t_start_us, hand.t_end_us, index);
                    t = hand.t_end_us;
                    if pressed {
                        t += AFTER_PRESS_GAP_US;
                    }
                }
            }
            t += draw_s(rng, POST_DWELL_S);
            if let Some(until) = stop.stay_until_us {
                t = t.max(until);
            }
            rec.keyframes.push((t, stand));
            let facing = self.store.plates[stop.plate].front.normal();
            rec.stands.push((arrive_us, t, [-facing[0], -facing[1]]));
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
        Ok(ShopperRun { index, stops })
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

    /// The facing of a shopper standing at `plate`: towards its gondola.
    fn facing(&self, plate: usize) -> Vec2 {
        let n = self.store.plates[plate].front.normal();
        [-n[0], -n[1]]
    }

    /// The hand goes to the plate and back: a reach for the cameras.
    fn reach_plate(&self, rec: &mut ShopperRecord, hand: Hand) -> Arm {
        let target = self.store.plates[hand.plate].reach_point();
        let arm = arm_towards(hand.stand, self.facing(hand.plate), target);
        rec.reaches.push(Reach {
            t_start_us: hand.t_start_us,
            t_end_us: hand.t_end_us,
            target,
            arm,
        });
        arm
    }

    /// Takes up to `quantity` units of one product on the plate (a misplaced one first
    /// when `misplaced`); false (no hand, no time spent) when the plate is empty by now.
    fn pick(
        &mut self,
        rec: &mut ShopperRecord,
        hand: Hand,
        pick_no: usize,
        quantity: usize,
        misplaced: bool,
        rng: &mut ChaCha8Rng,
    ) -> bool {
        let foreign = if misplaced {
            self.stock.foreign_on(hand.plate, hand.t_start_us)
        } else {
            None
        };
        let product = match foreign {
            Some(p) => p,
            None => {
                let products = self.stock.products_on(hand.plate, hand.t_start_us);
                let Some(&p) = products.choose(rng) else {
                    return false;
                };
                p
            }
        };
        let items = self
            .stock
            .take(hand.plate, product, quantity, hand.t_start_us, rng);
        if items.is_empty() {
            return false;
        }
        let arm = self.reach_plate(rec, hand);
        let mid = (hand.t_start_us + hand.t_end_us) / 2;
        rec.carries.push(Carry {
            t_start_us: mid,
            t_end_us: hand.t_end_us + draw_s(rng, IN_HAND_S),
            product,
            arm,
        });
        rec.held
            .extend(items.iter().map(|&it| (pick_no, hand.plate, it)));
        let confusion = hand.confusion.or_else(|| {
            if !self.stock.belongs(hand.plate, product) {
                Some(Confusion::MisplacedItem)
            } else if items.len() >= 3 {
                Some(Confusion::ManyUnits)
            } else {
                None
            }
        });
        self.record(hand, ActionKind::Pick, product, &items, confusion);
        true
    }

    /// Returns units of an earlier pick that the shopper still holds to the stop's
    /// plate; false when none are held.
    fn put_back(
        &mut self,
        rec: &mut ShopperRecord,
        hand: Hand,
        pick: usize,
        quantity: usize,
        rng: &mut ChaCha8Rng,
    ) -> bool {
        let (items, from) = take_held(rec, pick, quantity);
        let Some(first) = items.first() else {
            return false;
        };
        let product = first.product;
        let mid = (hand.t_start_us + hand.t_end_us) / 2;
        self.stock.put(hand.plate, &items, mid);
        let arm = self.reach_plate(rec, hand);
        rec.carries.push(Carry {
            t_start_us: hand.t_start_us - draw_s(rng, IN_HAND_S),
            t_end_us: mid,
            product,
            arm,
        });
        let confusion = if from != Some(hand.plate) {
            Some(Confusion::WrongPlate)
        } else {
            hand.confusion
        };
        self.record(hand, ActionKind::PutBack, product, &items, confusion);
        true
    }

    fn press(&mut self, rec: &mut ShopperRecord, hand: Hand, kind: Press) {
        self.reach_plate(rec, hand);
        self.presses.push(PressRecord {
            plate: hand.plate,
            shopper: hand.shopper,
            t_start_us: hand.t_start_us,
            t_end_us: hand.t_end_us,
            kind: match kind {
                Press::Lean => DisturbanceKind::Lean,
                Press::Hold => DisturbanceKind::Hold,
            },
        });
    }

    /// Passes units of pick `pick` to shopper `to`, who must already be simulated and
    /// stand within reach; false (nothing happens) otherwise.
    fn hand_over(
        &mut self,
        rec: &mut ShopperRecord,
        hand: Hand,
        pick: usize,
        quantity: usize,
        to: u32,
        rng: &mut ChaCha8Rng,
    ) -> Result<bool, SimError> {
        let Some(receiver) = self.shoppers.get(to as usize) else {
            return Err(SimError::Internal(format!(
                "hand-over to shopper {to}, who is not simulated yet"
            )));
        };
        let there = |t: i64| {
            t >= receiver.enter_us
                && t <= receiver.exit_us
                && position_at(&receiver.keyframes, t).is_some_and(|p| {
                    (p[0] - hand.stand[0]).hypot(p[1] - hand.stand[1]) <= HAND_OVER_REACH_M
                })
        };
        if !(there(hand.t_start_us) && there(hand.t_end_us)) {
            return Ok(false);
        }
        let (items, _) = take_held(rec, pick, quantity);
        let Some(first) = items.first() else {
            return Ok(false);
        };
        let product = first.product;
        let other = position_at(&receiver.keyframes, hand.t_start_us).unwrap_or(hand.stand);
        let target = [
            (other[0] + hand.stand[0]) / 2.0,
            (other[1] + hand.stand[1]) / 2.0,
            HAND_OVER_Z_M,
        ];
        let mid = (hand.t_start_us + hand.t_end_us) / 2;
        let towards = |from: Vec2, to: Vec2| {
            let d = [to[0] - from[0], to[1] - from[1]];
            let n = d[0].hypot(d[1]).max(1e-9);
            [d[0] / n, d[1] / n]
        };
        let give_arm = arm_towards(hand.stand, towards(hand.stand, other), target);
        let take_arm = arm_towards(other, towards(other, hand.stand), target);
        rec.reaches.push(Reach {
            t_start_us: hand.t_start_us,
            t_end_us: hand.t_end_us,
            target,
            arm: give_arm,
        });
        rec.carries.push(Carry {
            t_start_us: hand.t_start_us - draw_s(rng, IN_HAND_S),
            t_end_us: mid,
            product,
            arm: give_arm,
        });
        let keep_s = draw_s(rng, IN_HAND_S);
        let receiver = &mut self.shoppers[to as usize];
        let at = receiver
            .reaches
            .partition_point(|r| r.t_start_us <= hand.t_start_us);
        receiver.reaches.insert(
            at,
            Reach {
                t_start_us: hand.t_start_us,
                t_end_us: hand.t_end_us,
                target,
                arm: take_arm,
            },
        );
        receiver.carries.push(Carry {
            t_start_us: mid,
            t_end_us: hand.t_end_us + keep_s,
            product,
            arm: take_arm,
        });
        // The receiver cannot put these back as "their" pick: no pick number.
        receiver
            .held
            .extend(items.iter().map(|&it| (usize::MAX, usize::MAX, it)));
        self.actions.push(ActionRecord {
            truth: TrueAction {
                shopper: hand.shopper,
                kind: ActionKind::HandOver,
                plate_id: None,
                sku: self.store.products[product].sku.clone(),
                quantity: items.len() as u32,
                t_start_us: hand.t_start_us,
                t_end_us: hand.t_end_us,
                grams_moved: 0.0,
                receiver: Some(to),
                confusion: Some(Confusion::HandOver),
            },
            plate: None,
            unit_deltas_g: Vec::new(),
            tags: items.iter().map(|i| i.tag).collect(),
        });
        Ok(true)
    }

    fn record(
        &mut self,
        hand: Hand,
        kind: ActionKind,
        product: usize,
        items: &[Item],
        confusion: Option<Confusion>,
    ) {
        let sign = match kind {
            ActionKind::Pick => -1.0,
            _ => 1.0,
        };
        let unit_deltas_g: Vec<f64> = items.iter().map(|i| sign * i.grams).collect();
        self.actions.push(ActionRecord {
            truth: TrueAction {
                shopper: hand.shopper,
                kind,
                plate_id: Some(self.store.plates[hand.plate].id),
                sku: self.store.products[product].sku.clone(),
                quantity: items.len() as u32,
                t_start_us: hand.t_start_us,
                t_end_us: hand.t_end_us,
                grams_moved: unit_deltas_g.iter().sum(),
                receiver: None,
                confusion,
            },
            plate: Some(hand.plate),
            unit_deltas_g,
            tags: items.iter().map(|i| i.tag).collect(),
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

/// Removes up to `quantity` held units of pick `pick`; also says which plate they came
/// from.
fn take_held(rec: &mut ShopperRecord, pick: usize, quantity: usize) -> (Vec<Item>, Option<usize>) {
    let mut items = Vec::new();
    let mut from = None;
    let mut i = 0;
    while i < rec.held.len() && items.len() < quantity {
        let (p, plate, item) = rec.held[i];
        if p == pick {
            from = Some(plate);
            items.push(item);
            rec.held.remove(i);
        } else {
            i += 1;
        }
    }
    (items, from)
}
