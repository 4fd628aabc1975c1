//! Every track's hand observations by plate: interactions ask, every tick while they
//! wait, for the hands at their plates over a window, and the tracks' own logs would
//! have each of a crowd's tracks searched for the few that were there.
//!
//! Derived from the tracks' logs (rebuilt after a snapshot restore), not state; it
//! holds what they hold: the same entries, pruned at the same horizon.

use std::collections::VecDeque;

use super::first_from_times;
use crate::store::PlateIdx;

#[derive(Debug, Clone, Default)]
pub struct HandIndex {
    /// Per plate index, the times of the hand observations there, in time order.
    by_plate: Vec<VecDeque<i64>>,
}

impl HandIndex {
    /// Observations arrive in time order (frames are processed so).
    pub fn push(&mut self, t_us: i64, plate: PlateIdx) {
        if self.by_plate.len() <= plate {
            self.by_plate.resize_with(plate + 1, VecDeque::new);
        }
        self.by_plate[plate].push_back(t_us);
    }

    /// From the tracks' logs, each in time order.
    pub fn rebuild<'a>(hands: impl Iterator<Item = &'a (i64, PlateIdx)>) -> Self {
        let mut all: Vec<(i64, PlateIdx)> = hands.copied().collect();
        all.sort_by_key(|h| h.0);
        let mut out = Self::default();
        for (t, p) in all {
            out.push(t, p);
        }
        out
    }

    pub fn prune(&mut self, before_us: i64) {
        for times in &mut self.by_plate {
            while times.front().is_some_and(|&t| t < before_us) {
                times.pop_front();
            }
        }
    }

    /// Times of the observations at any of `plates` within `[t0, t1]`, ascending.
    pub fn times_at(&self, plates: &[PlateIdx], t0: i64, t1: i64) -> Vec<i64> {
        let mut out = Vec::new();
        // A plate named twice counts once, as in the tracks' logs.
        for (i, &p) in plates.iter().enumerate() {
            if plates[..i].contains(&p) {
                continue;
            }
            let Some(times) = self.by_plate.get(p) else {
                continue;
            };
            let start = first_from_times(times, t0);
            out.extend(times.range(start..).take_while(|&&t| t <= t1));
        }
        out.sort_unstable();
        out
    }
}
