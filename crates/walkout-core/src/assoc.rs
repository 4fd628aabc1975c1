//! Which shopper caused a shelf interaction.
//!
//! Each open track near the plate during the interaction gets a likelihood: the mean,
//! over its positions in the interaction window, of a Gaussian in the distance to the
//! plate's front edge (zero beyond reach). Averaging over the window, rather than taking
//! the closest approach, keeps a passer-by from outscoring the shopper who stood there.
//! Each hand observation at one of the interaction's plates multiplies a track's
//! likelihood up: the shopper who reached in beats the one who merely stood close. Likelihoods are
//! normalised into probabilities; the caller decides what is confident.

use crate::config::Vec2;
use crate::store::{point_segment_distance, point_segment_within, PlateIdx, StoreModel};
use crate::track::{Track, TrackStore};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShopperScore {
    pub track_id: u32,
    pub probability: f64,
    /// Mean distance to the plate front over the window, metres.
    pub distance_m: f64,
    /// Camera observations of one of this shopper's hands at the plates in the window.
    pub hands: u32,
}

/// Positions this long before and after the interaction still count.
pub const WINDOW_MARGIN_US: i64 = 500_000;
/// Weight of each hand observation at the plate. Uncapped: when two shoppers both
/// reach near the plate, the one whose hand the cameras saw there more often is the one.
const HAND_WEIGHT: f64 = 1.0;

/// Which positions can be within reach of an interaction's plates: a cheap test that
/// answers as `point_segment_distance(..) <= reach` over the plates would.
struct Reachable<'a> {
    store: &'a StoreModel,
    plates: &'a [PlateIdx],
    reach_m: f64,
    /// The plates' front edges' bounding box grown by the reach (and a margin far above
    /// rounding): a point outside is further than the reach along one axis, so from
    /// every front edge (a distance is never below either leg).
    lo: Vec2,
    hi: Vec2,
}

/// Margin of [`Reachable`]'s box, metres.
const REACH_BOX_SLACK_M: f64 = 1e-6;

impl<'a> Reachable<'a> {
    fn new(store: &'a StoreModel, plates: &'a [PlateIdx], reach_m: f64) -> Self {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for &pi in plates {
            let pl = &store.plates[pi];
            for k in 0..2 {
                lo[k] = lo[k].min(pl.front_a[k]).min(pl.front_b[k]);
                hi[k] = hi[k].max(pl.front_a[k]).max(pl.front_b[k]);
            }
        }
        let grow = reach_m + REACH_BOX_SLACK_M;
        Self {
            store,
            plates,
            reach_m,
            lo: [lo[0] - grow, lo[1] - grow],
            hi: [hi[0] + grow, hi[1] + grow],
        }
    }

    /// Whether `p` is within reach of one of the plates (as the exact distances say).
    fn at(&self, p: Vec2) -> bool {
        // NaN coordinates fail the box test and go to the exact one.
        let outside =
            p[0] < self.lo[0] || p[0] > self.hi[0] || p[1] < self.lo[1] || p[1] > self.hi[1];
        !outside
            && self.plates.iter().any(|&pi| {
                let pl = &self.store.plates[pi];
                point_segment_within(p, pl.front_a, pl.front_b, self.reach_m)
            })
    }

    /// Whether any position of `track` within `[t0, t1]` is within reach.
    fn by(&self, track: &Track, t0: i64, t1: i64) -> bool {
        track.positions_between(t0, t1).any(|(_, p)| self.at(*p))
    }
}

pub fn associate(
    store: &StoreModel,
    tracks: &TrackStore,
    plates: &[PlateIdx],
    t_start_us: i64,
    t_end_us: i64,
    sigma_m: f64,
    reach_m: f64,
) -> Vec<ShopperScore> {
    let (t0, t1) = (t_start_us - WINDOW_MARGIN_US, t_end_us + WINDOW_MARGIN_US);
    let reachable = Reachable::new(store, plates, reach_m);
    let mut scores: Vec<(u32, f64, f64, u32)> = Vec::new();
    for track in tracks.iter() {
        if track.exited_us.is_some_and(|x| x < t_start_us) {
            continue;
        }
        // Most tracks of a crowded store are nowhere near the plates; they would score
        // nothing (their likelihood stays 0), so they are passed over before any
        // distance is measured.
        if !reachable.by(track, t0, t1) {
            continue;
        }
        let (mut lik, mut dist, mut n) = (0.0, 0.0, 0usize);
        for (_, p) in track.positions_between(t0, t1) {
            let d = plates
                .iter()
                .map(|&pi| {
                    let pl = &store.plates[pi];
                    point_segment_distance(*p, pl.front_a, pl.front_b)
                })
                .fold(f64::INFINITY, f64::min);
            if d <= reach_m {
                lik += (-0.5 * (d / sigma_m).powi(2)).exp();
            }
            dist += d;
            n += 1;
        }
        if n > 0 && lik > 0.0 {
            let hands = track.hands_at(plates, t0, t1);
            let l = lik / n as f64 * (1.0 + HAND_WEIGHT * hands as f64);
            scores.push((track.id, l, dist / n as f64, hands as u32));
        }
    }
    let total: f64 = scores.iter().map(|s| s.1).sum();
    let mut out: Vec<ShopperScore> = scores
        .into_iter()
        .map(|(track_id, l, d, hands)| ShopperScore {
            track_id,
            probability: l / total,
            distance_m: d,
            hands,
        })
        .collect();
    out.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.track_id.cmp(&b.track_id))
    });
    out
}

/// `shoppers` with each probability scaled by `factor` of the shopper, normalised again
/// (when any is left) and sorted most likely first, ties by track id: how every piece of
/// evidence after the association (a concurrent interaction, a product seen in hand)
/// moves it.
pub fn reweighted(
    mut shoppers: Vec<ShopperScore>,
    mut factor: impl FnMut(&ShopperScore) -> f64,
) -> Vec<ShopperScore> {
    let mut total = 0.0;
    for s in &mut shoppers {
        s.probability *= factor(s);
        total += s.probability;
    }
    if total > 0.0 {
        for s in &mut shoppers {
            s.probability /= total;
        }
    }
    shoppers.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.track_id.cmp(&b.track_id))
    });
    shoppers
}
