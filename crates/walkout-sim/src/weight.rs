//! Load-cell streams of every plate, rendered window by window.
//!
//! A sample is tare + the units on the plate + drift + Gaussian noise, plus, while a hand
//! is on the plate, the hand's disturbance: the press (a smooth positive bump), the plate
//! ringing, and each unit's weight leaving or arriving at its own moment inside the hand
//! window. Leaning on or holding a plate is a long, heavy press without any unit moving.
//! Faults add gondola vibration (a damped sine on every plate of a bumped gondola),
//! strong drift, and dropouts (no samples at all).
//!
//! Each plate draws from its own ChaCha stream (same seed, stream = plate index), so a
//! plate's signal does not change when another plate gets more events, nor with the
//! window size a caller asks for. Plates are generated in one-second slices and each
//! slice is merged by time, so memory stays at the output plus one slice, and the
//! per-sample work is a tight loop without allocation.

use std::f64::consts::TAU;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::input::WeightBatch;

use crate::faults::{Burst, FaultPlan};
use crate::shopper::{HOLD_G, LEAN_G};
use crate::store::{PlateInfo, Store};
use crate::truth::DisturbanceKind;
use crate::world::{ActionRecord, PressRecord};

/// Plates are rendered in slices this long and merged by time per slice; it must stay
/// below 2^20 µs for the radix sort in [`Chunk::drain_sorted`].
const SLICE_US: i64 = 1_000_000;
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
/// A lean or hold settles in and lets go over this long; in between the weight of an
/// arm wobbles slowly.
const PRESS_EDGE_S: f64 = 0.6;
const PRESS_WOBBLE_HZ: (f64, f64) = (0.2, 0.8);
const PRESS_RING_G: (f64, f64) = (2.0, 8.0);

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
    /// A lean (kilograms) or a hold (hundreds of grams) over a window of seconds.
    fn draw_press(press: &PressRecord, rng: &mut ChaCha8Rng) -> Self {
        let (lo, hi) = match press.kind {
            DisturbanceKind::Lean => LEAN_G,
            _ => HOLD_G,
        };
        let dur_s = (press.t_end_us - press.t_start_us).max(1) as f64 * 1e-6;
        Self {
            t_start_us: press.t_start_us,
            t_end_us: press.t_end_us,
            inv_dur_us: 1.0 / (press.t_end_us - press.t_start_us).max(1) as f64,
            taper: (2.0 * PRESS_EDGE_S / dur_s).clamp(0.05, 0.8),
            press_g: rng.random_range(lo..hi),
            ring_g: rng.random_range(PRESS_RING_G.0..PRESS_RING_G.1),
            ring_rad_per_us: TAU * rng.random_range(RING_HZ.0..RING_HZ.1) * 1e-6,
            ring_phase: rng.random_range(0.0..TAU),
            wobble_rad_per_us: TAU * rng.random_range(PRESS_WOBBLE_HZ.0..PRESS_WOBBLE_HZ.1) * 1e-6,
            wobble_phase: rng.random_range(0.0..TAU),
        }
    }

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
    bursts: Vec<Burst>,
    burst_i: usize,
    /// Spans without samples, sorted.
    dropouts: Vec<(i64, i64)>,
    dropout_i: usize,
    drift_slope_g_per_us: f64,
    drift_swing_g: f64,
    /// sin/cos of the swing's phase at the next sample, advanced by a fixed rotation per
    /// sample (the swing is minutes long, so the clock jitter does not matter to it).
    swing_sin: f64,
    swing_cos: f64,
    rot_sin: f64,
    rot_cos: f64,
}

/// A load on a plate for a while: a hand (or lean), or a shelf shaking.
trait TimedLoad {
    /// When it starts and ends, µs; it acts strictly between the two.
    fn span_us(&self) -> (i64, i64);
    /// Grams it adds at `t_us`, inside the span.
    fn grams_at(&self, t_us: i64) -> f64;
}

impl TimedLoad for HandShape {
    fn span_us(&self) -> (i64, i64) {
        (self.t_start_us, self.t_end_us)
    }

    fn grams_at(&self, t_us: i64) -> f64 {
        self.at(t_us)
    }
}

impl TimedLoad for Burst {
    fn span_us(&self) -> (i64, i64) {
        (self.t0_us, self.t1_us)
    }

    fn grams_at(&self, t_us: i64) -> f64 {
        self.at(t_us)
    }
}

/// The sum of the loads active at `t`, in the order given. Loads are sorted by start and
/// read at times that never go back: `cursor` moves past the ones that ended for good.
fn sum_active<L: TimedLoad>(loads: &[L], cursor: &mut usize, t: i64) -> f64 {
    while let Some(load) = loads.get(*cursor) {
        if load.span_us().1 > t {
            break;
        }
        *cursor += 1;
    }
    let mut g = 0.0;
    for load in &loads[*cursor..] {
        let (start, end) = load.span_us();
        if start >= t {
            break;
        }
        if end > t {
            g += load.grams_at(t);
        }
    }
    g
}

impl PlateStream {
    #[allow(clippy::too_many_arguments)]
    fn new(
        plate: &PlateInfo,
        initial_load_g: f64,
        actions: &[&ActionRecord],
        presses: &[&PressRecord],
        faults: (&[Burst], &[(i64, i64)], f64),
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
        for p in presses {
            hands.push(HandShape::draw_press(p, &mut rng));
        }
        hands.sort_by_key(|h| h.t_start_us);
        steps.sort_by_key(|s| s.t0_us);
        let (bursts, dropouts, extra_drift) = faults;

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
            bursts: bursts.to_vec(),
            burst_i: 0,
            dropouts: dropouts.to_vec(),
            dropout_i: 0,
            drift_slope_g_per_us: slope * 1e-6 + extra_drift,
            drift_swing_g: swing,
            swing_sin: swing_phase.sin(),
            swing_cos: swing_phase.cos(),
            rot_sin: rot.sin(),
            rot_cos: rot.cos(),
        };
        s.next_t = s.sample_time();
        s
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

    /// Every hand (and lean) on the plate at `t`, summed: two shoppers may touch one
    /// plate at once.
    fn hand_at(&mut self, t: i64) -> f64 {
        sum_active(&self.hands, &mut self.hand_i, t)
    }

    fn shake_at(&mut self, t: i64) -> f64 {
        sum_active(&self.bursts, &mut self.burst_i, t)
    }

    fn dropped(&mut self, t: i64) -> bool {
        while let Some(d) = self.dropouts.get(self.dropout_i) {
            if d.1 > t {
                return d.0 <= t;
            }
            self.dropout_i += 1;
        }
        false
    }

    /// Appends this plate's samples before `until_us` to the chunk.
    fn fill(&mut self, until_us: i64, chunk: &mut Chunk) {
        while self.next_t < until_us {
            let t = self.next_t;
            let drift = self.drift_slope_g_per_us * (t - self.start_us) as f64
                + self.drift_swing_g * self.swing_sin;
            let z: f64 = StandardNormal.sample(&mut self.rng);
            let g = self.tare_g
                + self.load_at(t)
                + self.hand_at(t)
                + self.shake_at(t)
                + drift
                + self.noise_std_g * z;
            if !self.dropped(t) {
                chunk.plate_id.push(self.plate_id);
                chunk.t_us.push(t);
                chunk.grams.push(g);
            }

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
    scratch: Vec<u64>,
}

/// Radix digits of the time offset within a slice (`SLICE_US` < 2^20 µs).
const DIGIT_BITS: u32 = 10;
const DIGITS: usize = 1 << DIGIT_BITS;

impl Chunk {
    fn clear(&mut self) {
        self.plate_id.clear();
        self.t_us.clear();
        self.grams.clear();
    }

    /// Moves the chunk to `out` in time order (ties in row order, which is plate
    /// order), by a stable two-pass radix sort of packed (time offset, row) keys: the
    /// offsets are below 2^20 µs, so two 10-bit passes replace a comparison sort, which
    /// was a third of the cost of rendering weights.
    fn drain_sorted(&mut self, chunk_start: i64, out: &mut WeightBatch) {
        self.keys.clear();
        self.keys.extend(
            self.t_us
                .iter()
                .enumerate()
                .map(|(i, &t)| (((t - chunk_start) as u64) << 32) | i as u64),
        );
        self.scratch.clear();
        self.scratch.resize(self.keys.len(), 0);
        for pass in 0..2 {
            let shift = 32 + pass * DIGIT_BITS;
            let digit = |k: u64| ((k >> shift) as usize) & (DIGITS - 1);
            let mut start = [0usize; DIGITS];
            for &k in &self.keys {
                start[digit(k)] += 1;
            }
            let mut sum = 0;
            for c in &mut start {
                let n = *c;
                *c = sum;
                sum += n;
            }
            for &k in &self.keys {
                let d = digit(k);
                self.scratch[start[d]] = k;
                start[d] += 1;
            }
            std::mem::swap(&mut self.keys, &mut self.scratch);
        }
        for &k in &self.keys {
            let i = (k & 0xFFFF_FFFF) as usize;
            out.push(self.plate_id[i], self.t_us[i], self.grams[i]);
        }
    }
}

/// Every plate's load cell, rendered window by window in time order.
pub(crate) struct WeightGen {
    streams: Vec<PlateStream>,
    slice: Chunk,
}

impl WeightGen {
    pub fn new(
        store: &Store,
        initial_load_g: &[f64],
        actions: &[ActionRecord],
        presses: &[PressRecord],
        faults: &FaultPlan,
        span: (i64, i64),
        seed: u64,
    ) -> Self {
        let mut per_plate: Vec<Vec<&ActionRecord>> = vec![Vec::new(); store.plates.len()];
        for a in actions {
            if let Some(p) = a.plate {
                per_plate[p].push(a);
            }
        }
        let mut presses_of: Vec<Vec<&PressRecord>> = vec![Vec::new(); store.plates.len()];
        for p in presses {
            presses_of[p.plate].push(p);
        }
        let streams = store
            .plates
            .iter()
            .enumerate()
            .map(|(i, plate)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(i as u64);
                PlateStream::new(
                    plate,
                    initial_load_g[i],
                    &per_plate[i],
                    &presses_of[i],
                    (
                        &faults.bursts[i],
                        &faults.dropouts[i],
                        faults.extra_drift_g_per_us[i],
                    ),
                    span,
                    rng,
                )
            })
            .collect();
        Self {
            streams,
            slice: Chunk::default(),
        }
    }

    /// About how many samples a window of `dur_us` holds, for reserving.
    pub fn expected_per_us(&self) -> f64 {
        self.streams.iter().map(|s| 1.0 / s.period_us).sum()
    }

    /// Appends every sample with `t0 <= t < t1` to `out`, sorted by time (ties in plate
    /// order). Windows must follow each other.
    pub fn fill(&mut self, t0: i64, t1: i64, out: &mut WeightBatch) {
        let mut a = t0;
        while a < t1 {
            let b = a.saturating_add(SLICE_US).min(t1);
            self.slice.clear();
            for s in &mut self.streams {
                s.fill(b, &mut self.slice);
            }
            self.slice.drain_sorted(a, out);
            a = b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_drain_in_time_order_with_ties_in_row_order() {
        let mut c = Chunk::default();
        let t0 = 5_000_000;
        for (i, &dt) in [999_999i64, 3, 70_000, 3, 0, 1_024, 1_023]
            .iter()
            .enumerate()
        {
            c.plate_id.push(i as u32);
            c.t_us.push(t0 + dt);
            c.grams.push(i as f64);
        }
        let mut out = WeightBatch::default();
        c.drain_sorted(t0, &mut out);
        let offsets: Vec<i64> = out.t_us.iter().map(|t| t - t0).collect();
        assert_eq!(offsets, [0, 3, 3, 1_023, 1_024, 70_000, 999_999]);
        assert_eq!(out.plate_id, [4, 1, 3, 6, 5, 2, 0]);
    }

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
