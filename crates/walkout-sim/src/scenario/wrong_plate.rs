//! Tier 3: a unit put back where it does not belong, then taken from there. The first
//! shopper picks a unit, shops on, and puts it on a plate elsewhere whose product weighs
//! about the same (a look-alike: the plate cannot tell); a second shopper then takes
//! that very unit from the wrong plate and must be charged for what it really is.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{
    candidate_plates, choose_plates, entry_for_arrival, first_entry_us, no_stock, pick_quantity,
    walk_speed,
};
use super::slots::wrong_target;
use crate::error::SimError;
use crate::shopper::{secs, ShopperPlan, Step, Stop};
use crate::world::World;

/// The second shopper reaches the wrong plate this long after the put-back.
const AFTER_PUT_BACK_S: (f64, f64) = (2.0, 8.0);

pub(super) fn build(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    let options: Vec<(usize, usize)> = candidate_plates(world, &[])
        .into_iter()
        .filter_map(|p| wrong_target(world, p, &[], true).map(|q| (p, q)))
        .collect();
    let &(from, to) = options
        .choose(rng)
        .ok_or_else(|| no_stock("a plate whose product has a look-alike on another plate"))?;

    let others = choose_plates(world, rng.random_range(1..=2), &[from, to], rng);
    let mut stops = vec![Stop::new(from, vec![Step::Pick { quantity: 1 }])];
    for &p in &others {
        let quantity = pick_quantity(rng, 0.2, 0.0);
        stops.push(Stop::new(p, vec![Step::Pick { quantity }]));
    }
    stops.push(Stop::new(
        to,
        vec![Step::PutBack {
            pick: 0,
            quantity: 1,
        }],
    ));
    let enter_a = first_entry_us(world, rng);
    let a = world.run_shopper(&ShopperPlan::new(walk_speed(rng), stops), enter_a, rng)?;
    let put_back_us = a
        .stops
        .last()
        .and_then(|s| s.first_hand_us)
        .ok_or_else(|| SimError::Internal("the wrong-plate put-back did not happen".into()))?;

    let later = choose_plates(world, 1, &[from, to], rng);
    let mut first = Stop::new(to, vec![Step::PickMisplaced { quantity: 1 }]);
    first.hand_not_before_us = Some(put_back_us + secs(AFTER_PUT_BACK_S.0));
    let mut stops = vec![first];
    stops.extend(
        later
            .iter()
            .map(|&p| Stop::new(p, vec![Step::Pick { quantity: 1 }])),
    );
    let speed = walk_speed(rng);
    let arrive = put_back_us + secs(rng.random_range(AFTER_PUT_BACK_S.0..AFTER_PUT_BACK_S.1));
    let enter_b = entry_for_arrival(world, to, speed, arrive, (enter_a + secs(3.0), arrive));
    world.run_shopper(&ShopperPlan::new(speed, stops), enter_b, rng)?;
    Ok(())
}
