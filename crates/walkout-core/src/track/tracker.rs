//! The multi-camera shopper tracker: one Kalman track per shopper on the floor, fed by
//! every camera and thermal camera frame in time order.
//!
//! Per frame of one sensor, measurements are assigned to the predicted tracks by an
//! optimal gated assignment on Mahalanobis distance ([`super::assign`]); one camera sees
//! a person at most once, so frames of different cameras are separate assignment rounds
//! and a person seen by four cameras simply gets four updates. Tracks are born only near
//! an entry gate (a shopper cannot appear in the middle of the store), become confirmed
//! after a few hits, coast through occlusions on their prediction, and are dropped after
//! `max_coast` without a measurement.

use super::assign::assign;
use super::kalman::Kalman;
use super::measure::FloorMeasurement;
use crate::config::Vec2;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackerParams {
    pub confirm_hits: u32,
    /// A confirmed track without measurements for this long is dropped.
    pub max_coast_us: i64,
    /// A tentative track not confirmed within this long is dropped.
    pub tentative_timeout_us: i64,
    /// Births only within this distance of an entry gate.
    pub birth_radius_m: f64,
    /// Assignment gate on the squared Mahalanobis distance.
    pub gate_chi2: f64,
    /// Largest clock offset between sensors; widens measurement spreads accordingly.
    pub clock_skew_s: f64,
    pub accel_std: f64,
    /// First id handed out; keeps engine tracks apart from upstream tracker ids.
    pub first_id: u32,
}

impl Default for TrackerParams {
    fn default() -> Self {
        Self {
            confirm_hits: 3,
            max_coast_us: 5_000_000,
            tentative_timeout_us: 1_500_000,
            birth_radius_m: 2.5,
            gate_chi2: 13.8,
            clock_skew_s: 0.05,
            accel_std: 2.0,
            first_id: 1 << 31,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackState {
    Tentative,
    Confirmed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterTrack {
    pub id: u32,
    pub state: TrackState,
    pub kf: Kalman,
    /// Time of the filter state.
    pub t_us: i64,
    pub born_us: i64,
    pub last_hit_us: i64,
    pub hits: u32,
}

/// What one frame did: updated confirmed tracks with their new positions, and for each
/// measurement the track it went to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameResult {
    pub updated: Vec<(u32, Vec2)>,
    pub assignment: Vec<Option<u32>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tracker {
    params: TrackerParams,
    entries: Vec<Vec2>,
    tracks: Vec<FilterTrack>,
    next_id: u32,
}

impl Tracker {
    pub fn new(params: TrackerParams, entry_gates: Vec<Vec2>) -> Self {
        Self {
            params,
            entries: entry_gates,
            tracks: Vec::new(),
            next_id: params.first_id,
        }
    }

    pub fn tracks(&self) -> &[FilterTrack] {
        &self.tracks
    }

    fn expire(&mut self, t_us: i64) {
        let p = self.params;
        self.tracks.retain(|tr| match tr.state {
            TrackState::Confirmed => t_us - tr.last_hit_us <= p.max_coast_us,
            TrackState::Tentative => t_us - tr.born_us <= p.tentative_timeout_us,
        });
    }

    fn near_entry(&self, pos: Vec2) -> bool {
        self.entries
            .iter()
            .any(|e| (e[0] - pos[0]).hypot(e[1] - pos[1]) <= self.params.birth_radius_m)
    }

    /// Process all measurements of one sensor frame at `t_us`.
    pub fn process_frame(&mut self, t_us: i64, measurements: &[FloorMeasurement]) -> FrameResult {
        self.expire(t_us);
        let skew_std = 1.5 * self.params.clock_skew_s;
        let spread = |m: &FloorMeasurement| (m.std_m * m.std_m + skew_std * skew_std).sqrt();
        let predicted: Vec<Kalman> = self
            .tracks
            .iter()
            .map(|tr| tr.kf.predicted((t_us - tr.t_us).max(0) as f64 / 1e6))
            .collect();
        let cost: Vec<Vec<f64>> = measurements
            .iter()
            .map(|m| {
                predicted
                    .iter()
                    .map(|k| k.mahalanobis2(m.pos, spread(m)))
                    .collect()
            })
            .collect();
        let pairs = assign(&cost, self.tracks.len(), self.params.gate_chi2);

        let mut result = FrameResult {
            updated: Vec::new(),
            assignment: vec![None; measurements.len()],
        };
        for (mi, ti) in pairs.iter().enumerate() {
            let Some(ti) = *ti else { continue };
            let m = &measurements[mi];
            let tr = &mut self.tracks[ti];
            tr.kf = predicted[ti].clone();
            tr.kf.update(m.pos, spread(m));
            tr.t_us = tr.t_us.max(t_us);
            tr.last_hit_us = t_us;
            tr.hits += 1;
            if tr.state == TrackState::Tentative && tr.hits >= self.params.confirm_hits {
                tr.state = TrackState::Confirmed;
            }
            result.assignment[mi] = Some(tr.id);
            if tr.state == TrackState::Confirmed {
                result.updated.push((tr.id, tr.kf.position()));
            }
        }
        for (mi, m) in measurements.iter().enumerate() {
            if pairs[mi].is_none() && self.near_entry(m.pos) {
                let id = self.next_id;
                self.next_id = self.next_id.wrapping_add(1).max(self.params.first_id);
                self.tracks.push(FilterTrack {
                    id,
                    state: TrackState::Tentative,
                    kf: Kalman::new(m.pos, m.std_m.max(0.1), self.params.accel_std),
                    t_us,
                    born_us: t_us,
                    last_hit_us: t_us,
                    hits: 1,
                });
                result.assignment[mi] = Some(id);
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meas(t_us: i64, x: f64, y: f64) -> FloorMeasurement {
        FloorMeasurement {
            t_us,
            pos: [x, y],
            std_m: 0.1,
            wrists: Vec::new(),
        }
    }

    const DT: i64 = 66_667;

    #[test]
    fn two_shoppers_crossing_keep_their_identities() {
        // Entries at both ends; A walks +x along y = 1.0, B walks -x along y = 1.5; they
        // pass each other at x = 3, half a metre apart.
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 1.0], [6.5, 1.5]]);
        let (mut id_a, mut id_b) = (None, None);
        for i in 0..100 {
            let t = i * DT;
            let s = i as f64 / 15.0;
            let ms = [meas(t, 0.5 + 0.9 * s, 1.0), meas(t, 6.0 - 0.9 * s, 1.5)];
            let r = tr.process_frame(t, &ms);
            if i == 5 {
                (id_a, id_b) = (r.assignment[0], r.assignment[1]);
                assert!(id_a.is_some() && id_b.is_some() && id_a != id_b);
            }
            if i > 5 {
                assert_eq!(
                    (r.assignment[0], r.assignment[1]),
                    (id_a, id_b),
                    "frame {i}"
                );
            }
        }
    }

    #[test]
    fn no_births_away_from_the_entry() {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]]);
        for i in 0..30 {
            let r = tr.process_frame(i * DT, &[meas(i * DT, 5.0, 5.0)]);
            assert_eq!(r.assignment, vec![None]);
        }
        assert!(tr.tracks().is_empty());
    }

    #[test]
    fn occlusion_is_bridged_and_a_long_absence_ends_the_track() {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]]);
        let mut id = None;
        for i in 0..200 {
            let t = i * DT;
            let s = i as f64 / 15.0;
            // Unseen from 3 s to 6 s (behind a gondola), walking at 0.5 m/s.
            if (45..90).contains(&i) {
                tr.process_frame(t, &[]);
                continue;
            }
            if i >= 150 {
                break;
            }
            let r = tr.process_frame(t, &[meas(t, 0.3 + 0.5 * s, 0.3)]);
            if i == 20 {
                id = r.assignment[0];
            }
            if i > 20 {
                assert_eq!(r.assignment[0], id, "frame {i}");
            }
        }
        // 10 s later without measurements the track is gone.
        tr.process_frame(150 * DT + 10_000_000, &[]);
        assert!(tr.tracks().is_empty());
    }
}
