//! One shopper alone in the store: the cases a single person makes hard for the weight
//! plates (several plates of one shelf, put-backs, several units at once, leaning on the
//! shelf) without any question of who did it.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{
    build_plan, candidate_plates, choose_plates, no_stock, one_pick_each, plan_picks, run_alone,
    walk_speed, PickPlan,
};
use crate::error::SimError;
use crate::shopper::{Press, ShopperPlan, Step, Stop};
use crate::world::World;

/// Picks in the one-shelf scenario, and how long a lean or hold lasts.
const SHELF_PICKS: (usize, usize) = (3, 5);
const PRESS_S: (f64, f64) = (2.0, 6.0);

/// Tier 1: three to five picks from different plates of one shelf, walking along it.
pub(super) fn one_shelf(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    let mut shelves: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for p in candidate_plates(world, &[]) {
        shelves
            .entry(world.store.plates[p].shelf)
            .or_default()
            .push(p);
    }
    let full: Vec<&Vec<usize>> = shelves
        .values()
        .filter(|v| v.len() >= SHELF_PICKS.0)
        .collect();
    let Some(&shelf) = full.choose(rng) else {
        return Err(no_stock("a shelf with three stocked plates"));
    };
    let n = rng
        .random_range(SHELF_PICKS.0..=SHELF_PICKS.1)
        .min(shelf.len());
    let mut plates: Vec<usize> = rand::seq::index::sample(rng, shelf.len(), n)
        .into_iter()
        .map(|i| shelf[i])
        .collect();
    // Along the shelf, as a person browsing it would.
    plates.sort_by(|&a, &b| {
        let (pa, pb) = (&world.store.plates[a], &world.store.plates[b]);
        (pa.face_centre[0] + pa.face_centre[1]).total_cmp(&(pb.face_centre[0] + pb.face_centre[1]))
    });
    let picks = one_pick_each(&plates, rng);
    let plan = build_plan(&picks, &plates, walk_speed(rng), rng);
    run_alone(world, &plan, rng)
}

/// Tier 1: four to six actions, about 40 % of picks put back to the plate they came
/// from (at once, or after walking on and coming back).
pub(super) fn pick_put_back(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    let picks = plan_picks(rng.random_range(4..=6), 0.55, rng);
    single_shopper(world, picks, rng)
}

/// Tier 2: three to five picks of two to five units at once, sometimes some of them put
/// back.
pub(super) fn multi_item(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    let n = rng.random_range(3..=5);
    let picks: Vec<PickPlan> = (0..n)
        .map(|_| {
            let quantity = rng.random_range(2..=5);
            let put_back = rng
                .random_bool(0.25)
                .then(|| super::plan::PutBack::AtOnce(rng.random_range(1..quantity)));
            PickPlan { quantity, put_back }
        })
        .collect();
    single_shopper(world, picks, rng)
}

fn single_shopper(
    world: &mut World,
    mut picks: Vec<PickPlan>,
    rng: &mut ChaCha8Rng,
) -> Result<(), SimError> {
    let plates = choose_plates(world, picks.len(), &[], rng);
    if plates.is_empty() {
        return Err(no_stock("one plate to pick from"));
    }
    picks.truncate(plates.len());
    let plan = build_plan(&picks, &plates, walk_speed(rng), rng);
    run_alone(world, &plan, rng)
}

/// Tier 2: at three to five plates the shopper first leans on the shelf (kilograms) or
/// holds the plate's edge (hundreds of grams) for seconds, then picks from it.
pub(super) fn lean_and_hold(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    let plates = choose_plates(world, rng.random_range(3..=5), &[], rng);
    if plates.is_empty() {
        return Err(no_stock("one plate to lean on and pick from"));
    }
    let stops = plates
        .iter()
        .map(|&p| {
            let kind = if rng.random_bool(0.5) {
                Press::Lean
            } else {
                Press::Hold
            };
            let quantity = if rng.random_bool(0.2) { 2 } else { 1 };
            Stop::new(
                p,
                vec![
                    Step::Press {
                        kind,
                        secs: PRESS_S,
                    },
                    Step::Pick { quantity },
                ],
            )
        })
        .collect();
    let plan = ShopperPlan::new(walk_speed(rng), stops);
    run_alone(world, &plan, rng)
}
