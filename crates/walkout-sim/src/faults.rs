//! Sensor faults and disturbances a scenario switches on, and the schedule of when and
//! where they strike in one session (drawn from a stream of their own).
//!
//! Every sensor is imperfect all the time (noise, misses, slow drift; see each
//! renderer); the faults here are the rarer, larger failures a deployment still has to
//! survive, so each scenario chooses which of them happen.

use rand::seq::index;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::shopper::secs;
use crate::store::Store;
use crate::truth::{Disturbance, DisturbanceKind};

/// Which faults and disturbances a session has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// Some plates drift tens of grams per minute.
    pub plate_drift: bool,
    /// Some plates stop sending for seconds.
    pub plate_dropout: bool,
    /// Carts bump gondolas: all plates of the gondola shake.
    pub vibration: bool,
    /// Some cameras send nothing for seconds.
    pub camera_blackout: bool,
    /// Thermal blobs of people up to a metre apart merge (a coarse sensor).
    pub thermal_merge: bool,
    /// RFID reads succeed about half as often.
    pub rfid_misses: bool,
    /// RFID antennas often read tags of neighbouring zones.
    pub rfid_cross_reads: bool,
}

impl Faults {
    pub const NONE: Faults = Faults {
        plate_drift: false,
        plate_dropout: false,
        vibration: false,
        camera_blackout: false,
        thermal_merge: false,
        rfid_misses: false,
        rfid_cross_reads: false,
    };
    pub const ALL: Faults = Faults {
        plate_drift: true,
        plate_dropout: true,
        vibration: true,
        camera_blackout: true,
        thermal_merge: true,
        rfid_misses: true,
        rfid_cross_reads: true,
    };

    /// Names of the faults switched on, for descriptions.
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.plate_drift, "plate drift"),
            (self.plate_dropout, "plate dropout"),
            (self.vibration, "gondola vibration"),
            (self.camera_blackout, "camera blackout"),
            (self.thermal_merge, "thermal blob merging"),
            (self.rfid_misses, "RFID misses"),
            (self.rfid_cross_reads, "RFID cross-reads"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// Share of plates with a fault (at least `MIN_FAULTY_PLATES`).
const FAULTY_PLATE_SHARE: f64 = 0.04;
const MIN_FAULTY_PLATES: usize = 3;
/// Strong drift, grams per second (either sign).
const STRONG_DRIFT_G_PER_S: (f64, f64) = (0.05, 0.2);
const DROPOUT_S: (f64, f64) = (2.0, 10.0);
const DROPOUTS_PER_PLATE: (usize, usize) = (1, 2);
/// Cart bumps per gondola per minute while shoppers are in the store.
const BUMPS_PER_GONDOLA_MIN: f64 = 0.4;
const BUMP_G: (f64, f64) = (30.0, 150.0);
const BUMP_HZ: (f64, f64) = (5.0, 12.0);
const BUMP_DECAY_S: (f64, f64) = (0.2, 0.6);
/// A bump rings out after this many decay times.
const BUMP_DECAYS: f64 = 5.0;
/// Plates of a bumped gondola shake by this fraction of the bump, each its own.
const BUMP_SHARE: (f64, f64) = (0.3, 1.2);
const BLACKOUT_S: (f64, f64) = (3.0, 15.0);
const BLACKOUT_CAMERA_SHARE: f64 = 0.3;
/// Thermal blobs closer than this merge into one (people standing close).
pub(crate) const MERGE_M: f64 = 0.5;
const MERGE_FAULT_M: f64 = 1.0;
/// RFID: read probability factor and cross-read probability.
const RFID_MISS_FACTOR: f64 = 0.5;
pub(crate) const CROSS_READ_P: f64 = 0.02;
const CROSS_READ_FAULT_P: f64 = 0.15;

/// One bump of a gondola as one plate feels it: a damped sine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Burst {
    pub t0_us: i64,
    pub t1_us: i64,
    pub amp_g: f64,
    pub rad_per_us: f64,
    pub phase: f64,
    pub decay_per_us: f64,
}

impl Burst {
    pub fn at(&self, t_us: i64) -> f64 {
        let dt = (t_us - self.t0_us) as f64;
        self.amp_g * (-dt * self.decay_per_us).exp() * (self.rad_per_us * dt + self.phase).sin()
    }
}

/// When and where the faults strike in one session.
pub(crate) struct FaultPlan {
    /// Extra drift per plate, grams per µs.
    pub extra_drift_g_per_us: Vec<f64>,
    /// Per plate, sorted, non-overlapping.
    pub dropouts: Vec<Vec<(i64, i64)>>,
    /// Per plate, sorted by start.
    pub bursts: Vec<Vec<Burst>>,
    /// Per camera (store order), sorted.
    pub blackouts: Vec<Vec<(i64, i64)>>,
    pub merge_m: f64,
    pub rfid_read_factor: f64,
    pub cross_read_p: f64,
    pub disturbances: Vec<Disturbance>,
}

impl FaultPlan {
    /// `session` is the whole span; `busy` the span with shoppers in the store, where
    /// faults matter.
    pub fn draw(
        faults: &Faults,
        store: &Store,
        session: (i64, i64),
        busy: (i64, i64),
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let n_plates = store.plates.len();
        let mut plan = Self {
            extra_drift_g_per_us: vec![0.0; n_plates],
            dropouts: vec![Vec::new(); n_plates],
            bursts: vec![Vec::new(); n_plates],
            blackouts: vec![Vec::new(); store.cameras.len()],
            merge_m: if faults.thermal_merge {
                MERGE_FAULT_M
            } else {
                MERGE_M
            },
            rfid_read_factor: if faults.rfid_misses {
                RFID_MISS_FACTOR
            } else {
                1.0
            },
            cross_read_p: if faults.rfid_cross_reads {
                CROSS_READ_FAULT_P
            } else {
                CROSS_READ_P
            },
            disturbances: Vec::new(),
        };
        let faulty = ((n_plates as f64 * FAULTY_PLATE_SHARE).ceil() as usize)
            .max(MIN_FAULTY_PLATES)
            .min(n_plates);
        let busy_len = (busy.1 - busy.0).max(1);
        if faults.plate_drift {
            for p in index::sample(rng, n_plates, faulty) {
                let g = rng.random_range(STRONG_DRIFT_G_PER_S.0..STRONG_DRIFT_G_PER_S.1);
                let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                plan.extra_drift_g_per_us[p] = sign * g * 1e-6;
                plan.push(DisturbanceKind::StrongDrift, store.plates[p].id, session);
            }
        }
        if faults.plate_dropout {
            for p in index::sample(rng, n_plates, faulty) {
                let n = rng.random_range(DROPOUTS_PER_PLATE.0..=DROPOUTS_PER_PLATE.1);
                let mut spans: Vec<(i64, i64)> = (0..n)
                    .map(|_| {
                        let t0 = busy.0 + rng.random_range(0..busy_len);
                        let t1 = t0 + secs(rng.random_range(DROPOUT_S.0..DROPOUT_S.1));
                        (t0, t1.min(session.1))
                    })
                    .collect();
                spans.sort_unstable();
                spans.dedup_by(|b, a| {
                    // Merge overlapping spans into the earlier one.
                    if b.0 <= a.1 {
                        a.1 = a.1.max(b.1);
                        true
                    } else {
                        false
                    }
                });
                for &s in &spans {
                    plan.push(DisturbanceKind::PlateDropout, store.plates[p].id, s);
                }
                plan.dropouts[p] = spans;
            }
        }
        if faults.vibration {
            let minutes = busy_len as f64 / 60e6;
            for g in &store.gondolas {
                let n = poisson(BUMPS_PER_GONDOLA_MIN * minutes, rng);
                for _ in 0..n {
                    let t0 = busy.0 + rng.random_range(0..busy_len);
                    let amp = rng.random_range(BUMP_G.0..BUMP_G.1);
                    let hz = rng.random_range(BUMP_HZ.0..BUMP_HZ.1);
                    let decay_s = rng.random_range(BUMP_DECAY_S.0..BUMP_DECAY_S.1);
                    let t1 = (t0 + secs(decay_s * BUMP_DECAYS)).min(session.1);
                    for (pi, plate) in store.plates.iter().enumerate() {
                        if plate.gondola != g.index {
                            continue;
                        }
                        plan.bursts[pi].push(Burst {
                            t0_us: t0,
                            t1_us: t1,
                            amp_g: amp * rng.random_range(BUMP_SHARE.0..BUMP_SHARE.1),
                            rad_per_us: std::f64::consts::TAU * hz * 1e-6,
                            phase: rng.random_range(0.0..std::f64::consts::TAU),
                            decay_per_us: 1.0 / (decay_s * 1e6),
                        });
                    }
                    plan.push(DisturbanceKind::Vibration, g.id, (t0, t1));
                }
            }
            for b in &mut plan.bursts {
                b.sort_by_key(|x| x.t0_us);
            }
        }
        if faults.camera_blackout && !store.cameras.is_empty() {
            let n = ((store.cameras.len() as f64 * BLACKOUT_CAMERA_SHARE).ceil() as usize).max(1);
            for c in index::sample(rng, store.cameras.len(), n) {
                let t0 = busy.0 + rng.random_range(0..busy_len);
                let t1 = t0 + secs(rng.random_range(BLACKOUT_S.0..BLACKOUT_S.1));
                let span = (t0, t1.min(session.1));
                plan.blackouts[c].push(span);
                plan.push(DisturbanceKind::CameraBlackout, store.cameras[c].id, span);
            }
        }
        plan
    }

    fn push(&mut self, kind: DisturbanceKind, sensor_id: u32, span: (i64, i64)) {
        self.disturbances.push(Disturbance {
            kind,
            sensor_id,
            shopper: None,
            t_start_us: span.0,
            t_end_us: span.1,
        });
    }
}

/// Knuth's method: fine for the small means used here.
fn poisson(mean: f64, rng: &mut ChaCha8Rng) -> usize {
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p: f64 = rng.random();
    while p > limit && k < 10_000 {
        k += 1;
        p *= rng.random::<f64>();
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn poisson_mean_is_right() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 4000;
        let total: usize = (0..n).map(|_| poisson(2.5, &mut rng)).sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 2.5).abs() < 0.1, "{mean}");
    }

    #[test]
    fn burst_rings_down() {
        let b = Burst {
            t0_us: 0,
            t1_us: 2_000_000,
            amp_g: 100.0,
            rad_per_us: std::f64::consts::TAU * 8.0 * 1e-6,
            phase: 1.0,
            decay_per_us: 1.0 / 0.3e6,
        };
        let early = (0..50_000)
            .step_by(1000)
            .map(|t| b.at(t).abs())
            .fold(0.0, f64::max);
        let late = (1_500_000..1_550_000)
            .step_by(1000)
            .map(|t| b.at(t).abs())
            .fold(0.0, f64::max);
        assert!(early > 50.0 && late < 1.0, "{early} {late}");
        assert_eq!(Faults::ALL.names().len(), 7);
        assert!(Faults::NONE.names().is_empty());
    }
}
