//! A shopper rarely does two shelf interactions at once. When two interactions at
//! different plates overlap in time and the same shopper is the likeliest for both
//! (their bodies stand close; only one was seen reaching), the other shopper standing
//! there is the better explanation for one of them. So each shopper's probability for
//! an interaction is discounted by the chance that they are busy with an overlapping
//! one: certainly, if it was already given to them; in proportion to their probability
//! for it, if it still waits in the fusion queue.
//!
//! Which queued interactions count depends only on event times (those due no later
//! than this one), so the result does not depend on how `step` calls were spaced.

use std::collections::BTreeMap;

use super::super::events::InteractionKind;
use super::super::Engine;
use super::{AssocCache, Interaction};
use crate::assoc::{reweighted, ShopperScore};

/// How likely one shopper is to do a second interaction at the same time as a first.
const CONCURRENT_FACTOR: f64 = 0.25;
/// Interactions this close in time count as overlapping.
const OVERLAP_MARGIN_US: i64 = 300_000;
/// Shelf events further back than this cannot overlap anything still to be applied.
const LOOKBACK_US: i64 = 30_000_000;

impl Engine {
    /// `shoppers` (for `it`) with busy shoppers discounted and renormalised.
    pub(super) fn discount_busy_shoppers(
        &self,
        it: &Interaction,
        shoppers: Vec<ShopperScore>,
        cache: &mut AssocCache,
    ) -> Vec<ShopperScore> {
        if shoppers.len() < 2 {
            return shoppers;
        }
        let overlaps = |t0: i64, t1: i64| {
            t0 <= it.t_end_us + OVERLAP_MARGIN_US && it.t_start_us <= t1 + OVERLAP_MARGIN_US
        };
        let ids: Vec<u32> = it.plates.iter().map(|&p| self.store.plates[p].id).collect();
        let mut factor: BTreeMap<u32, f64> = BTreeMap::new();
        for e in self
            .shelf_events
            .iter()
            .rev()
            .take_while(|e| e.t_end_us >= it.t_start_us - LOOKBACK_US)
        {
            let elsewhere = !e.plates.iter().any(|p| ids.contains(p));
            if e.kind != InteractionKind::Touch && elsewhere && overlaps(e.t_start_us, e.t_end_us) {
                if let Some(a) = e.assigned_to {
                    *factor.entry(a).or_insert(1.0) *= CONCURRENT_FACTOR;
                }
            }
        }
        // Queued interactions due no later than this one: in the queue by now, whatever
        // the step spacing (see the module docs).
        for j in self.queued_with(it) {
            let elsewhere = !j.plates.iter().any(|p| it.plates.contains(p));
            if !elsewhere || !overlaps(j.t_start_us, j.t_end_us) {
                continue;
            }
            for s in self.associate_kept(cache, &j.plates, j.t_start_us, j.t_end_us) {
                *factor.entry(s.track_id).or_insert(1.0) *=
                    1.0 - (1.0 - CONCURRENT_FACTOR) * s.probability;
            }
        }
        if factor.is_empty() {
            return shoppers;
        }
        reweighted(shoppers, |s| {
            factor.get(&s.track_id).copied().unwrap_or(1.0)
        })
    }
}
