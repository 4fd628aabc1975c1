//! What the upstream tracker reports, and the truth it approximates. Both are sampled on
//! one 15 Hz frame clock shared by all shoppers (a tracker emits per frame), each shopper
//! from the entry gate event to the exit gate event.
//!
//! Tracker error is Gaussian but correlated from frame to frame (AR(1)): trackers smooth,
//! so their error wanders rather than jumping independently, which is what makes a
//! position near a plate misleading for a second at a time. Each shopper's error has a
//! random stream of its own, so it does not depend on who else is in the store.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::input::PositionBatch;

use crate::motion::{Cursor, Motion};
use crate::truth::TrajectoryBatch;

pub(crate) const FRAME_HZ: f64 = 15.0;
const NOISE_SIGMA_M: (f64, f64) = (0.05, 0.08);
const NOISE_CORRELATION: f64 = 0.6;

struct Tracked {
    shopper: usize,
    rng: ChaCha8Rng,
    sigma: f64,
    err: [f64; 2],
    cursor: Cursor,
}

/// The tracker's 15 Hz output, rendered window by window.
pub(crate) struct PositionGen {
    start_us: i64,
    period: f64,
    phase: f64,
    /// Next frame index.
    k: i64,
    seed: u64,
    /// Shopper indices by entry time; `next` is the first not yet in the store.
    by_entry: Vec<usize>,
    next: usize,
    /// In the store now, by shopper index.
    active: Vec<Tracked>,
}

impl PositionGen {
    pub fn new(motions: &[Motion], start_us: i64, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let period = 1e6 / FRAME_HZ;
        let phase = rng.random_range(0.0..period);
        let mut by_entry: Vec<usize> = (0..motions.len()).collect();
        by_entry.sort_by_key(|&i| (motions[i].enter_us, i));
        Self {
            start_us,
            period,
            phase,
            k: 0,
            seed,
            by_entry,
            next: 0,
            active: Vec::new(),
        }
    }

    fn frame_time(&self, k: i64) -> i64 {
        self.start_us + (self.phase + k as f64 * self.period).round() as i64
    }

    pub fn fill(
        &mut self,
        motions: &[Motion],
        t0: i64,
        t1: i64,
        out: &mut PositionBatch,
        truth: &mut TrajectoryBatch,
    ) {
        let innovation = (1.0 - NOISE_CORRELATION * NOISE_CORRELATION).sqrt();
        loop {
            let t = self.frame_time(self.k);
            if t >= t1 {
                break;
            }
            self.k += 1;
            if t < t0 {
                continue;
            }
            while let Some(&i) = self.by_entry.get(self.next) {
                if motions[i].enter_us > t {
                    break;
                }
                self.next += 1;
                let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                rng.set_stream(i as u64 + 1);
                let sigma = rng.random_range(NOISE_SIGMA_M.0..NOISE_SIGMA_M.1);
                let mut err = [0.0f64; 2];
                for e in &mut err {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    *e = sigma * z;
                }
                let at = self.active.partition_point(|a| a.shopper < i);
                self.active.insert(
                    at,
                    Tracked {
                        shopper: i,
                        rng,
                        sigma,
                        err,
                        cursor: Cursor::default(),
                    },
                );
            }
            self.active.retain(|a| motions[a.shopper].exit_us >= t);
            for a in &mut self.active {
                let m = &motions[a.shopper];
                let p = m.position(t, &mut a.cursor);
                out.push(t, m.track_id, p[0] + a.err[0], p[1] + a.err[1]);
                truth.push(t, a.shopper as u32, p[0], p[1]);
                for e in &mut a.err {
                    let z: f64 = StandardNormal.sample(&mut a.rng);
                    *e = NOISE_CORRELATION * *e + innovation * a.sigma * z;
                }
            }
        }
    }
}
