//! People do not walk through each other. The planner routes every shopper on their own,
//! along the same aisle lines, so without this pass a shopper leaving a plate would walk
//! straight through the one standing beside them, and two bodies would share a point:
//! no camera or tracker could tell them apart there, and no store ever sees it.
//!
//! After all visits are planned, a shopper walking towards somebody nearer than
//! [`PERSONAL_SPACE_M`] steps aside, perpendicular to their way, just far enough and
//! smoothly (ramping in and out), onto walkable floor only. Keyframe times stay as
//! planned, so every action keeps its time; stands and reaches are never moved (people
//! choose to stand close at a shelf, and the scenarios that make them do so mean it).

use walkout_core::config::Vec2;

use crate::motion::position_at;
use crate::walk::Grid;
use crate::world::ShopperRecord;

/// Centre-to-centre distance a walker keeps from somebody they pass.
const PERSONAL_SPACE_M: f64 = 0.6;
/// The walker's way is checked this often.
const STEP_US: i64 = 100_000;
/// A side-step builds up and fades over this long.
const RAMP_US: i64 = 500_000;
/// Sideways speed of a side-step (on top of walking on).
const SIDE_SPEED_M_S: f64 = 0.8;
/// Shorter moves than this are a shuffle on the spot, not a walk.
const MIN_WALK_M: f64 = 0.05;

fn sub(a: Vec2, b: Vec2) -> Vec2 {
    [a[0] - b[0], a[1] - b[1]]
}

fn norm(a: Vec2) -> f64 {
    a[0].hypot(a[1])
}

/// Where `rec` is at `t`, if in the store then.
fn present_at(rec: &ShopperRecord, keyframes: &[(i64, Vec2)], t: i64) -> Option<Vec2> {
    (rec.enter_us <= t && t <= rec.exit_us)
        .then(|| position_at(keyframes, t))
        .flatten()
}

/// Sideways offset (along the walker's left normal) that keeps `other` at personal
/// distance, for a walker at `pos` heading `dir` (unit); 0 when `other` is behind,
/// far enough or already passed.
fn offset_from(pos: Vec2, dir: Vec2, other: Vec2) -> f64 {
    let rel = sub(other, pos);
    let ahead = rel[0] * dir[0] + rel[1] * dir[1];
    let left = dir[0] * rel[1] - dir[1] * rel[0];
    if norm(rel) >= PERSONAL_SPACE_M || ahead < 0.0 {
        return 0.0;
    }
    let clearance = (PERSONAL_SPACE_M.powi(2) - ahead.powi(2)).max(0.0).sqrt();
    if left >= 0.0 {
        // They are on the left (or dead ahead: keep right).
        (left - clearance).min(0.0)
    } else {
        (left + clearance).max(0.0)
    }
}

/// The larger in size of two offsets.
fn stronger(a: f64, b: f64) -> f64 {
    if b.abs() > a.abs() {
        b
    } else {
        a
    }
}

/// Bounding box of a keyframe polyline over `[t0, t1]`.
fn span_box(keyframes: &[(i64, Vec2)], t0: i64, t1: i64) -> Option<(Vec2, Vec2)> {
    let a = position_at(keyframes, t0)?;
    let b = position_at(keyframes, t1)?;
    let first = keyframes.partition_point(|k| k.0 <= t0);
    let last = keyframes.partition_point(|k| k.0 < t1);
    let inner = keyframes[first..last.max(first)].iter().map(|k| k.1);
    Some([a, b].into_iter().chain(inner).fold(
        ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
        |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        },
    ))
}

fn boxes_within(a: (Vec2, Vec2), b: (Vec2, Vec2), margin: f64) -> bool {
    (0..2).all(|k| a.0[k] - margin <= b.1[k] && b.0[k] - margin <= a.1[k])
}

/// Heading of a polyline at `t` (unit; the segment `t` falls in).
fn heading_at(walk: &[(i64, Vec2)], t: i64) -> Vec2 {
    let i = walk.partition_point(|k| k.0 <= t).clamp(1, walk.len() - 1);
    let d = sub(walk[i].1, walk[i - 1].1);
    let len = norm(d).max(1e-9);
    [d[0] / len, d[1] / len]
}

/// One walk of shopper `who` (keyframes from setting off to arriving, each a move): the
/// keyframes that replace its inner ones, or None when nobody is in the way.
fn side_steps(
    who: usize,
    walk: &[(i64, Vec2)],
    shoppers: &[ShopperRecord],
    planned: &[Vec<(i64, Vec2)>],
    grid: &Grid,
) -> Option<Vec<(i64, Vec2)>> {
    let (t0, t1) = (walk.first()?.0, walk.last()?.0);
    if t1 - t0 < 2 * STEP_US {
        return None;
    }
    let walk_box = span_box(walk, t0, t1)?;
    let others: Vec<usize> = (0..shoppers.len())
        .filter(|&o| o != who && shoppers[o].enter_us <= t1 && t0 <= shoppers[o].exit_us)
        .filter(|&o| {
            span_box(&planned[o], t0, t1)
                .is_some_and(|b| boxes_within(walk_box, b, PERSONAL_SPACE_M))
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    // Evenly spaced, so the last is as far from the walk's end as the first from its
    // start (the side-step must fade out by then).
    let n = (t1 - t0) / STEP_US;
    let step_us = (t1 - t0) / n.max(1);
    let times: Vec<i64> = (1..n).map(|k| t0 + k * step_us).collect();
    let at = |t: i64| position_at(walk, t).unwrap_or(walk[0].1);
    let needed: Vec<f64> = times
        .iter()
        .map(|&t| {
            let (pos, dir) = (at(t), heading_at(walk, t));
            others
                .iter()
                .filter_map(|&o| present_at(&shoppers[o], &planned[o], t))
                .map(|other| offset_from(pos, dir, other))
                .fold(0.0, stronger)
        })
        .collect();
    if needed.iter().all(|&o| o == 0.0) {
        return None;
    }
    // Each needed offset spreads to its neighbours, fading linearly over the ramp; then
    // the side-step is limited to a human sideways speed, starting and ending on the
    // planned way.
    let reach = (RAMP_US / step_us) as usize;
    let spread: Vec<f64> = (0..needed.len())
        .map(|i| {
            let lo = i.saturating_sub(reach);
            let hi = (i + reach).min(needed.len() - 1);
            (lo..=hi)
                .map(|j| {
                    let fade = 1.0 - (i.abs_diff(j) as i64 * step_us) as f64 / RAMP_US as f64;
                    needed[j] * fade.max(0.0)
                })
                .fold(0.0, stronger)
        })
        .collect();
    let left_at = |t: i64| {
        let dir = heading_at(walk, t);
        [-dir[1], dir[0]]
    };
    // Onto walkable floor only: as much of the step as fits.
    let fitting: Vec<f64> = times
        .iter()
        .zip(&spread)
        .map(|(&t, &o)| {
            let (pos, left) = (at(t), left_at(t));
            [1.0, 0.75, 0.5, 0.25, 0.0]
                .into_iter()
                .map(|f| o * f)
                .find(|&o| grid.is_free([pos[0] + left[0] * o, pos[1] + left[1] * o]))
                .unwrap_or(0.0)
        })
        .collect();
    let offsets = rate_limited(&fitting, SIDE_SPEED_M_S * step_us as f64 / 1e6);
    Some(
        times
            .iter()
            .zip(offsets)
            .map(|(&t, o)| {
                let (pos, left) = (at(t), left_at(t));
                (t, [pos[0] + left[0] * o, pos[1] + left[1] * o])
            })
            .collect(),
    )
}

/// Smallest `h' <= h` that changes by at most `max_step` per sample, from 0 before the
/// first and after the last (`h` non-negative).
fn envelope(h: &[f64], max_step: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(h.len());
    let mut prev = 0.0_f64;
    for &v in h {
        prev = v.min(prev + max_step);
        out.push(prev);
    }
    let mut next = 0.0_f64;
    for o in out.iter_mut().rev() {
        next = o.min(next + max_step);
        *o = next;
    }
    out
}

/// `target` with each value shrunk towards 0 (never past it, never grown) until the
/// whole changes by at most `max_step` per sample, and is 0 before the first and after
/// the last; where it changes side, it passes through about 0.
fn rate_limited(target: &[f64], max_step: f64) -> Vec<f64> {
    let right: Vec<f64> = target.iter().map(|&t| t.max(0.0)).collect();
    let left: Vec<f64> = target.iter().map(|&t| (-t).max(0.0)).collect();
    let (right, left) = (envelope(&right, max_step), envelope(&left, max_step));
    let mut out: Vec<f64> = target
        .iter()
        .zip(right.iter().zip(&left))
        .map(|(&t, (&r, &l))| if t > 0.0 { r } else { -l })
        .collect();
    // Where it changes side, the two sides' last and first values may differ by twice
    // the step: a plain limiter both ways evens that out (moving only values near 0).
    let mut prev = 0.0_f64;
    for o in out.iter_mut() {
        prev = o.clamp(prev - max_step, prev + max_step);
        *o = prev;
    }
    let mut next = 0.0_f64;
    for o in out.iter_mut().rev() {
        next = o.clamp(next - max_step, next + max_step);
        *o = next;
    }
    out
}

/// Make every walking shopper step around the others (see the module docs).
pub(crate) fn step_around(shoppers: &mut [ShopperRecord], grid: &Grid) {
    // Everybody steps around where the others planned to be: one pass, no feedback.
    let planned: Vec<Vec<(i64, Vec2)>> = shoppers.iter().map(|s| s.keyframes.clone()).collect();
    for who in 0..shoppers.len() {
        let kf = &planned[who];
        let moves = |i: usize| norm(sub(kf[i + 1].1, kf[i].1)) >= MIN_WALK_M;
        let mut out: Vec<(i64, Vec2)> = Vec::with_capacity(kf.len());
        let mut changed = false;
        let mut i = 0;
        while i < kf.len() {
            out.push(kf[i]);
            if i + 1 < kf.len() && moves(i) {
                // A walk: keyframes i..=j, each step a move.
                let mut j = i + 1;
                while j + 1 < kf.len() && moves(j) {
                    j += 1;
                }
                match side_steps(who, &kf[i..=j], shoppers, &planned, grid) {
                    Some(steps) => {
                        changed = true;
                        out.extend(steps);
                    }
                    None => out.extend_from_slice(&kf[i + 1..j]),
                }
                i = j;
            } else {
                i += 1;
            }
        }
        if changed {
            shoppers[who].keyframes = out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_side_step_is_gradual_and_starts_and_ends_on_the_way() {
        let o = rate_limited(&[-0.6, -0.6, -0.6, -0.6, -0.6, 0.0], 0.2);
        assert_eq!(o.len(), 6);
        assert!(
            (o[0] + 0.2).abs() < 1e-9 && (o[4] + 0.2).abs() < 1e-9 && o[5] == 0.0,
            "{o:?}"
        );
        assert!(
            o.windows(2).all(|w| (w[0] - w[1]).abs() <= 0.2 + 1e-9),
            "{o:?}"
        );
        assert!((o[2] + 0.6).abs() < 1e-9, "{o:?}");
        // Changing sides passes through 0; nothing grows.
        let o = rate_limited(&[0.5, 0.5, -0.5, -0.5], 0.2);
        assert!(
            o.windows(2).all(|w| (w[0] - w[1]).abs() <= 0.2 + 1e-9),
            "{o:?}"
        );
        assert!(
            o.iter()
                .zip([0.2, 0.2, 0.0, -0.2])
                .all(|(a, b)| (a - b).abs() < 1e-9),
            "{o:?}"
        );
    }

    #[test]
    fn a_walker_keeps_right_of_somebody_dead_ahead_and_passes_others_by() {
        let dir = [1.0, 0.0];
        // Dead ahead at 0.4 m: step right (a negative left offset) until clear.
        let o = offset_from([0.0, 0.0], dir, [0.4, 0.0]);
        assert!(
            (o + (PERSONAL_SPACE_M.powi(2) - 0.16).sqrt()).abs() < 1e-9,
            "{o}"
        );
        // Somebody on the left, a little ahead: step right until clear.
        let o = offset_from([0.0, 0.0], dir, [0.3, 0.2]);
        let clearance = (PERSONAL_SPACE_M.powi(2) - 0.09).sqrt();
        assert!((o - (0.2 - clearance)).abs() < 1e-9, "{o}");
        // On the right: step left.
        assert!(offset_from([0.0, 0.0], dir, [0.3, -0.2]) > 0.0);
        // Behind, or far: nothing.
        assert_eq!(offset_from([0.0, 0.0], dir, [-0.2, 0.1]), 0.0);
        assert_eq!(offset_from([0.0, 0.0], dir, [0.3, 0.7]), 0.0);
    }
}
