//! A shopper's own actions as a mix of plain picks (some put back) and, with a chosen
//! probability, actions meant to confuse: leaning on the plate first, many units at
//! once, a put-back to a look-alike plate elsewhere, or taking a unit someone misplaced.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{candidate_plates, choose_plates, look_alike_plates, pick_quantity};
use crate::shopper::{Press, Step, Stop};
use crate::world::World;

const PRESS_S: (f64, f64) = (2.0, 5.0);
const MANY_UNITS: (usize, usize) = (3, 5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trick {
    PressFirst,
    ManyUnits,
    WrongPlate,
    PickMisplaced,
}

pub(super) const ALL_TRICKS: [Trick; 4] = [
    Trick::PressFirst,
    Trick::ManyUnits,
    Trick::WrongPlate,
    Trick::PickMisplaced,
];

#[derive(Debug, Clone)]
pub(super) struct SlotMix {
    /// Chance that a plain pick is put straight back.
    pub p_put_back: f64,
    /// Chance that a slot is one of `tricks`.
    pub p_trick: f64,
    pub tricks: &'static [Trick],
}

impl SlotMix {
    pub const PLAIN: SlotMix = SlotMix {
        p_put_back: 0.25,
        p_trick: 0.0,
        tricks: &[],
    };
}

/// Stops for about `n_actions` actions at plates other than `exclude`. Pick numbers of
/// put-backs count from `first_pick` (the picks the plan has before these stops).
pub(super) fn slot_stops(
    world: &World,
    n_actions: usize,
    first_pick: usize,
    exclude: &[usize],
    mix: &SlotMix,
    rng: &mut ChaCha8Rng,
) -> Vec<Stop> {
    let plates = choose_plates(world, n_actions, exclude, rng);
    let mut stops: Vec<Stop> = Vec::new();
    let mut last: Vec<Stop> = Vec::new();
    let mut wrong: Vec<(usize, usize, usize)> = Vec::new();
    let mut pick_no = first_pick;
    let mut actions = 0;
    for &plate in &plates {
        if actions >= n_actions {
            break;
        }
        let trick = if !mix.tricks.is_empty() && rng.random_bool(mix.p_trick) {
            mix.tricks.choose(rng).copied()
        } else {
            None
        };
        match trick {
            Some(Trick::PressFirst) => {
                let kind = if rng.random_bool(0.5) {
                    Press::Lean
                } else {
                    Press::Hold
                };
                stops.push(Stop::new(
                    plate,
                    vec![
                        Step::Press {
                            kind,
                            secs: PRESS_S,
                        },
                        Step::Pick { quantity: 1 },
                    ],
                ));
            }
            Some(Trick::WrongPlate) => match wrong_target(world, plate, exclude, false) {
                Some(to) => {
                    wrong.push((pick_no, to, stops.len()));
                    stops.push(Stop::new(plate, vec![Step::Pick { quantity: 1 }]));
                    actions += 1;
                }
                None => stops.push(many_units(plate, rng)),
            },
            Some(Trick::PickMisplaced) => match misplaced_plates(world, exclude).choose(rng) {
                Some(&at) => {
                    // Last in the visit (the unit was misplaced by someone earlier), so
                    // its pick number comes after all the others: not counted here.
                    last.push(Stop::new(at, vec![Step::PickMisplaced { quantity: 1 }]));
                    actions += 1;
                    continue;
                }
                None => stops.push(many_units(plate, rng)),
            },
            Some(Trick::ManyUnits) => stops.push(many_units(plate, rng)),
            None => {
                let quantity = pick_quantity(rng, 0.15, 0.03);
                let mut steps = vec![Step::Pick { quantity }];
                if actions + 1 < n_actions && rng.random_bool(mix.p_put_back) {
                    steps.push(Step::PutBack {
                        pick: pick_no,
                        quantity: rng.random_range(1..=quantity),
                    });
                    actions += 1;
                }
                stops.push(Stop::new(plate, steps));
            }
        }
        pick_no += 1;
        actions += 1;
    }
    // Put-backs to a look-alike plate come after at least one other stop.
    for (pick, to, after) in wrong.into_iter().rev() {
        let earliest = (after + 2).min(stops.len());
        let at = rng.random_range(earliest..=stops.len());
        stops.insert(at, Stop::new(to, vec![Step::PutBack { pick, quantity: 1 }]));
    }
    stops.extend(last);
    stops
}

fn many_units(plate: usize, rng: &mut ChaCha8Rng) -> Stop {
    let quantity = rng.random_range(MANY_UNITS.0..=MANY_UNITS.1);
    Stop::new(plate, vec![Step::Pick { quantity }])
}

/// A plate other than `plate` whose product weighs about the same as the one on
/// `plate`: one holding a different product (a look-alike) when there is one, the
/// nearest first; else, unless `look_alike_only`, the same product on another plate.
pub(super) fn wrong_target(
    world: &World,
    plate: usize,
    exclude: &[usize],
    look_alike_only: bool,
) -> Option<usize> {
    let product = *world.stock.products_on(plate, i64::MAX).first()?;
    let alikes: Vec<usize> = look_alike_plates(world, plate, product)
        .into_iter()
        .filter(|p| !exclude.contains(p))
        .collect();
    let different = alikes
        .iter()
        .copied()
        .find(|&p| !world.stock.products_on(p, i64::MAX).contains(&product));
    if look_alike_only {
        different
    } else {
        different.or_else(|| alikes.first().copied())
    }
}

/// Reachable plates that hold a unit the planogram does not put there.
fn misplaced_plates(world: &World, exclude: &[usize]) -> Vec<usize> {
    candidate_plates(world, exclude)
        .into_iter()
        .filter(|&p| world.stock.foreign_on(p, i64::MAX).is_some())
        .collect()
}
