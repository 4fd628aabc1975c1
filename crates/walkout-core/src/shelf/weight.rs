//! Stable-state segmentation of one plate's weight stream.
//!
//! A plate alternates between *stable* states (only sensor noise and slow drift) and
//! *unstable* ones (a hand on the plate, items moving, vibration). An interaction is the
//! difference between the stable level before and the stable level after an unstable
//! period. Comparing stable levels, not raw samples, is what makes the detector robust:
//! a hand pressing on the plate, or oscillation while an item is lifted, changes nothing
//! once the plate settles again, and drift is followed while the plate is stable.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A completed change between two stable levels of one plate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightChange {
    pub plate: usize,
    /// Last time the plate was stable at the old level.
    pub t_start_us: i64,
    /// First time the plate was stable at the new level.
    pub t_end_us: i64,
    pub level_before_g: f64,
    pub level_after_g: f64,
    /// Standard error of the delta, grams.
    pub delta_std_g: f64,
}

impl WeightChange {
    pub fn delta_g(&self) -> f64 {
        self.level_after_g - self.level_before_g
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct DetectorParams {
    /// Samples in the stability window.
    pub window: usize,
    /// Extra consecutive stable samples required before a new level is accepted.
    pub settle: usize,
    pub noise_std_g: f64,
    pub min_delta_g: f64,
    pub max_gap_us: i64,
    /// Weight of a new stable window mean in the drift-following level (per sample).
    pub drift_alpha: f64,
}

impl DetectorParams {
    pub fn new(
        rate_hz: f64,
        noise_std_g: f64,
        min_item_delta_g: f64,
        stable_window_s: f64,
        max_gap_s: f64,
    ) -> Self {
        let window = ((stable_window_s * rate_hz).round() as usize).max(5);
        let settle = (window / 4).max(2);
        // A delta below four standard errors of the difference of two window means is
        // indistinguishable from noise, whatever the products are.
        let resolvable = 4.0 * noise_std_g * (2.0 / window as f64).sqrt();
        Self {
            window,
            settle,
            noise_std_g,
            min_delta_g: min_item_delta_g.max(resolvable),
            max_gap_us: (max_gap_s * 1e6) as i64,
            // Time constant of ~2 s: slow enough to ignore a hand, fast enough for drift.
            drift_alpha: 1.0 / (2.0 * rate_hz).max(1.0),
        }
    }

    /// Largest window standard deviation still counted as stable.
    fn max_stable_std(&self) -> f64 {
        // The sample std of n normal draws has relative spread ~1/sqrt(2(n-1)); 1.6 sigma
        // is four of those spreads above sigma for the default window.
        1.6 * self.noise_std_g + 0.5
    }

    /// Largest drift of the window mean from the level still counted as the same state.
    fn max_level_shift(&self) -> f64 {
        0.5 * self.min_delta_g
    }

    /// Upper bound of the time between a change ending and the detector reporting it.
    pub fn detection_delay_us(&self, rate_hz: f64) -> i64 {
        (((self.window + self.settle + 2) as f64 / rate_hz) * 1e6) as i64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Phase {
    /// No stable level known yet (start of stream).
    Init,
    Stable,
    /// Left the stable level at `since_us`; `steady` consecutive stable windows so far.
    Unstable {
        since_us: i64,
        steady: usize,
    },
}

/// Online detector for one plate. Feed samples in time order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlateDetector {
    plate: usize,
    params: DetectorParams,
    window: VecDeque<(i64, f64)>,
    /// Sums over the window of (value - offset): the offset keeps the variance
    /// computation free of cancellation on plates that weigh kilograms.
    offset: f64,
    sum: f64,
    sum_sq: f64,
    level: f64,
    last_stable_us: i64,
    last_t: Option<i64>,
    phase: Phase,
}

impl PlateDetector {
    pub fn new(plate: usize, params: DetectorParams) -> Self {
        Self {
            plate,
            params,
            window: VecDeque::with_capacity(params.window + 1),
            offset: 0.0,
            sum: 0.0,
            sum_sq: 0.0,
            level: 0.0,
            last_stable_us: 0,
            last_t: None,
            phase: Phase::Init,
        }
    }

    pub fn params(&self) -> &DetectorParams {
        &self.params
    }

    /// Current stable level in grams, if the plate has been stable since start.
    pub fn level(&self) -> Option<f64> {
        match self.phase {
            Phase::Init => None,
            _ => Some(self.level),
        }
    }

    pub fn is_stable(&self) -> bool {
        matches!(self.phase, Phase::Stable)
    }

    fn clear_window(&mut self) {
        self.window.clear();
        self.sum = 0.0;
        self.sum_sq = 0.0;
    }

    /// Feed one sample; returns a change when one completes with this sample.
    pub fn push(&mut self, t_us: i64, grams: f64) -> Option<WeightChange> {
        if let Some(last) = self.last_t {
            if t_us - last > self.params.max_gap_us {
                // A dropout: the window would straddle the gap, so start it again. The
                // level and phase survive: an item moved during the gap is still seen as
                // the difference between the level before and the level after.
                self.clear_window();
            }
        }
        self.last_t = Some(t_us);

        if self.window.is_empty() {
            self.offset = grams;
        }
        let v = grams - self.offset;
        self.window.push_back((t_us, grams));
        self.sum += v;
        self.sum_sq += v * v;
        if self.window.len() > self.params.window {
            if let Some((_, old)) = self.window.pop_front() {
                let o = old - self.offset;
                self.sum -= o;
                self.sum_sq -= o * o;
            }
        }
        if self.window.len() < self.params.window {
            return None;
        }

        let n = self.window.len() as f64;
        let mean_v = self.sum / n;
        let var = (self.sum_sq / n - mean_v * mean_v).max(0.0) * n / (n - 1.0);
        let mean = mean_v + self.offset;
        let quiet = var.sqrt() <= self.params.max_stable_std();
        let window_start = self.window.front().map_or(t_us, |w| w.0);

        match self.phase {
            Phase::Init => {
                if quiet {
                    self.level = mean;
                    self.last_stable_us = t_us;
                    self.phase = Phase::Stable;
                }
                None
            }
            Phase::Stable => {
                if quiet && (mean - self.level).abs() <= self.params.max_level_shift() {
                    self.level += self.params.drift_alpha * (mean - self.level);
                    self.last_stable_us = t_us;
                } else {
                    // The change began inside the current window: the last fully stable
                    // window ended just before its first sample.
                    let since = self.last_stable_us.min(window_start);
                    self.phase = Phase::Unstable {
                        since_us: since,
                        steady: 0,
                    };
                }
                None
            }
            Phase::Unstable { since_us, steady } => {
                if !quiet {
                    self.phase = Phase::Unstable {
                        since_us,
                        steady: 0,
                    };
                    return None;
                }
                if steady + 1 < self.params.settle {
                    self.phase = Phase::Unstable {
                        since_us,
                        steady: steady + 1,
                    };
                    return None;
                }
                let before = self.level;
                self.level = mean;
                self.last_stable_us = t_us;
                self.phase = Phase::Stable;
                let delta_std = self.params.noise_std_g * (2.0 / n).sqrt();
                if (mean - before).abs() < self.params.min_delta_g {
                    return None;
                }
                Some(WeightChange {
                    plate: self.plate,
                    t_start_us: since_us,
                    t_end_us: window_start,
                    level_before_g: before,
                    level_after_g: mean,
                    delta_std_g: delta_std,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    const RATE: f64 = 60.0;
    const DT: i64 = 16_667;

    fn detector(noise: f64, min_item: f64) -> PlateDetector {
        PlateDetector::new(0, DetectorParams::new(RATE, noise, min_item, 0.4, 0.5))
    }

    /// A stream of `seconds` with the true plate weight given by `truth(t_s)`, Gaussian
    /// noise and a linear drift of `drift_g_per_min`.
    fn run(
        det: &mut PlateDetector,
        seconds: f64,
        noise: f64,
        drift_g_per_min: f64,
        seed: u64,
        truth: impl Fn(f64) -> f64,
    ) -> Vec<WeightChange> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let normal = Normal::new(0.0, noise).unwrap();
        let n = (seconds * RATE) as i64;
        (0..n)
            .filter_map(|i| {
                let t = i as f64 / RATE;
                let g = 1500.0 + truth(t) + drift_g_per_min * t / 60.0 + normal.sample(&mut rng);
                det.push(i * DT, g)
            })
            .collect()
    }

    #[test]
    fn steady_noisy_drifting_plate_gives_no_event() {
        for seed in 0..5 {
            let mut det = detector(15.0, 60.0);
            let ev = run(&mut det, 300.0, 15.0, 20.0, seed, |_| 0.0);
            assert!(ev.is_empty(), "seed {seed}: false events {ev:?}");
        }
    }

    #[test]
    fn pick_is_detected_with_its_delta_under_noise_and_drift() {
        for seed in 0..10 {
            let mut det = detector(12.0, 100.0);
            // A 345 g can leaves at t = 10 s; a hand is on the plate from 9.5 s to 10.8 s,
            // pressing up to 250 g and shaking.
            let ev = run(&mut det, 20.0, 12.0, 6.0, seed, |t| {
                let item = if t < 10.0 { 345.0 } else { 0.0 };
                let hand = if (9.5..10.8).contains(&t) {
                    250.0 * ((t - 9.5) / 1.3 * std::f64::consts::PI).sin() + 40.0 * (t * 40.0).sin()
                } else {
                    0.0
                };
                item + hand
            });
            assert_eq!(ev.len(), 1, "seed {seed}: {ev:?}");
            let d = ev[0].delta_g();
            assert!((d + 345.0).abs() < 12.0, "seed {seed}: delta {d}");
            assert!(ev[0].t_start_us <= 9_500_000 && ev[0].t_end_us >= 10_800_000);
        }
    }

    #[test]
    fn hand_press_without_item_change_is_not_an_event() {
        let mut det = detector(5.0, 50.0);
        let ev = run(&mut det, 15.0, 5.0, 0.0, 7, |t| {
            if (5.0..6.0).contains(&t) {
                300.0 * ((t - 5.0) * std::f64::consts::PI).sin()
            } else {
                0.0
            }
        });
        assert!(ev.is_empty(), "{ev:?}");
    }

    #[test]
    fn put_back_is_a_positive_change_and_dropout_does_not_lose_it() {
        let mut det = detector(5.0, 50.0);
        let mut events = Vec::new();
        // Stable, then samples stop for 3 s (a dropout) during which an item is put back.
        for i in 0..600i64 {
            let t = i * DT;
            if (300..480).contains(&i) {
                continue;
            }
            let g = if i < 300 { 1000.0 } else { 1180.0 } + ((i * 7919) % 11) as f64 - 5.0;
            events.extend(det.push(t, g));
        }
        assert_eq!(events.len(), 1, "{events:?}");
        assert!((events[0].delta_g() - 180.0).abs() < 5.0);
    }
}
