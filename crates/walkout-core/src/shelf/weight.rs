//! Stable-state segmentation of one plate's weight stream.
//!
//! A plate alternates between *stable* states (only sensor noise and slow drift) and
//! *unstable* ones (a hand on the plate, items moving, vibration). An interaction is the
//! difference between the stable level before and the stable level after an unstable
//! period. Comparing stable levels, not raw samples, is what makes the detector robust:
//! a hand pressing on the plate, or oscillation while an item is lifted, changes nothing
//! once the plate settles again, and drift is followed while the plate is stable.

use serde::{Deserialize, Serialize, Serializer};

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

    /// The largest spread (see [`quiet_by_std`]) of a full window still counted as
    /// stable, -1 when none is. Each step of the exact test (scaling by n, dividing by
    /// n - 1 > 0, the square root) is correctly rounded, so never decreasing in the
    /// spread, and the spreads that pass are exactly those up to a bound: found once by
    /// bisection over the ordered non-negative doubles, it turns the division and the
    /// square root per sample into one comparison with the same outcome.
    fn quiet_bound(&self) -> f64 {
        let (n, max_std) = (self.window as f64, self.max_stable_std());
        let passes = |bits: u64| quiet_by_std(f64::from_bits(bits), n, max_std);
        let (mut lo, mut hi) = (0.0f64.to_bits(), f64::INFINITY.to_bits());
        if !passes(lo) {
            return -1.0;
        }
        if passes(hi) {
            return f64::INFINITY;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if passes(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        f64::from_bits(lo)
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

/// The stability test: whether the sample standard deviation of `n` samples whose
/// mean of squares less squared mean is `spread` (not negative) is at most `max_std`.
fn quiet_by_std(spread: f64, n: f64, max_std: f64) -> bool {
    (spread * n / (n - 1.0)).sqrt() <= max_std
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

/// The samples of one plate's stability window, oldest first, in a ring of fixed size
/// (no reallocation, no capacity bookkeeping on the per-sample path).
#[derive(Debug, Clone)]
struct Window {
    ring: Box<[(i64, f64)]>,
    /// Index of the oldest sample.
    head: usize,
    len: usize,
}

impl Window {
    /// Room for `cap` samples (at least one, so that the ring indices stay defined).
    fn with_capacity(cap: usize) -> Self {
        Self {
            ring: vec![(0, 0.0); cap.max(1)].into_boxed_slice(),
            head: 0,
            len: 0,
        }
    }

    fn from_samples(samples: Vec<(i64, f64)>, cap: usize) -> Self {
        let len = samples.len();
        let mut ring = samples;
        ring.resize(cap.max(len).max(1), (0, 0.0));
        Self {
            ring: ring.into_boxed_slice(),
            head: 0,
            len,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        (self.head, self.len) = (0, 0);
    }

    fn wrap(&self, i: usize) -> usize {
        if i >= self.ring.len() {
            i - self.ring.len()
        } else {
            i
        }
    }

    fn front(&self) -> Option<&(i64, f64)> {
        (self.len > 0).then(|| &self.ring[self.head])
    }

    /// Append `s`; when that makes more than `limit` samples, drop the oldest and
    /// return it (as a deque pushed at the back, then popped at the front, would).
    fn push_evict(&mut self, s: (i64, f64), limit: usize) -> Option<(i64, f64)> {
        if self.len == self.ring.len() {
            // Full (the ring is never smaller than `limit`): the newest takes the
            // oldest's slot.
            let old = std::mem::replace(&mut self.ring[self.head], s);
            self.head = self.wrap(self.head + 1);
            return Some(old);
        }
        let tail = self.wrap(self.head + self.len);
        self.ring[tail] = s;
        self.len += 1;
        if self.len <= limit {
            return None;
        }
        let old = self.ring[self.head];
        self.head = self.wrap(self.head + 1);
        self.len -= 1;
        Some(old)
    }

    fn iter(&self) -> impl Iterator<Item = &(i64, f64)> {
        let (a, b) = self.ring.split_at(self.head);
        b.iter().chain(a).take(self.len)
    }
}

/// Online detector for one plate. Feed samples in time order.
///
/// A snapshot holds it as the fields of [`DetectorState`] (the window as a list of
/// its samples, oldest first); what is derived from the parameters is not written.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "DetectorState")]
pub struct PlateDetector {
    plate: usize,
    params: DetectorParams,
    window: Window,
    /// Sums over the window of (value - offset): the offset keeps the variance
    /// computation free of cancellation on plates that weigh kilograms.
    offset: f64,
    sum: f64,
    sum_sq: f64,
    level: f64,
    last_stable_us: i64,
    last_t: Option<i64>,
    phase: Phase,
    /// [`DetectorParams::quiet_bound`] (derived).
    quiet_bound: f64,
}

/// What a snapshot holds of a [`PlateDetector`].
#[derive(Serialize, Deserialize)]
#[serde(rename = "PlateDetector")]
struct DetectorState {
    plate: usize,
    params: DetectorParams,
    window: Vec<(i64, f64)>,
    offset: f64,
    sum: f64,
    sum_sq: f64,
    level: f64,
    last_stable_us: i64,
    last_t: Option<i64>,
    phase: Phase,
}

impl From<DetectorState> for PlateDetector {
    fn from(s: DetectorState) -> Self {
        Self {
            plate: s.plate,
            params: s.params,
            window: Window::from_samples(s.window, s.params.window),
            offset: s.offset,
            sum: s.sum,
            sum_sq: s.sum_sq,
            level: s.level,
            last_stable_us: s.last_stable_us,
            last_t: s.last_t,
            phase: s.phase,
            quiet_bound: s.params.quiet_bound(),
        }
    }
}

impl Serialize for PlateDetector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A snapshot is rare next to the samples: the window is copied out for it.
        DetectorState {
            plate: self.plate,
            params: self.params,
            window: self.window.iter().copied().collect(),
            offset: self.offset,
            sum: self.sum,
            sum_sq: self.sum_sq,
            level: self.level,
            last_stable_us: self.last_stable_us,
            last_t: self.last_t,
            phase: self.phase,
        }
        .serialize(serializer)
    }
}

impl PlateDetector {
    pub fn new(plate: usize, params: DetectorParams) -> Self {
        Self {
            plate,
            params,
            window: Window::with_capacity(params.window),
            offset: 0.0,
            sum: 0.0,
            sum_sq: 0.0,
            level: 0.0,
            last_stable_us: 0,
            last_t: None,
            phase: Phase::Init,
            quiet_bound: params.quiet_bound(),
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

    /// Whether a window of `n` samples whose mean of squares less squared mean (both
    /// of values less the offset) is `spread` counts as stable: its sample standard
    /// deviation is at most [`DetectorParams::max_stable_std`].
    fn is_quiet(&self, spread: f64, n: f64) -> bool {
        let spread = spread.max(0.0);
        if n == self.params.window as f64 && self.params.window >= 2 {
            // Decided by the bound, which the exact test below passes exactly up to.
            return spread <= self.quiet_bound;
        }
        quiet_by_std(spread, n, self.params.max_stable_std())
    }

    /// Feed one sample; returns a change when one completes with this sample.
    pub fn push(&mut self, t_us: i64, grams: f64) -> Option<WeightChange> {
        if !self.slide(t_us, grams) {
            return None;
        }
        let n = self.window.len as f64;
        let mean_v = self.sum / n;
        let quiet = self.is_quiet(self.sum_sq / n - mean_v * mean_v, n);
        let mean = mean_v + self.offset;
        let window_start = self.window.front().map_or(t_us, |w| w.0);
        self.advance_phase(t_us, quiet, mean, n, window_start)
    }

    /// Take the sample into the window (and its running sums); whether the window is
    /// full, so that its statistics mean something.
    #[inline]
    fn slide(&mut self, t_us: i64, grams: f64) -> bool {
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
        let evicted = self.window.push_evict((t_us, grams), self.params.window);
        self.sum += v;
        self.sum_sq += v * v;
        if let Some((_, old)) = evicted {
            let o = old - self.offset;
            self.sum -= o;
            self.sum_sq -= o * o;
        }
        self.window.len >= self.params.window
    }

    /// The stable-state machine after a full window at `t_us` whose `n` samples average
    /// `mean` and are `quiet` or not (the window began at `window_start`); returns the
    /// change that completes now, if any.
    #[inline]
    fn advance_phase(
        &mut self,
        t_us: i64,
        quiet: bool,
        mean: f64,
        n: f64,
        window_start: i64,
    ) -> Option<WeightChange> {
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
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};
    use std::collections::VecDeque;

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
    fn quiet_bound_decides_as_the_square_root_does() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let noises = [
            0.0,
            1e-300,
            0.3,
            2.0,
            5.0,
            12.0,
            15.0,
            1e5,
            1e300,
            -0.4,
            f64::NAN,
        ];
        let ulps = |x: f64, k: i64| f64::from_bits((x.to_bits() as i64 + k).max(0) as u64);
        for &noise in &noises {
            for window in [2, 5, 7, 24, 25, 60, 1000] {
                let params = DetectorParams {
                    window,
                    ..DetectorParams::new(RATE, 1.0, 10.0, 0.4, 0.5)
                };
                let params = DetectorParams {
                    noise_std_g: noise,
                    ..params
                };
                let (bound, n, m) = (params.quiet_bound(), window as f64, params.max_stable_std());
                let near = (m * m).abs().min(f64::MAX);
                let mut spreads = vec![0.0, -0.0, f64::INFINITY, f64::MAX, f64::MIN_POSITIVE];
                for k in -40..40 {
                    spreads.extend([ulps(bound.max(0.0), k), ulps(near, k)]);
                }
                spreads.extend((0..200).map(|_| near * rng.random_range(0.0..2.0)));
                for x in spreads {
                    assert_eq!(
                        x <= bound,
                        quiet_by_std(x, n, m),
                        "noise {noise} window {window} spread {x:e} bound {bound:e}"
                    );
                }
            }
        }
    }

    /// The detector as it was with a deque and the square root, for comparison.
    #[derive(Serialize)]
    #[serde(rename = "PlateDetector")]
    struct Reference {
        plate: usize,
        params: DetectorParams,
        window: VecDeque<(i64, f64)>,
        offset: f64,
        sum: f64,
        sum_sq: f64,
        level: f64,
        last_stable_us: i64,
        last_t: Option<i64>,
        phase: Phase,
    }

    impl Reference {
        fn push(&mut self, t_us: i64, grams: f64) -> Option<WeightChange> {
            if self
                .last_t
                .is_some_and(|last| t_us - last > self.params.max_gap_us)
            {
                self.window.clear();
                (self.sum, self.sum_sq) = (0.0, 0.0);
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
                        (self.level, self.last_stable_us) = (mean, t_us);
                        self.phase = Phase::Stable;
                    }
                    None
                }
                Phase::Stable => {
                    if quiet && (mean - self.level).abs() <= self.params.max_level_shift() {
                        self.level += self.params.drift_alpha * (mean - self.level);
                        self.last_stable_us = t_us;
                    } else {
                        let since_us = self.last_stable_us.min(window_start);
                        self.phase = Phase::Unstable {
                            since_us,
                            steady: 0,
                        };
                    }
                    None
                }
                Phase::Unstable { since_us, steady } => {
                    let steady = if quiet { steady + 1 } else { 0 };
                    if !quiet || steady < self.params.settle {
                        self.phase = Phase::Unstable { since_us, steady };
                        return None;
                    }
                    let before = self.level;
                    (self.level, self.last_stable_us) = (mean, t_us);
                    self.phase = Phase::Stable;
                    if (mean - before).abs() < self.params.min_delta_g {
                        return None;
                    }
                    Some(WeightChange {
                        plate: self.plate,
                        t_start_us: since_us,
                        t_end_us: window_start,
                        level_before_g: before,
                        level_after_g: mean,
                        delta_std_g: self.params.noise_std_g * (2.0 / n).sqrt(),
                    })
                }
            }
        }
    }

    #[test]
    fn detects_and_snapshots_as_the_deque_and_square_root_did() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut changes = 0;
        for case in 0..200 {
            let noise = [0.5, 2.0, 5.0][case % 3];
            let params = DetectorParams::new(RATE, noise, 20.0, 0.4, 0.5);
            let mut det = PlateDetector::new(4, params);
            let mut reference = Reference {
                plate: 4,
                params,
                window: VecDeque::new(),
                offset: 0.0,
                sum: 0.0,
                sum_sq: 0.0,
                level: 0.0,
                last_stable_us: 0,
                last_t: None,
                phase: Phase::Init,
            };
            // Steps between levels, noise near the stability threshold, dropouts.
            let (mut t, mut level) = (0i64, 1000.0);
            let spread = noise * rng.random_range(1.0..2.2);
            for i in 0..3000 {
                t += if rng.random_bool(0.003) { 900_000 } else { DT };
                if rng.random_bool(0.01) {
                    level += rng.random_range(-200.0..200.0);
                }
                let g = level + spread * rng.random_range(-1.7..1.7);
                let change = det.push(t, g);
                assert_eq!(change, reference.push(t, g), "case {case} sample {i}");
                changes += usize::from(change.is_some());
                if rng.random_bool(0.002) {
                    let json = serde_json::to_string(&det).unwrap();
                    assert_eq!(json, serde_json::to_string(&reference).unwrap());
                    det = serde_json::from_str(&json).unwrap();
                }
            }
            assert_eq!(
                serde_json::to_string(&det).unwrap(),
                serde_json::to_string(&reference).unwrap()
            );
        }
        assert!(changes > 1000, "{changes} changes");
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
