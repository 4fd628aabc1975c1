//! Tier 1: one shopper, a few picks from different gondolas, nothing put back. The
//! baseline every engine must get right: one person, clean steps, no ambiguity.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{build_plan, choose_plates, no_stock, one_pick_each, run_alone, walk_speed};
use crate::error::SimError;
use crate::world::World;

pub(super) fn build(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    _duration_us: Option<i64>,
) -> Result<(), SimError> {
    let n = rng.random_range(3..=6);
    let plates = choose_plates(world, n, &[], rng);
    if plates.is_empty() {
        return Err(no_stock("one plate to pick from"));
    }
    let picks = one_pick_each(&plates, rng);
    let speed = walk_speed(rng);
    let plan = build_plan(&picks, &plates, speed, rng);
    run_alone(world, &plan, rng)
}
