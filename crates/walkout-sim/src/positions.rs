//! What the upstream tracker reports, and the truth it approximates. Both are sampled on
//! one 15 Hz frame clock shared by all shoppers (a tracker emits per frame), each shopper
//! from the entry gate event to the exit gate event.
//!
//! Tracker error is Gaussian but correlated from frame to frame (AR(1)): trackers smooth,
//! so their error wanders rather than jumping independently, which is what makes a
//! position near a plate misleading for a second at a time.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::config::Vec2;
use walkout_core::input::PositionBatch;

use crate::truth::TrajectoryBatch;
use crate::world::ShopperRecord;

pub(crate) const FRAME_HZ: f64 = 15.0;
const NOISE_SIGMA_M: (f64, f64) = (0.05, 0.08);
const NOISE_CORRELATION: f64 = 0.6;

struct Row {
    t_us: i64,
    shopper: u32,
    track_id: u32,
    truth: Vec2,
    seen: Vec2,
}

/// Position on the keyframe polyline at `t`; `cursor` only moves forward because the
/// frames are visited in time order.
fn interpolate(keyframes: &[(i64, Vec2)], t: i64, cursor: &mut usize) -> Vec2 {
    while *cursor + 1 < keyframes.len() && keyframes[*cursor + 1].0 <= t {
        *cursor += 1;
    }
    let (ta, a) = keyframes[*cursor];
    match keyframes.get(*cursor + 1) {
        Some(&(tb, b)) if tb > ta && t > ta => {
            let f = (t - ta) as f64 / (tb - ta) as f64;
            [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]
        }
        _ => a,
    }
}

pub(crate) fn sample(
    shoppers: &[ShopperRecord],
    start_us: i64,
    seed: u64,
) -> (PositionBatch, TrajectoryBatch) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let period = 1e6 / FRAME_HZ;
    let phase = rng.random_range(0.0..period);
    let frame_time = |k: i64| start_us + (phase + k as f64 * period).round() as i64;
    let innovation = (1.0 - NOISE_CORRELATION * NOISE_CORRELATION).sqrt();

    let mut rows = Vec::new();
    for (i, s) in shoppers.iter().enumerate() {
        if s.keyframes.is_empty() {
            continue;
        }
        let sigma = rng.random_range(NOISE_SIGMA_M.0..NOISE_SIGMA_M.1);
        let mut k = (((s.enter_us - start_us) as f64 - phase) / period).floor() as i64;
        while frame_time(k) < s.enter_us {
            k += 1;
        }
        let mut err = [0.0f64; 2];
        for e in &mut err {
            let z: f64 = StandardNormal.sample(&mut rng);
            *e = sigma * z;
        }
        let mut cursor = 0;
        loop {
            let t = frame_time(k);
            if t > s.exit_us {
                break;
            }
            let p = interpolate(&s.keyframes, t, &mut cursor);
            rows.push(Row {
                t_us: t,
                shopper: i as u32,
                track_id: s.track_id,
                truth: p,
                seen: [p[0] + err[0], p[1] + err[1]],
            });
            for e in &mut err {
                let z: f64 = StandardNormal.sample(&mut rng);
                *e = NOISE_CORRELATION * *e + innovation * sigma * z;
            }
            k += 1;
        }
    }
    rows.sort_unstable_by_key(|r| (r.t_us, r.shopper));

    let mut positions = PositionBatch::default();
    let mut truth = TrajectoryBatch::default();
    for r in rows {
        positions.push(r.t_us, r.track_id, r.seen[0], r.seen[1]);
        truth.push(r.t_us, r.shopper, r.truth[0], r.truth[1]);
    }
    (positions, truth)
}
