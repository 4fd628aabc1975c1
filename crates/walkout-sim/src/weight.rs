//! Load-cell streams of every plate for the whole session.
//!
//! A sample is tare + the units on the plate + slow drift + Gaussian noise, plus, while a
//! hand is on the plate, the hand's disturbance: the press (a smooth positive bump), the
//! plate ringing, and each unit's weight leaving or arriving at its own moment inside
//! the hand window. Outside hand windows the signal is quiet: no other disturbance in
//! this slice.
//!
//! Each plate draws from its own ChaCha stream (same seed, stream = plate index), so a
//! plate's signal does not change when another plate gets more events. Plates are
//! generated in one-second chunks and each chunk is merged by time, so memory stays at
//! the output plus one chunk, and the per-sample work is a tight loop without allocation.

use std::f64::consts::TAU;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::input::WeightBatch;

use crate::store::{PlateInfo, Store};
use crate::world::ActionRecord;

const CHUNK_US: i64 = 1_000_000;
/// A unit lifting off (or settling on) the plate takes this long: fast, not instant.
const RAMP_US: i64 = 80_000;
/// Units move in the middle of the hand window, not at its edges.
const MOVE_AT: (f64, f64) = (0.2, 0.8);
/// Load cells are not zeroed: the empty plate and its fixture weigh this much.
const TARE_G: (f64, f64) = (800.0, 2500.0);
/// Drift: a slow slope (about 2 g per 10 min, sd) plus a slow swing (thermal cycles).
const DRIFT_SLOPE_SD_G_PER_S: f64 = 2.0 / 600.0;
const DRIFT_SLOPE_MAX_G_PER_S: f64 = 5.0 / 600.0;
const DRIFT_SWING_G: (f64, f64) = (0.5, 3.0);
const DRIFT_PERIOD_S: (f64, f64) = (300.0, 900.0);
/// Sample clock jitter as a fraction of the period (sd, clamp): timestamps stay strictly
/// increasing because the clamp is far below half a period.
const JITTER_SD: f64 = 0.02;
const JITTER_MAX: f64 = 0.1;
/// The hand: press height, share of the window spent pressing down and easing off,
/// ringing of the plate and a slower wobble of the press.
const PRESS_G: (f64, f64) = (50.0, 400.0);
const TAPER: (f64, f64) = (0.3, 0.7);
const RING_FRACTION: (f64, f64) = (0.05, 0.25);
const RING_FLOOR_G: (f64, f64) = (3.0, 10.0);
const RING_HZ: (f64, f64) = (3.0, 9.0);
const WOBBLE_HZ: (f64, f64) = (0.8, 2.0);
const WOBBLE_DEPTH: f64 = 0.2;

struct LoadStep {
    t0_us: i64,
    delta_g: f64,
}

struct HandShape {
    t_start_us: i64,
    t_end_us: i64,
    inv_dur_us: f64,
    taper: f64,
    press_g: f64,
    ring_g: f64,
    ring_rad_per_us: f64,
    ring_phase: f64,
    wobble_rad_per_us: f64,
    wobble_phase: f64,
}

/// Tukey window: 0 at both ends with zero slope, 1 on the plateau; `taper` is the share
/// of the window in the two cosine flanks.
fn tukey(u: f64, taper: f64) -> f64 {
    let half = taper / 2.0;
    let edge = if u < half {
        u
    } else if u > 1.0 - half {
        1.0 - u
    } else {
        return 1.0;
    };
    0.5 * (1.0 - (TAU * edge / taper).cos())
}

fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

impl HandShape {
    fn draw(t_start_us: i64, t_end_us: i64, rng: &mut ChaCha8Rng) -> Self {
        let press_g = rng.random_range(PRESS_G.0..PRESS_G.1);
        let ring_g = press_g * rng.random_range(RING_FRACTION.0..RING_FRACTION.1)
            + rng.random_range(RING_FLOOR_G.0..RING_FLOOR_G.1);
        Self {
            t_start_us,
            t_end_us,
            inv_dur_us: 1.0 / (t_end_us - t_start_us).max(1) as f64,
            taper: rng.random_range(TAPER.0..TAPER.1),
            press_g,
            ring_g,
            ring_rad_per_us: TAU * rng.random_range(RING_HZ.0..RING_HZ.1) * 1e-6,
            ring_phase: rng.random_range(0.0..TAU),
            wobble_rad_per_us: TAU * rng.random_range(WOBBLE_HZ.0..WOBBLE_HZ.1) * 1e-6,
            wobble_phase: rng.random_range(0.0..TAU),
        }
    }

    fn at(&self, t_us: i64) -> f64 {
        let dt = (t_us - self.t_start_us) as f64;
        let env = tukey(dt * self.inv_dur_us, self.taper);
        let press = self.press_g
            * (1.0 + WOBBLE_DEPTH * (self.wobble_rad_per_us * dt + self.wobble_phase).sin());
        let ring = self.ring_g * (self.ring_rad_per_us * dt + self.ring_phase).sin();
        env * (press + ring)
    }
}

struct PlateStream {
    plate_id: u32,
    rng: ChaCha8Rng,
    start_us: i64,
    end_us: i64,
    period_us: f64,
    phase_us: f64,
    k: u64,
    /// Time of the next sample; i64::MAX once past the session end.
    next_t: i64,
    noise_std_g: f64,
    tare_g: f64,
    /// Load once every step before `step_i` has settled.
    load_g: f64,
    steps: Vec<LoadStep>,
    step_i: usize,
    hands: Vec<HandShape>,
    hand_i: usize,
    drift_slope_g_per_us: f64,
    drift_swing_g: f64,
    /// sin/cos of the swing's phase at the next sample, advanced by a fixed rotation per
    /// sample (the swing is minutes long, so the clock jitter does not matter to it).
    swing_sin: f64,
    swing_cos: f64,
    rot_sin: f64,
    rot_cos: f64,
}

impl PlateStream {
    fn new(
        plate: &PlateInfo,
        initial_load_g: f64,
        actions: &[&ActionRecord],
        span: (i64, i64),
        mut rng: ChaCha8Rng,
    ) -> Self {
        let period_us = 1e6 / plate.rate_hz;
        let phase_us = period_us * rng.random_range(JITTER_MAX..1.0 + JITTER_MAX);
        let tare_g = rng.random_range(TARE_G.0..TARE_G.1);
        let z: f64 = StandardNormal.sample(&mut rng);
        let slope =
            (z * DRIFT_SLOPE_SD_G_PER_S).clamp(-DRIFT_SLOPE_MAX_G_PER_S, DRIFT_SLOPE_MAX_G_PER_S);
        let swing = rng.random_range(DRIFT_SWING_G.0..DRIFT_SWING_G.1);
        let swing_period_us = rng.random_range(DRIFT_PERIOD_S.0..DRIFT_PERIOD_S.1) * 1e6;
        let swing_phase = rng.random_range(0.0..TAU);
        let rot = TAU * period_us / swing_period_us;

        let mut hands = Vec::with_capacity(actions.len());
        let mut steps = Vec::new();
        for a in actions {
            let (ts, te) = (a.truth.t_start_us, a.truth.t_end_us);
            hands.push(HandShape::draw(ts, te, &mut rng));
            for &delta_g in &a.unit_deltas_g {
                let at = rng.random_range(MOVE_AT.0..MOVE_AT.1);
                let t0 = ts + ((te - ts) as f64 * at).round() as i64;
                steps.push(LoadStep {
                    t0_us: t0.min(te - RAMP_US).max(ts),
                    delta_g,
                });
            }
        }
        hands.sort_by_key(|h| h.t_start_us);
        steps.sort_by_key(|s| s.t0_us);

        let mut s = Self {
            plate_id: plate.id,
            rng,
            start_us: span.0,
            end_us: span.1,
            period_us,
            phase_us,
            k: 0,
            next_t: 0,
            noise_std_g: plate.noise_std_g,
            tare_g,
            load_g: initial_load_g,
            steps,
            step_i: 0,
            hands,
            hand_i: 0,
            drift_slope_g_per_us: slope * 1e-6,
            drift_swing_g: swing,
            swing_sin: swing_phase.sin(),
            swing_cos: swing_phase.cos(),
            rot_sin: rot.sin(),
            rot_cos: rot.cos(),
        };
        s.next_t = s.sample_time();
        s
    }

    fn expected_len(&self) -> usize {
        ((self.end_us - self.start_us) as f64 / self.period_us) as usize + 2
    }

    /// Time of sample `k`: nominal clock plus jitter, i64::MAX past the end.
    fn sample_time(&mut self) -> i64 {
        let z: f64 = StandardNormal.sample(&mut self.rng);
        let jitter = (z * JITTER_SD).clamp(-JITTER_MAX, JITTER_MAX) * self.period_us;
        let t = self.start_us
            + (self.phase_us + self.k as f64 * self.period_us + jitter).round() as i64;
        if t > self.end_us {
            i64::MAX
        } else {
            t
        }
    }

    fn load_at(&mut self, t: i64) -> f64 {
        while let Some(s) = self.steps.get(self.step_i) {
            if s.t0_us + RAMP_US > t {
                break;
            }
            self.load_g += s.delta_g;
            self.step_i += 1;
        }
        let mut g = self.load_g;
        for s in &self.steps[self.step_i..] {
            if s.t0_us >= t {
                break;
            }
            g += s.delta_g * smoothstep((t - s.t0_us) as f64 / RAMP_US as f64);
        }
        g
    }

    fn hand_at(&mut self, t: i64) -> f64 {
        while let Some(h) = self.hands.get(self.hand_i) {
            if h.t_end_us > t {
                break;
            }
            self.hand_i += 1;
        }
        match self.hands.get(self.hand_i) {
            Some(h) if h.t_start_us < t => h.at(t),
            _ => 0.0,
        }
    }

    /// Appends this plate's samples before `until_us` to the chunk.
    fn fill(&mut self, until_us: i64, chunk: &mut Chunk) {
        while self.next_t < until_us {
            let t = self.next_t;
            let drift = self.drift_slope_g_per_us * (t - self.start_us) as f64
                + self.drift_swing_g * self.swing_sin;
            let z: f64 = StandardNormal.sample(&mut self.rng);
            let g = self.tare_g + self.load_at(t) + self.hand_at(t) + drift + self.noise_std_g * z;
            chunk.plate_id.push(self.plate_id);
            chunk.t_us.push(t);
            chunk.grams.push(g);

            let (s, c) = (self.swing_sin, self.swing_cos);
            self.swing_sin = s * self.rot_cos + c * self.rot_sin;
            self.swing_cos = c * self.rot_cos - s * self.rot_sin;
            self.k += 1;
            self.next_t = self.sample_time();
        }
    }
}

#[derive(Default)]
struct Chunk {
    plate_id: Vec<u32>,
    t_us: Vec<i64>,
    grams: Vec<f64>,
    keys: Vec<u64>,
}

impl Chunk {
    fn clear(&mut self) {
        self.plate_id.clear();
        self.t_us.clear();
        self.grams.clear();
    }

    /// Moves the chunk to `out` in time order (ties by plate order), sorting packed
    /// (time offset, row) keys: cheaper than sorting rows or merging with a heap.
    fn drain_sorted(&mut self, chunk_start: i64, out: &mut WeightBatch) {
        self.keys.clear();
        self.keys.extend(
            self.t_us
                .iter()
                .enumerate()
                .map(|(i, &t)| (((t - chunk_start) as u64) << 32) | i as u64),
        );
        self.keys.sort_unstable();
        for &k in &self.keys {
            let i = (k & 0xFFFF_FFFF) as usize;
            out.push(self.plate_id[i], self.t_us[i], self.grams[i]);
        }
    }
}

/// Every plate's samples over `span` (inclusive), sorted by time.
pub(crate) fn generate(
    store: &Store,
    initial_load_g: &[f64],
    actions: &[ActionRecord],
    span: (i64, i64),
    seed: u64,
) -> WeightBatch {
    let mut per_plate: Vec<Vec<&ActionRecord>> = vec![Vec::new(); store.plates.len()];
    for a in actions {
        per_plate[a.plate].push(a);
    }
    let mut streams: Vec<PlateStream> = store
        .plates
        .iter()
        .enumerate()
        .map(|(i, plate)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(i as u64);
            PlateStream::new(plate, initial_load_g[i], &per_plate[i], span, rng)
        })
        .collect();
    let total: usize = streams.iter().map(PlateStream::expected_len).sum();
    let mut out = WeightBatch {
        plate_id: Vec::with_capacity(total),
        t_us: Vec::with_capacity(total),
        grams: Vec::with_capacity(total),
    };
    let mut chunk = Chunk::default();
    let mut t0 = span.0;
    while t0 <= span.1 {
        let t1 = t0.saturating_add(CHUNK_US);
        chunk.clear();
        for s in &mut streams {
            s.fill(t1, &mut chunk);
        }
        chunk.drain_sorted(t0, &mut out);
        t0 = t1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tukey_is_zero_at_the_edges_and_one_inside() {
        assert!(tukey(0.0, 0.5).abs() < 1e-12);
        assert!(tukey(1.0, 0.5).abs() < 1e-12);
        assert!((tukey(0.5, 0.5) - 1.0).abs() < 1e-12);
        assert!((tukey(0.125, 0.5) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn hand_disturbance_vanishes_at_window_ends() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let h = HandShape::draw(1_000_000, 1_800_000, &mut rng);
        assert!(h.at(1_000_000).abs() < 1e-9);
        assert!(h.at(1_800_000).abs() < 1e-9);
        assert!(h.at(1_400_000) > 0.0);
    }
}
