//! Shelf associations kept for the interactions that ask again. Every interaction is
//! associated when it is read, and again for each overlapping one read before it (a
//! busy shopper, [`super::concurrent`]), and held ones once more when they settle: the
//! same positions of the same tracks over the same window, each time.
//!
//! A kept answer is the one `associate` would give now, because what it reads has not
//! changed since:
//! - positions and hands up to the processed time are all in when the fusion queue
//!   runs (later ones are late and never used), so an answer whose window ended by then
//!   is final; one whose window reaches beyond is kept only for the rest of that pass;
//! - an exit closes a track: answers for interactions that start after the exit no
//!   longer count it, and are dropped;
//! - the track store forgets only what is older than its retention, far behind what
//!   this keeps.

use crate::assoc::{ShopperScore, WINDOW_MARGIN_US};
use crate::store::PlateIdx;
use rustc_hash::FxHashMap;

/// Answers for windows older than this (behind the processed time) are let go: no
/// interaction is read that long after it ended, and the track store keeps far more.
const KEEP_US: i64 = 30_000_000;

#[derive(Debug, Clone)]
struct Kept {
    plates: Vec<PlateIdx>,
    scores: Vec<ShopperScore>,
    /// The window ended by the processed time: valid beyond the pass.
    settled: bool,
}

#[derive(Debug, Clone, Default)]
pub(in crate::engine) struct AssocCache {
    /// By the interaction's (start, end).
    kept: FxHashMap<(i64, i64), Vec<Kept>>,
    /// The processed time of the current fusion-queue pass.
    until: i64,
}

impl AssocCache {
    /// A fusion-queue pass up to `until` begins: what was not final is dropped, and
    /// what is too old to be asked for again.
    pub(in crate::engine) fn begin_pass(&mut self, until: i64) {
        self.until = until;
        let oldest = until.saturating_sub(KEEP_US);
        self.kept.retain(|&(_, t_end), v| {
            v.retain(|k| k.settled);
            !v.is_empty() && t_end >= oldest
        });
    }

    /// A track left the store at `t_us`.
    pub(in crate::engine) fn exited(&mut self, t_us: i64) {
        self.kept.retain(|&(t_start, _), _| t_start <= t_us);
    }

    pub(in crate::engine) fn get(
        &self,
        plates: &[PlateIdx],
        t_start_us: i64,
        t_end_us: i64,
    ) -> Option<&[ShopperScore]> {
        self.kept
            .get(&(t_start_us, t_end_us))?
            .iter()
            .find(|k| k.plates == plates)
            .map(|k| k.scores.as_slice())
    }

    pub(in crate::engine) fn put(
        &mut self,
        plates: &[PlateIdx],
        t_start_us: i64,
        t_end_us: i64,
        scores: &[ShopperScore],
    ) {
        let settled = t_end_us.saturating_add(WINDOW_MARGIN_US) <= self.until;
        self.kept
            .entry((t_start_us, t_end_us))
            .or_default()
            .push(Kept {
                plates: plates.to_vec(),
                scores: scores.to_vec(),
                settled,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(track_id: u32) -> ShopperScore {
        ShopperScore {
            track_id,
            probability: 1.0,
            distance_m: 0.3,
            hands: 0,
        }
    }

    #[test]
    fn only_final_answers_outlive_their_pass_and_exits_drop_later_windows() {
        let mut c = AssocCache::default();
        c.begin_pass(10_000_000);
        // Ended (with the margin) by the processed time: final.
        c.put(&[1, 2], 8_000_000, 9_000_000, &[score(7)]);
        // Still open at the processed time.
        c.put(&[3], 9_000_000, 9_800_000, &[score(8)]);
        assert_eq!(c.get(&[1, 2], 8_000_000, 9_000_000), Some(&[score(7)][..]));
        assert_eq!(c.get(&[1], 8_000_000, 9_000_000), None);
        assert!(c.get(&[3], 9_000_000, 9_800_000).is_some());
        c.begin_pass(10_066_667);
        assert!(c.get(&[1, 2], 8_000_000, 9_000_000).is_some());
        assert_eq!(c.get(&[3], 9_000_000, 9_800_000), None);
        // A track left before the first window started: it no longer counts there.
        c.exited(7_999_999);
        assert_eq!(c.get(&[1, 2], 8_000_000, 9_000_000), None);
        c.put(&[1, 2], 8_000_000, 9_000_000, &[score(7)]);
        c.exited(8_000_000);
        assert!(c.get(&[1, 2], 8_000_000, 9_000_000).is_some());
        c.begin_pass(9_000_000 + KEEP_US + 1);
        assert_eq!(c.get(&[1, 2], 8_000_000, 9_000_000), None);
    }
}
