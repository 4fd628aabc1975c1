//! Building blocks shared by scenario builders: which plates a shopper visits, how many
//! units a pick takes, and how picks and put-backs become a sequence of stops.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::error::SimError;
use crate::shopper::{secs, ShopperPlan, Step, Stop};
use crate::world::World;

/// Adults walking in a shop, unhurried to brisk.
pub(super) const WALK_SPEED_MPS: (f64, f64) = (0.8, 1.3);
/// First shopper enters a few seconds into the session: plates have a quiet baseline.
pub(super) const FIRST_ENTRY_S: (f64, f64) = (2.0, 4.0);

pub(super) fn walk_speed(rng: &mut ChaCha8Rng) -> f64 {
    rng.random_range(WALK_SPEED_MPS.0..WALK_SPEED_MPS.1)
}

pub(super) fn first_entry_us(world: &World, rng: &mut ChaCha8Rng) -> i64 {
    world.start_us + secs(rng.random_range(FIRST_ENTRY_S.0..FIRST_ENTRY_S.1))
}

/// One shopper, alone in the store, walking `plan` from a first entry time.
pub(super) fn run_alone(
    world: &mut World,
    plan: &ShopperPlan,
    rng: &mut ChaCha8Rng,
) -> Result<(), SimError> {
    let enter = first_entry_us(world, rng);
    world.run_shopper(plan, enter, rng)?;
    Ok(())
}

/// Plates a shopper can stand at that still hold units, ascending, minus `exclude`.
pub(super) fn candidate_plates(world: &World, exclude: &[usize]) -> Vec<usize> {
    (0..world.store.plates.len())
        .filter(|&p| {
            world.store.plates[p].stand.is_some()
                && world.stock.is_stocked(p)
                && !exclude.contains(&p)
        })
        .collect()
}

/// Up to `n` distinct plates spread over gondolas: each next plate comes from a gondola
/// other than the previous one's (when another has candidates), preferring the least
/// visited gondola, so a shopper moves around the store as real ones do.
pub(super) fn choose_plates(
    world: &World,
    n: usize,
    exclude: &[usize],
    rng: &mut ChaCha8Rng,
) -> Vec<usize> {
    let mut by_gondola: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for p in candidate_plates(world, exclude) {
        by_gondola
            .entry(world.store.plates[p].gondola)
            .or_default()
            .push(p);
    }
    let mut visits: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(n);
    let mut last = None;
    for _ in 0..n {
        let open: Vec<usize> = by_gondola
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(&g, _)| g)
            .collect();
        let others: Vec<usize> = open.iter().copied().filter(|&g| Some(g) != last).collect();
        let pool = if others.is_empty() { open } else { others };
        let Some(fewest) = pool
            .iter()
            .map(|g| visits.get(g).copied().unwrap_or(0))
            .min()
        else {
            break;
        };
        let pool: Vec<usize> = pool
            .into_iter()
            .filter(|g| visits.get(g).copied().unwrap_or(0) == fewest)
            .collect();
        let Some(&g) = pool.choose(rng) else { break };
        let Some(list) = by_gondola.get_mut(&g) else {
            break;
        };
        let k = rng.random_range(0..list.len());
        out.push(list.swap_remove(k));
        *visits.entry(g).or_default() += 1;
        last = Some(g);
    }
    out
}

/// Units taken by one pick: mostly one, sometimes two, rarely three.
pub(super) fn pick_quantity(rng: &mut ChaCha8Rng, p_two: f64, p_three: f64) -> usize {
    let u: f64 = rng.random();
    if u < p_three {
        3
    } else if u < p_three + p_two {
        2
    } else {
        1
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum PutBack {
    /// Looked at it and put it straight back during the same stop.
    AtOnce(usize),
    /// Changed their mind later and walked back to the plate.
    Later(usize),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct PickPlan {
    pub quantity: usize,
    pub put_back: Option<PutBack>,
}

/// One pick per plate of `plates`, none put back: one unit, sometimes (15 %) two.
pub(super) fn one_pick_each(plates: &[usize], rng: &mut ChaCha8Rng) -> Vec<PickPlan> {
    plates
        .iter()
        .map(|_| PickPlan {
            quantity: if rng.random_bool(0.15) { 2 } else { 1 },
            put_back: None,
        })
        .collect()
}

/// Picks (and put-backs of some of them) adding up to `n_actions` actions.
pub(super) fn plan_picks(n_actions: usize, p_put_back: f64, rng: &mut ChaCha8Rng) -> Vec<PickPlan> {
    let mut picks = Vec::new();
    let mut actions = 0;
    while actions < n_actions {
        let quantity = pick_quantity(rng, 0.2, 0.07);
        actions += 1;
        let mut put_back = None;
        if actions < n_actions && rng.random_bool(p_put_back) {
            actions += 1;
            let back = if quantity > 1 && rng.random_bool(0.3) {
                rng.random_range(1..quantity)
            } else {
                quantity
            };
            put_back = Some(if rng.random_bool(0.5) {
                PutBack::AtOnce(back)
            } else {
                PutBack::Later(back)
            });
        }
        picks.push(PickPlan { quantity, put_back });
    }
    picks
}

/// One stop per pick at `plates[i]`; a put-back at once stays in that stop, a later one
/// becomes a return stop placed after at least one other stop when there is one.
pub(super) fn build_plan(
    picks: &[PickPlan],
    plates: &[usize],
    speed_mps: f64,
    rng: &mut ChaCha8Rng,
) -> ShopperPlan {
    let mut stops: Vec<Stop> = Vec::new();
    let mut later: Vec<(usize, usize, usize)> = Vec::new();
    for (i, (pick, &plate)) in picks.iter().zip(plates).enumerate() {
        let mut steps = vec![Step::Pick {
            quantity: pick.quantity,
        }];
        match pick.put_back {
            Some(PutBack::AtOnce(q)) => steps.push(Step::PutBack {
                pick: i,
                quantity: q,
            }),
            Some(PutBack::Later(q)) => later.push((i, plate, q)),
            None => {}
        }
        stops.push(Stop::new(plate, steps));
    }
    // Pick stops are in pick order and each holds exactly one pick, so pick i is the
    // i-th stop that starts with a Pick.
    for (i, plate, q) in later {
        let pick_pos = stops
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.steps.first(), Some(Step::Pick { .. })))
            .nth(i)
            .map_or(stops.len().saturating_sub(1), |(pos, _)| pos);
        let earliest = (pick_pos + 2).min(stops.len());
        let at = rng.random_range(earliest..=stops.len());
        stops.insert(
            at,
            Stop::new(
                plate,
                vec![Step::PutBack {
                    pick: i,
                    quantity: q,
                }],
            ),
        );
    }
    ShopperPlan::new(speed_mps, stops)
}

/// Puts `plate` at position `at`, swapping it there if the list already has it.
pub(super) fn place(plates: &mut [usize], at: usize, plate: usize) {
    match plates.iter().position(|&p| p == plate) {
        Some(j) => plates.swap(at, j),
        None => plates[at] = plate,
    }
}

pub(super) fn no_stock(scenario_needs: &str) -> SimError {
    SimError::unsupported(format!(
        "needs {scenario_needs}, but no reachable plate has stock \
         (check the planogram and that plates face walkable floor)"
    ))
}

/// Distance between the nominal standing points of two plates (infinite when either
/// has none).
pub(super) fn stand_distance(world: &World, a: usize, b: usize) -> f64 {
    match (world.store.plates[a].stand, world.store.plates[b].stand) {
        (Some(p), Some(q)) => (p[0] - q[0]).hypot(p[1] - q[1]),
        _ => f64::INFINITY,
    }
}

/// Ordered pairs of distinct stocked plates of one gondola, facing the same way, whose
/// standing points are `d` apart: where two shoppers work side by side.
pub(super) fn plate_pairs(world: &World, d: (f64, f64), exclude: &[usize]) -> Vec<(usize, usize)> {
    let plates = &world.store.plates;
    let cands = candidate_plates(world, exclude);
    let mut pairs = Vec::new();
    for &a in &cands {
        for &b in &cands {
            let (pa, pb) = (&plates[a], &plates[b]);
            if a == b || pa.gondola != pb.gondola || pa.front != pb.front {
                continue;
            }
            if (d.0..=d.1).contains(&stand_distance(world, a, b)) {
                pairs.push((a, b));
            }
        }
    }
    pairs
}

/// Stocked plates other than `plate` holding a product that weighs within 2 % of
/// `product` (the look-alikes, or the product itself elsewhere), nearest first.
pub(super) fn look_alike_plates(world: &World, plate: usize, product: usize) -> Vec<usize> {
    let p = &world.store.products[product];
    let alike = |q: usize| q == product || p.look_alikes.contains(&q);
    let mut v: Vec<usize> = candidate_plates(world, &[plate])
        .into_iter()
        .filter(|&c| world.stock.products_on(c, i64::MAX).into_iter().any(alike))
        .collect();
    v.sort_by(|&a, &b| {
        stand_distance(world, plate, a)
            .total_cmp(&stand_distance(world, plate, b))
            .then(a.cmp(&b))
    });
    v
}

/// When to enter so as to arrive at `plate` around `arrive_us` (walking from the entry
/// gate at `speed_mps`), kept within `bounds`.
pub(super) fn entry_for_arrival(
    world: &mut World,
    plate: usize,
    speed_mps: f64,
    arrive_us: i64,
    bounds: (i64, i64),
) -> i64 {
    let entry = world.store.entry.point;
    match world.travel_time_s(entry, plate, speed_mps) {
        Some(walk_s) => (arrive_us - secs(walk_s + GATE_PAUSE_MEAN_S)).clamp(bounds.0, bounds.1),
        None => bounds.0,
    }
}

/// Mean of the gate pause in `shopper.rs`, for timing walks.
pub(super) const GATE_PAUSE_MEAN_S: f64 = 0.65;
