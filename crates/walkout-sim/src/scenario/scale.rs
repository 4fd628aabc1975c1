//! Scale: a large store open for an hour, aiming at about 100 shoppers in it at any
//! time. Shoppers keep arriving at the entry gate (quickly while the store fills, then
//! at the rate that holds the target crowd); the gate lets one through at a time, which
//! caps the crowd near 70 with the shipped store's short visits. Each shops a handful of
//! plates spread over the store, a few of their actions are the confusing kind, and a
//! busy plate is skipped rather than waited for.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{candidate_plates, first_entry_us, no_stock, walk_speed};
use super::slots::{slot_stops, SlotMix, ALL_TRICKS};
use crate::error::SimError;
use crate::shopper::{secs, ShopperPlan};
use crate::world::World;

pub(super) const DEFAULT_DURATION_S: f64 = 3_600.0;
const TARGET_IN_STORE: usize = 100;
/// Arrivals while the store fills up, mean gap (s).
const FILL_GAP_S: f64 = 0.7;
/// An entry gate lets one person through at a time: consecutive entries are at least
/// this far apart (s), whatever the arrival rate asks for (without it, half the
/// entries came less than 0.5 s after the one before, and no check-in could be told
/// from the next).
const GATE_MIN_GAP_S: f64 = 0.75;
/// Arrivals stop this long before the end (a visit's length), or at half the session
/// for short sessions, so everyone is out by the end.
const LAST_VISIT_S: f64 = 480.0;
/// Actions per visit: an hour-long session, and short test sessions.
const ACTIONS: (usize, usize) = (3, 9);
const SHORT_ACTIONS: (usize, usize) = (1, 3);
const SHORT_SESSION_S: f64 = 600.0;
const MAX_WAIT_S: f64 = 10.0;
const P_NO_TOKEN: f64 = 0.08;
const MIX: SlotMix = SlotMix {
    p_put_back: 0.15,
    p_trick: 0.1,
    tricks: &ALL_TRICKS,
};

fn exp_gap(mean_s: f64, rng: &mut ChaCha8Rng) -> i64 {
    let u: f64 = rng.random_range(1e-12..1.0);
    secs(-mean_s * u.ln())
}

pub(super) fn build(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    duration_us: Option<i64>,
) -> Result<(), SimError> {
    if candidate_plates(world, &[]).is_empty() {
        return Err(no_stock("plates to shop from"));
    }
    let duration_s = duration_us.map_or(DEFAULT_DURATION_S, |d| d as f64 * 1e-6);
    let short = duration_s < SHORT_SESSION_S;
    let open_s = if short {
        duration_s / 2.0
    } else {
        duration_s - LAST_VISIT_S
    };
    let last_entry = world.start_us + secs(open_s);
    let actions = if short { SHORT_ACTIONS } else { ACTIONS };
    let mut t = first_entry_us(world, rng);
    let target = world.crowd.unwrap_or(TARGET_IN_STORE);
    // A larger crowd fills at a proportionally higher rate (else the arrivals, not the
    // target, would cap it at about a visit's length over the gap).
    let fill_gap_s = FILL_GAP_S * TARGET_IN_STORE as f64 / target.max(1) as f64;
    let mut visit_s_sum = 0.0;
    while t < last_entry {
        let n = rng.random_range(actions.0..=actions.1);
        let stops = slot_stops(world, n, 0, &[], &MIX, rng);
        let mut plan = ShopperPlan::new(walk_speed(rng), stops);
        plan.token = !rng.random_bool(P_NO_TOKEN);
        plan.max_wait_s = Some(MAX_WAIT_S);
        world.run_shopper(&plan, t, rng)?;
        let mut entered = t;
        if let Some(s) = world.shoppers.last() {
            visit_s_sum += (s.exit_us - s.enter_us) as f64 * 1e-6;
            entered = s.enter_us;
        }
        let mean_visit_s = visit_s_sum / world.shoppers.len() as f64;
        // The gate lets one in at a time, so arrivals may queue: the crowd is counted
        // when the latest arrival got in, not when it arrived (else a queue would look
        // like an empty store and the store would keep filling at its opening rate).
        let gap = if world.in_store_at(entered.max(t)) < target {
            fill_gap_s
        } else {
            // The rate at which as many leave as come.
            mean_visit_s / target as f64
        };
        t += exp_gap(gap, rng).max(secs(GATE_MIN_GAP_S));
    }
    Ok(())
}
