//! Interactions that stay open until later evidence explains them.
//!
//! A hand resting on a plate, or a shopper leaning on the shelf, holds the weight at a
//! steady false level for seconds; the plate's detector rightly reports that level as a
//! change, and the true change only when the hand lets go. Alone, each half is a delta
//! no expected product explains. So an interaction that only a product from elsewhere
//! (or nothing) explains is not applied at once: it waits up to [`HOLD_GAP_US`] for the
//! next interaction on the same plates. If their sum is explained, the two were one
//! interaction; if the sum is nothing, it was a touch; otherwise each is applied as it
//! is, the unexplained one with its low confidence up for review.

use super::super::events::InteractionKind;
use super::super::Engine;
use super::{Interaction, Item, Queued};

/// The next interaction on the same plates must start within this long after an open
/// one ended (holds and leans last seconds).
pub(in crate::engine) const HOLD_GAP_US: i64 = 8_000_000;
/// An open interaction is settled this long after it ended, when nothing joined it: the
/// gap plus the longest interaction that may still start within it.
pub(in crate::engine) const HOLD_WAIT_US: i64 = HOLD_GAP_US + 3_000_000;
/// A reading whose expected products carry less belief than this stays open.
const EXPECTED_MIN: f64 = 0.5;

impl Interaction {
    /// One interaction made of two on overlapping plates.
    fn joined(&self, later: &Interaction) -> Interaction {
        let mut plates = self.plates.clone();
        plates.extend(&later.plates);
        plates.sort_unstable();
        plates.dedup();
        Interaction {
            plates,
            t_start_us: self.t_start_us.min(later.t_start_us),
            t_end_us: self.t_end_us.max(later.t_end_us),
            delta_g: self.delta_g + later.delta_g,
            delta_std_g: self.delta_std_g.hypot(later.delta_std_g),
        }
    }

    fn continues(&self, later: &Interaction) -> bool {
        later.t_start_us - self.t_end_us <= HOLD_GAP_US
            && later.plates.iter().any(|p| self.plates.contains(p))
    }
}

impl Engine {
    /// An interaction leaves the fusion queue: join it to an open one it continues,
    /// apply it, or keep it open.
    pub(super) fn on_interaction(&mut self, it: Interaction) {
        let Some(i) = self.holds.iter().position(|h| h.continues(&it)) else {
            let r = self.read(&it);
            if r.expected >= EXPECTED_MIN {
                self.apply(&it, r);
            } else {
                self.hold(it);
            }
            return;
        };
        let held = self.holds.remove(i);
        let joined = held.joined(&it);
        if joined.delta_g.abs() < self.touch_tolerance_g(&joined) {
            let mut r = self.read(&joined);
            r.kind = InteractionKind::Touch;
            r.hypotheses.clear();
            self.apply(&joined, r);
            return;
        }
        let r = self.read(&joined);
        if r.expected >= EXPECTED_MIN {
            self.apply(&joined, r);
            return;
        }
        let r_new = self.read(&it);
        if r_new.expected >= EXPECTED_MIN {
            let r_held = self.read(&held);
            self.apply(&held, r_held);
            self.apply(&it, r_new);
        } else {
            // Neither the new half nor the sum is explained yet: the hold goes on.
            self.hold(joined);
        }
    }

    /// A weight that came back this close to where it was means nothing moved.
    fn touch_tolerance_g(&self, it: &Interaction) -> f64 {
        let lightest = it
            .plates
            .iter()
            .map(|&p| self.store.plates[p].min_delta_g)
            .fold(0.0, f64::max);
        lightest.max(3.0 * it.delta_std_g)
    }

    fn hold(&mut self, it: Interaction) {
        self.queue.push(Queued {
            key: it.t_end_us + HOLD_WAIT_US,
            rank: 1,
            tiebreak: it.plates[0] as u64,
            item: Item::HoldExpiry {
                t_end_us: it.t_end_us,
                plate: it.plates[0],
            },
        });
        self.holds.push(it);
    }

    /// Nothing joined an open interaction in time: apply it as it is.
    pub(super) fn expire_hold(&mut self, t_end_us: i64, plate: usize) {
        if let Some(i) = self
            .holds
            .iter()
            .position(|h| h.t_end_us == t_end_us && h.plates[0] == plate)
        {
            let it = self.holds.remove(i);
            let r = self.read(&it);
            self.apply(&it, r);
        }
    }

    /// Before a shopper's receipt is issued, the open interactions they most likely
    /// did are applied as they are.
    pub(super) fn settle_holds_of(&mut self, track_id: u32) {
        let mut i = 0;
        while i < self.holds.len() {
            let it = self.holds[i].clone();
            let r = self.read(&it);
            if r.shoppers.first().is_some_and(|s| s.track_id == track_id) {
                let it = self.holds.remove(i);
                self.apply(&it, r);
            } else {
                i += 1;
            }
        }
    }
}
