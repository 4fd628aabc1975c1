//! Tier 2: two shoppers in the store at once, some picks put back. The hard part is
//! deliberate: both work at plates of one gondola, 1-2 m apart, with their hands on the
//! shelf within seconds of each other, so position alone barely tells who took what.
//! Hands never touch the *same* plate at once (a later tier).

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{
    build_plan, candidate_plates, choose_plates, first_entry_us, no_stock, place, plan_picks,
    plate_pairs, walk_speed, GATE_PAUSE_MEAN_S,
};
use crate::error::SimError;
use crate::shopper::secs;
use crate::world::World;

const ACTIONS: (usize, usize) = (3, 6);
/// Chance that a pick gets a put-back. The action budget (3-6) cuts some, so this asks
/// for a little more than the ~30% of picks that end up put back.
const P_PUT_BACK: f64 = 0.37;
/// The second shopper enters this long after the first.
const SECOND_ENTRY_S: (f64, f64) = (3.0, 15.0);
/// Side-by-side plates: standing points this far apart.
const SIDE_BY_SIDE_M: (f64, f64) = (1.0, 2.0);
/// The first shopper browses the shared shelf a while, so the second finds them there.
const SHARED_BROWSE_S: (f64, f64) = (3.0, 6.0);
/// The second shopper arrives this long after the first at the shared shelf ...
const ARRIVE_AFTER_S: (f64, f64) = (0.5, 2.5);
/// ... and reaches in this long after the first shopper's hand (negative: before).
const HAND_AFTER_S: (f64, f64) = (-0.5, 2.0);

/// Two stocked plates of one gondola, facing the same way, with standing points
/// side by side; None when the store has no such pair.
fn side_by_side(world: &World, rng: &mut ChaCha8Rng) -> Option<(usize, usize)> {
    plate_pairs(world, SIDE_BY_SIDE_M, &[]).choose(rng).copied()
}

pub(super) fn build(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    if candidate_plates(world, &[]).len() < 2 {
        return Err(no_stock("two plates with stock, one per shopper"));
    }
    let pair = side_by_side(world, rng);

    // First shopper; the shared plate is their first or second stop.
    let enter_a = first_entry_us(world, rng);
    let speed_a = walk_speed(rng);
    let mut picks_a = plan_picks(rng.random_range(ACTIONS.0..=ACTIONS.1), P_PUT_BACK, rng);
    let reserved: Vec<usize> = pair.map(|(_, b)| vec![b]).unwrap_or_default();
    let mut plates_a = choose_plates(world, picks_a.len(), &reserved, rng);
    if plates_a.is_empty() {
        return Err(no_stock("a plate for the first shopper"));
    }
    picks_a.truncate(plates_a.len());
    if let Some((pa, _)) = pair {
        let at = if plates_a.len() > 1 && rng.random_bool(0.5) {
            1
        } else {
            0
        };
        place(&mut plates_a, at, pa);
    }
    let mut plan_a = build_plan(&picks_a, &plates_a, speed_a, rng);
    let shared_stop = pair.and_then(|(pa, _)| plan_a.stops.iter().position(|s| s.plate == pa));
    if let Some(k) = shared_stop {
        plan_a.stops[k].browse_s = Some(SHARED_BROWSE_S);
    }
    let run_a = world.run_shopper(&plan_a, enter_a, rng)?;

    // Second shopper: never a plate of the first, the shared neighbour first.
    let speed_b = walk_speed(rng);
    let mut picks_b = plan_picks(rng.random_range(ACTIONS.0..=ACTIONS.1), P_PUT_BACK, rng);
    let mut plates_b = choose_plates(world, picks_b.len(), &plates_a, rng);
    if plates_b.is_empty() {
        return Err(no_stock("a plate for the second shopper"));
    }
    picks_b.truncate(plates_b.len());
    if let Some((_, pb)) = pair {
        place(&mut plates_b, 0, pb);
    }
    let mut plan_b = build_plan(&picks_b, &plates_b, speed_b, rng);
    let earliest_b = enter_a + secs(SECOND_ENTRY_S.0);
    let latest_b = enter_a + secs(SECOND_ENTRY_S.1);
    let mut enter_b = enter_a + secs(rng.random_range(SECOND_ENTRY_S.0..SECOND_ENTRY_S.1));
    if let (Some((_, pb)), Some(k)) = (pair, shared_stop) {
        let a_at = run_a.stops[k];
        let entry = world.store.entry.point;
        if let Some(walk_s) = world.travel_time_s(entry, pb, speed_b) {
            let arrive =
                a_at.arrive_us + secs(rng.random_range(ARRIVE_AFTER_S.0..ARRIVE_AFTER_S.1));
            enter_b = (arrive - secs(walk_s + GATE_PAUSE_MEAN_S)).clamp(earliest_b, latest_b);
        }
        if let (Some(h), Some(first)) = (a_at.first_hand_us, plan_b.stops.first_mut()) {
            first.hand_not_before_us =
                Some(h + secs(rng.random_range(HAND_AFTER_S.0..HAND_AFTER_S.1)));
        }
    }
    world.run_shopper(&plan_b, enter_b, rng)?;
    Ok(())
}
