//! Items passed from one shopper to another.
//!
//! No plate sees a hand-over; the cameras do: the product shows up in the hands of a
//! shopper whose cart lacks it, next to a shopper whose cart has it and in whose hands
//! it was seen just before. Sightings are checked in fixed windows of sensor time, each
//! once its evidence is in (the window's end plus the fusion delay), in event-time
//! order with the shelf events, so a shopper seen holding what they just took from a
//! shelf already has it in their cart.

use serde::{Deserialize, Serialize};

use super::super::events::InteractionKind;
use super::super::Engine;
use super::{middle_us, Item, Queued};
use crate::store::SkuIdx;

/// Sightings are counted in windows this long (a receiver may hold the item only
/// briefly before reaching for the next one), starting every `WINDOW_STEP_US` (each
/// sighting is in two windows, so a short hold is not split between two).
const WINDOW_US: i64 = 1_000_000;
pub(in crate::engine) const WINDOW_STEP_US: i64 = WINDOW_US / 2;
/// The giver must have been seen holding the product this long before the window.
const GIVER_LOOKBACK_US: i64 = 2_000_000;
/// A window is checked this long after it ended (on top of the fusion delay).
const CHECK_AFTER_US: i64 = 1_000_000;
/// Sightings of one product in a window that make it held.
const MIN_SIGHTINGS: usize = 2;
/// ... and the share of all the shopper's sightings in the window it must have (a
/// detector confuses look-alikes now and then, not most of the time).
const MIN_SHARE: f64 = 0.5;
/// Giver and receiver stand at most this far apart.
const HAND_OVER_REACH_M: f64 = 1.5;
/// Sightings this close to the shopper's own shelf event with the product are that
/// event's (carrying it to put it back, or just taken).
const OWN_EVENT_MARGIN_US: i64 = 3_000_000;
/// Shelf events are applied in time order, no further apart than an episode's length
/// (20 s): none older than this can be within the margin of a window still checked.
const SHELF_LOOKBACK_US: i64 = 30_000_000;
/// Confidence of a unit that changed hands, relative to the giver's line.
const HAND_OVER_CONFIDENCE: f64 = 0.9;

/// One unit that went from one shopper's cart to another's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HandOver {
    /// End of the window in which the receiver was seen holding it.
    pub t_us: i64,
    pub sku: SkuIdx,
    pub from_track: u32,
    pub to_track: u32,
    pub sightings: u32,
}

impl Engine {
    /// A product was seen in a hand at `t_us`: make sure the windows holding it get
    /// checked.
    pub(super) fn note_sighting(&mut self, t_us: i64) {
        let last = t_us.div_euclid(WINDOW_STEP_US);
        for w in [last - 1, last] {
            if self.hand_over_windows.insert(w) {
                self.queue.push(Queued {
                    key: w * WINDOW_STEP_US + WINDOW_US + CHECK_AFTER_US,
                    rank: 3,
                    tiebreak: w as u64,
                    item: Item::HandOverCheck { window: w },
                });
            }
        }
    }

    /// How far into `[t0, t1]` sightings of `sku` in `track`'s hands can be of a unit
    /// that is not the shopper's own from a shelf, judged by the shopper's own shelf
    /// events with it around the window. `None` when one explains the window from its
    /// start: a put-back (the unit was carried to the shelf), or a pick whose unit was
    /// in hand by `t0`. Otherwise the end of the window or the middle of the first
    /// later own pick, whichever comes first (before its middle the pick's unit is
    /// still on the plate: a receiver often reaches for another of the same right
    /// after a hand-over), and the units those later picks put in the cart.
    fn before_own_picks(&self, track: u32, sku: SkuIdx, t0: i64, t1: i64) -> Option<(i64, u32)> {
        let (mut until, mut units) = (t1, 0);
        for e in self.own_events_with(track, sku, t0 - SHELF_LOOKBACK_US) {
            let near =
                e.t_end_us >= t0 - OWN_EVENT_MARGIN_US && e.t_start_us <= t1 + OWN_EVENT_MARGIN_US;
            let Some(h) = e.hypotheses.first().filter(|_| near) else {
                continue;
            };
            let middle = middle_us(e.t_start_us, e.t_end_us);
            if e.kind != InteractionKind::Pick || middle <= t0 {
                return None;
            }
            until = until.min(middle);
            units += h.quantity;
        }
        Some((until, units))
    }

    /// Move units to the shoppers seen holding them from the shoppers beside them whose
    /// carts have them.
    pub(super) fn check_hand_overs(&mut self, window: i64) {
        self.hand_over_windows.remove(&window);
        let t0 = window * WINDOW_STEP_US;
        let t1 = t0 + WINDOW_US - 1;
        let mid = t0 + WINDOW_US / 2;
        let mut moves: Vec<HandOver> = Vec::new();
        for receiver in self.tracks.iter().filter(|t| t.is_open()) {
            let seen = receiver.sightings_between(t0, t1);
            let Some(at) = receiver.position_near(mid) else {
                continue;
            };
            for &sku in seen.by_sku.keys() {
                let Some((until, later_units)) = self.before_own_picks(receiver.id, sku, t0, t1)
                else {
                    continue;
                };
                let seen = receiver.sightings_between(t0, until);
                let n = seen.by_sku.get(&sku).copied().unwrap_or(0);
                let held = n >= MIN_SIGHTINGS && n as f64 >= MIN_SHARE * seen.total as f64;
                // Units the receiver already had before those sightings: they may be
                // what was seen.
                let had = self
                    .carts
                    .get(&receiver.id)
                    .map_or(0, |c| c.quantity(sku))
                    .saturating_sub(later_units);
                if !held || had > 0 {
                    continue;
                }
                let giver = self
                    .tracks
                    .iter()
                    .filter(|g| g.id != receiver.id && g.is_open())
                    .filter(|g| self.carts.get(&g.id).is_some_and(|c| c.quantity(sku) > 0))
                    // The giver held it just before and has let go: seen with it less
                    // now than the receiver is (a product between two shoppers' hands
                    // seen by both is not a hand-over).
                    .filter(|g| g.sightings_of(sku, t0 - GIVER_LOOKBACK_US, t0) > 0)
                    .filter(|g| 2 * g.sightings_of(sku, t0, until) < n)
                    .filter_map(|g| {
                        let p = g.position_near(mid)?;
                        let d = (p[0] - at[0]).hypot(p[1] - at[1]);
                        (d <= HAND_OVER_REACH_M).then_some((d, g.id))
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                if let Some((_, from)) = giver {
                    moves.push(HandOver {
                        t_us: t1,
                        sku,
                        from_track: from,
                        to_track: receiver.id,
                        sightings: n as u32,
                    });
                }
            }
        }
        for m in moves {
            let Some(from) = self.carts.get_mut(&m.from_track) else {
                continue;
            };
            let confidence = from.lines.get(&m.sku).map_or(1.0, |l| l.confidence);
            let Some(tag) = from.remove_unit(m.sku) else {
                continue;
            };
            let to = self
                .carts
                .entry(m.to_track)
                .or_insert_with(|| crate::cart::Cart::new(m.to_track));
            to.add(m.sku, 1, confidence * HAND_OVER_CONFIDENCE, None);
            to.attach_tags(m.sku, tag);
            self.stats.hand_overs += 1;
            self.hand_overs.push(m);
        }
    }
}
