//! Shopper tracks on the floor plane.
//!
//! Positions come from an upstream tracker with its own pseudonymous `track_id`, or
//! from the engine's own tracker (`tracker.rs`) fed camera and thermal detections; the
//! engine keeps a bounded history per track, binds an account token only on an explicit
//! gate check-in, and closes the track at the exit gate. A track lives for one visit:
//! nothing about it is kept after its receipt is issued.

use serde::{Deserialize, Serialize};
pub mod assign;
pub mod cues;
pub mod embedding;
mod hand_index;
pub mod hands;
pub mod hungarian;
pub mod kalman;
pub mod measure;
mod summary;
pub mod tracker;

use std::collections::{BTreeMap, VecDeque};

use crate::config::Vec2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    pub id: u32,
    /// Account token from an explicit gate check-in; `None` for anonymous shoppers.
    pub token: Option<String>,
    pub first_us: i64,
    pub last_us: i64,
    pub last_position: Vec2,
    pub entered_us: Option<i64>,
    pub exited_us: Option<i64>,
    /// Recent positions, oldest first; older ones are pruned.
    pub history: VecDeque<(i64, Vec2)>,
    /// Recent hand observations at plates (time, plate index), oldest first.
    pub hands: VecDeque<(i64, crate::store::PlateIdx)>,
    /// Products seen in this shopper's hands (time, sku), oldest first.
    pub sightings: VecDeque<(i64, crate::store::SkuIdx)>,
}

/// The index of the first entry of `log` (in time order) at or after `t0`, as
/// `partition_point` finds it. Searched from the newest end, doubling the step: the
/// windows asked for are the last seconds of a log that keeps two minutes, so this
/// touches a few entries near the end instead of a binary search's spread over all.
fn first_from<T>(log: &VecDeque<(i64, T)>, t0: i64) -> usize {
    first_from_by(log.len(), |i| log[i].0, t0)
}

/// [`first_from`] over a log of bare times.
fn first_from_times(log: &VecDeque<i64>, t0: i64) -> usize {
    first_from_by(log.len(), |i| log[i], t0)
}

/// [`first_from`] over `len` entries whose times `time(i)` are in order.
fn first_from_by(len: usize, time: impl Fn(usize) -> i64, t0: i64) -> usize {
    let mut hi = len;
    let mut step = 1;
    while hi > 0 {
        let probe = hi.saturating_sub(step);
        if time(probe) < t0 {
            // The answer lies in (probe, hi].
            let mut lo = probe + 1;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if time(mid) < t0 {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
        hi = probe;
        step *= 2;
    }
    0
}

impl Track {
    /// Positions with `t0 <= t <= t1`.
    pub fn positions_between(&self, t0: i64, t1: i64) -> impl Iterator<Item = &(i64, Vec2)> {
        let start = first_from(&self.history, t0);
        self.history.range(start..).take_while(move |p| p.0 <= t1)
    }

    /// How far this track was from being at `point` at time `t_us`, over its positions
    /// within `[t0, t1]`: the smallest `hypot(distance, speed * |dt|)`, in metres. A gate
    /// passage belongs to the shopper at the gate *when* it happened, not to whoever
    /// came closest at some other moment of the window.
    /// Whether any position within `[t0, t1]` lies within `r` of `point`: a cheap
    /// test (mostly no square root) that rules most tracks out of a gate passage before
    /// [`Self::space_time_distance`] measures every position.
    pub fn came_within(&self, point: Vec2, (t0, t1): (i64, i64), r: f64) -> bool {
        self.positions_between(t0, t1)
            .any(|&(_, p)| crate::store::within(p[0] - point[0], p[1] - point[1], r))
    }

    /// Whether any position before `t_us` lies farther than `r` from `point`.
    pub fn went_beyond(&self, point: Vec2, t_us: i64, r: f64) -> bool {
        self.history
            .iter()
            .take_while(|p| p.0 < t_us)
            .any(|&(_, p)| !crate::store::within(p[0] - point[0], p[1] - point[1], r))
    }

    pub fn space_time_distance(
        &self,
        point: Vec2,
        t_us: i64,
        (t0, t1): (i64, i64),
        speed_m_s: f64,
    ) -> Option<(f64, f64)> {
        self.positions_between(t0, t1)
            .map(|&(t, p)| {
                let d = (p[0] - point[0]).hypot(p[1] - point[1]);
                let late_m = speed_m_s * (t - t_us).abs() as f64 * 1e-6;
                (d.hypot(late_m), d)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// Hand observations at any of `plates` within `[t0, t1]`.
    pub fn hands_at(&self, plates: &[crate::store::PlateIdx], t0: i64, t1: i64) -> usize {
        let start = first_from(&self.hands, t0);
        self.hands
            .range(start..)
            .take_while(|h| h.0 <= t1)
            .filter(|h| plates.contains(&h.1))
            .count()
    }

    /// Sightings of `sku` in this shopper's hands within `[t0, t1]`.
    pub fn sightings_of(&self, sku: crate::store::SkuIdx, t0: i64, t1: i64) -> usize {
        let start = first_from(&self.sightings, t0);
        self.sightings
            .range(start..)
            .take_while(|h| h.0 <= t1)
            .filter(|h| h.1 == sku)
            .count()
    }

    /// Products seen in this shopper's hands within `[t0, t1]`, counted.
    pub fn sightings_between(&self, t0: i64, t1: i64) -> Sightings {
        let start = first_from(&self.sightings, t0);
        let mut out = Sightings::default();
        for &(_, sku) in self.sightings.range(start..).take_while(|h| h.0 <= t1) {
            *out.by_sku.entry(sku).or_insert(0) += 1;
            out.total += 1;
        }
        out
    }

    /// The position logged closest to `t_us` (within a second).
    pub fn position_near(&self, t_us: i64) -> Option<Vec2> {
        self.positions_between(t_us - 1_000_000, t_us + 1_000_000)
            .min_by_key(|(t, _)| (t - t_us).abs())
            .map(|(_, p)| *p)
    }

    pub fn is_open(&self) -> bool {
        self.exited_us.is_none()
    }

    /// Walking speed over the `span_us` before `t_us`: from the first position logged
    /// in that span to the last at or before `t_us`, in m/s. `None` without two
    /// positions apart in time there.
    pub fn speed_before(&self, t_us: i64, span_us: i64) -> Option<f64> {
        let first = self
            .history
            .get(first_from(&self.history, t_us - span_us))?;
        let last = self
            .history
            .get(first_from(&self.history, t_us.saturating_add(1)).checked_sub(1)?)?;
        let dt = (last.0 - first.0) as f64 * 1e-6;
        (dt > 0.0).then(|| (last.1[0] - first.1[0]).hypot(last.1[1] - first.1[1]) / dt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_times_by_plate_are_the_tracks_own() {
        let mut store = TrackStore::default();
        for t in 0..200i64 {
            for id in 1..4u32 {
                store.push(t * 1000, id, [0.0, 0.0]);
                if (t + id as i64) % 3 != 0 {
                    store.push_hand(t * 1000, id, ((t as usize) * id as usize) % 7);
                }
            }
        }
        store.prune(40_000);
        let naive = |s: &TrackStore, plates: &[usize], t0: i64, t1: i64| {
            let mut out: Vec<i64> = s
                .iter()
                .flat_map(|t| t.hands.iter())
                .filter(|h| (t0..=t1).contains(&h.0) && plates.contains(&h.1))
                .map(|h| h.0)
                .collect();
            out.sort_unstable();
            out
        };
        let mut restored = store.clone();
        restored.hand_index = Default::default();
        restored.reindex();
        for plates in [&[0usize][..], &[3, 5], &[5, 3, 5], &[9]] {
            for (t0, t1) in [(0, 300_000), (41_000, 60_500), (150_000, 150_000)] {
                let want = naive(&store, plates, t0, t1);
                assert_eq!(store.hand_times_at(plates, t0, t1), want);
                assert_eq!(restored.hand_times_at(plates, t0, t1), want);
            }
        }
    }

    #[test]
    fn first_from_finds_what_partition_point_finds() {
        for n in 0..40usize {
            // Times in order with repeats.
            let log: VecDeque<(i64, ())> = (0..n).map(|i| ((i / 3) as i64 * 10, ())).collect();
            for t0 in -5..(n as i64 * 4 + 10) {
                assert_eq!(
                    first_from(&log, t0),
                    log.partition_point(|e| e.0 < t0),
                    "{n} {t0}"
                );
            }
        }
    }

    #[test]
    fn speed_before_spans_the_positions_up_to_the_time_asked() {
        let mut store = TrackStore::default();
        // 1 m/s along x for a second, then standing still for a second.
        for i in 0..=10 {
            store.push(i * 100_000, 7, [i as f64 * 0.1, 0.0]);
        }
        for i in 11..=20 {
            store.push(i * 100_000, 7, [1.0, 0.0]);
        }
        let t = store.get(7).expect("track 7");
        let walking = t.speed_before(1_000_000, 500_000).expect("positions");
        assert!((walking - 1.0).abs() < 1e-9, "{walking}");
        let stopped = t.speed_before(2_000_000, 500_000).expect("positions");
        assert!(stopped.abs() < 1e-9, "{stopped}");
        // Positions after the time asked do not count.
        let early = t.speed_before(1_050_000, 500_000).expect("positions");
        assert!((early - 1.0).abs() < 1e-9, "{early}");
        assert_eq!(t.speed_before(-1, 500_000), None);
        assert_eq!(t.speed_before(0, 500_000), None, "one position");
    }
}

/// Counts of products seen in a shopper's hands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sightings {
    pub by_sku: BTreeMap<crate::store::SkuIdx, usize>,
    pub total: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrackStore {
    tracks: BTreeMap<u32, Track>,
    /// The tracks' hand observations by plate; rebuilt by [`TrackStore::reindex`].
    #[serde(skip)]
    hand_index: hand_index::HandIndex,
}

impl TrackStore {
    /// Append a position; callers feed each track in time order.
    pub fn push(&mut self, t_us: i64, id: u32, pos: Vec2) {
        let track = self.tracks.entry(id).or_insert_with(|| Track {
            id,
            token: None,
            first_us: t_us,
            last_us: t_us,
            last_position: pos,
            entered_us: None,
            exited_us: None,
            history: VecDeque::new(),
            hands: VecDeque::new(),
            sightings: VecDeque::new(),
        });
        track.last_us = t_us;
        track.last_position = pos;
        track.history.push_back((t_us, pos));
    }

    /// Record that a hand of track `id` was at `plate` at `t_us`.
    pub fn push_hand(&mut self, t_us: i64, id: u32, plate: crate::store::PlateIdx) {
        if let Some(t) = self.tracks.get_mut(&id) {
            t.hands.push_back((t_us, plate));
            self.hand_index.push(t_us, plate);
        }
    }

    /// Record that track `id` was seen holding `sku` at `t_us`.
    pub fn push_sighting(&mut self, t_us: i64, id: u32, sku: crate::store::SkuIdx) {
        if let Some(t) = self.tracks.get_mut(&id) {
            t.sightings.push_back((t_us, sku));
        }
    }

    /// Times of every track's hand observations at any of `plates` within `[t0, t1]`,
    /// in time order.
    pub fn hand_times_at(&self, plates: &[crate::store::PlateIdx], t0: i64, t1: i64) -> Vec<i64> {
        self.hand_index.times_at(plates, t0, t1)
    }

    /// Rebuild what is derived from the tracks (after they were restored).
    pub fn reindex(&mut self) {
        self.hand_index =
            hand_index::HandIndex::rebuild(self.tracks.values().flat_map(|t| t.hands.iter()));
    }

    pub fn get(&self, id: u32) -> Option<&Track> {
        self.tracks.get(&id)
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut Track> {
        self.tracks.get_mut(&id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Track> {
        self.tracks.values()
    }

    /// Tracks with the id each is stored under, for checking a restored snapshot.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, &Track)> {
        self.tracks.iter().map(|(&id, t)| (id, t))
    }

    /// Forget positions older than `before_us`, and closed tracks last seen before it.
    pub fn prune(&mut self, before_us: i64) {
        self.hand_index.prune(before_us);
        self.tracks
            .retain(|_, t| t.is_open() || t.last_us >= before_us);
        for t in self.tracks.values_mut() {
            while t.history.front().is_some_and(|p| p.0 < before_us) {
                t.history.pop_front();
            }
            while t.hands.front().is_some_and(|h| h.0 < before_us) {
                t.hands.pop_front();
            }
            while t.sightings.front().is_some_and(|h| h.0 < before_us) {
                t.sightings.pop_front();
            }
        }
    }
}
