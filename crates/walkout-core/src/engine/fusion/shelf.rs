//! Shelf interactions: which shopper, which product, how many; applied to carts and
//! inventory with the evidence of every other sensor.

use super::super::events::{InteractionKind, ShelfEvent};
use super::super::Engine;
use super::{middle_us, AssocCache, Interaction, SECOND_SHOPPER_MIN_P};
use crate::assoc::{associate, reweighted, ShopperScore};
use crate::cart::Cart;
use crate::shelf::hypothesis::{hypotheses, Expectation, Hypothesis};
use crate::store::{PlateIdx, SkuIdx};
use crate::track::Sightings;

/// Log-prior bonus of a product whose tag left the plates' zone (about e^2.5 = 12x).
const EVIDENCE_BONUS: f64 = 2.5;
/// Log-prior bonus of a product that all of a likely shopper's sightings around the
/// interaction show (a share of them gets that share of it).
const SIGHTING_SHARE_LOG_ODDS: f64 = 6.0;
/// Fewer sightings than this say nothing.
const MIN_SIGHTINGS: usize = 2;
/// Weight of each sighting of the product in a shopper's hand (up to 3).
const SIGHTING_WEIGHT: f64 = 2.0;

/// A second shopper this likely, seen reaching into the plate this often, took a share
/// of a several-unit pick: two hands in one plate at once, one weight change.
const SHARE_MIN_P: f64 = 0.25;
const SHARE_MIN_HANDS: u32 = 3;
/// ... as did a second shopper who stood at the plate, within arm's length of its front
/// and no further from it than the likeliest shopper (plus this slack), however few of
/// their hands the cameras saw: two people side by side at one plate hide each other's
/// hands, and units gone at once from under both is what sharing a plate looks like.
const SHARE_AT_PLATE_M: f64 = 0.5;
const SHARE_AT_PLATE_SLACK_M: f64 = 0.05;

/// Who gets the units of a pick: all to the likeliest shopper, unless the runner-up
/// also reached in, stood at the plate beside them, or walks away holding the product
/// too; then each gets units in proportion (at least one each). Returns (track, units,
/// the probability that shopper took them).
fn split_units(
    shoppers: &[ShopperScore],
    quantity: u32,
    second_holds_it: bool,
) -> Vec<(u32, u32, f64)> {
    let Some(first) = shoppers.first() else {
        return Vec::new();
    };
    match shoppers.get(1) {
        Some(second)
            if quantity >= 2
                && (second_holds_it
                    || (second.distance_m <= SHARE_AT_PLATE_M
                        && second.distance_m <= first.distance_m + SHARE_AT_PLATE_SLACK_M)
                    || (second.probability >= SHARE_MIN_P
                        && second.hands >= SHARE_MIN_HANDS
                        && first.hands >= SHARE_MIN_HANDS)) =>
        {
            let share = second.probability / (first.probability + second.probability);
            let theirs = ((quantity as f64 * share).round() as u32).clamp(1, quantity - 1);
            vec![
                (first.track_id, quantity - theirs, first.probability),
                (second.track_id, theirs, second.probability),
            ]
        }
        _ => vec![(first.track_id, quantity, first.probability)],
    }
}

/// What an interaction most likely was.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reading {
    pub kind: InteractionKind,
    pub shoppers: Vec<ShopperScore>,
    pub hypotheses: Vec<Hypothesis>,
    /// Probability that no product hypothesis explains the delta.
    pub unexplained: f64,
    /// Probability of the hypotheses whose product was expected there: on the plate or
    /// in a likely shopper's cart. Low when only a product from elsewhere in the store
    /// happens to weigh the delta (a hand resting on the plate, say).
    pub expected: f64,
}

impl Engine {
    /// What an interaction most likely was: its shoppers, its (sku, quantity)
    /// hypotheses, and how much of that belief rests on products expected there.
    pub(super) fn read(&mut self, it: &Interaction) -> Reading {
        let mut cache = std::mem::take(&mut self.assoc_cache);
        let r = self.read_with(it, &mut cache);
        self.assoc_cache = cache;
        r
    }

    /// [`associate`] for these plates over this interaction's times, kept for when it
    /// is asked again ([`AssocCache`]).
    pub(super) fn associate_kept(
        &self,
        cache: &mut AssocCache,
        plates: &[PlateIdx],
        t_start_us: i64,
        t_end_us: i64,
    ) -> Vec<ShopperScore> {
        if let Some(kept) = cache.get(plates, t_start_us, t_end_us) {
            return kept.to_vec();
        }
        let scores = associate(
            &self.store,
            &self.tracks,
            plates,
            t_start_us,
            t_end_us,
            self.params.association_sigma_m,
            self.params.reach_m,
        );
        cache.put(plates, t_start_us, t_end_us, &scores);
        scores
    }

    fn read_with(&self, it: &Interaction, cache: &mut AssocCache) -> Reading {
        let kind = if it.delta_g < 0.0 {
            InteractionKind::Pick
        } else {
            InteractionKind::PutBack
        };
        let shoppers = self.associate_kept(cache, &it.plates, it.t_start_us, it.t_end_us);
        let shoppers = self.discount_busy_shoppers(it, shoppers, cache);
        let mut candidates = self.plate_candidates(&it.plates);
        if kind == InteractionKind::PutBack {
            // Only what a likely shopper holds can come back: to its own plate (most
            // often) or to a wrong one. Anything else weighing the delta is unexpected.
            let mut held = vec![false; candidates.len()];
            for s in shoppers
                .iter()
                .filter(|s| s.probability >= SECOND_SHOPPER_MIN_P)
            {
                if let Some(cart) = self.carts.get(&s.track_id) {
                    for (&sku, line) in &cart.lines {
                        held[sku as usize] |= line.quantity > 0;
                    }
                }
            }
            for (c, held) in candidates.iter_mut().zip(held) {
                c.1 = match (held, c.1) {
                    (true, Expectation::OnPlate) => Expectation::OnPlate,
                    (true, _) => Expectation::InCart,
                    (false, _) => Expectation::Elsewhere,
                };
            }
        }
        let candidates = self.with_evidence(candidates, it, &shoppers);
        let (hypotheses, unexplained) = hypotheses(
            &self.store,
            &candidates,
            it.delta_g.abs(),
            it.delta_std_g,
            self.params.max_quantity,
        );
        let expected = hypotheses
            .iter()
            .filter(|h| candidates[h.sku as usize].1 != Expectation::Elsewhere)
            .map(|h| h.probability)
            .sum();
        let shoppers = match hypotheses.first() {
            Some(best) => self.reweigh_by_sightings(shoppers, best.sku, it),
            None => shoppers,
        };
        Reading {
            kind,
            shoppers,
            hypotheses,
            unexplained,
            expected,
        }
    }

    /// Apply an interaction's reading to inventory and the acting shopper's cart, and
    /// record it as a shelf event.
    pub(super) fn apply(&mut self, it: &Interaction, r: Reading) {
        let id = self.shelf_events.len() as u64;
        let mut assigned_to = None;
        let mut confidence = 0.0;
        if let Some(best) = r.hypotheses.first().copied() {
            match r.kind {
                InteractionKind::Pick => {
                    let plate = self.plate_holding(&it.plates, best.sku);
                    // The charged units leave the counts: of this plate, or where the
                    // counts had them if they believed it had none (items conserved).
                    self.inventory.take_from(plate, best.sku, best.quantity);
                    if let Some(s) = r.shoppers.first() {
                        confidence = s.probability * best.probability;
                        let mut tags = self.departed_untaken_tags(it, best.sku).into_iter();
                        // ... and reached into this plate (not just holds one of the
                        // same from another shelf).
                        let second_holds_it = r.shoppers.get(1).is_some_and(|s| {
                            s.hands > 0 && self.seen_holding(s.track_id, best.sku, it)
                        });
                        let shares = split_units(&r.shoppers, best.quantity, second_holds_it);
                        for (track_id, units, p) in shares {
                            let cart = self
                                .carts
                                .entry(track_id)
                                .or_insert_with(|| Cart::new(track_id));
                            cart.add(best.sku, units, p * best.probability, Some(id));
                            cart.attach_tags(best.sku, tags.by_ref().take(units as usize));
                        }
                        assigned_to = Some(s.track_id);
                    }
                }
                InteractionKind::PutBack => {
                    // The most likely shopper who holds the item put it back.
                    let holder = r.shoppers.iter().find(|s| {
                        s.probability >= SECOND_SHOPPER_MIN_P
                            && self
                                .carts
                                .get(&s.track_id)
                                .is_some_and(|c| c.quantity(best.sku) > 0)
                    });
                    // The shelf gets back the units that left a cart: a unit nobody
                    // held (a touch read as a light product, a product misread) does
                    // not appear from nowhere, so items stay conserved.
                    let mut returned = 0;
                    if let Some(s) = holder {
                        confidence = s.probability * best.probability;
                        returned =
                            self.return_units(s.track_id, best.sku, best.quantity, &r.shoppers, id);
                        assigned_to = Some(s.track_id);
                    }
                    self.inventory.add(it.plates[0], best.sku, returned);
                }
                InteractionKind::Touch => {}
            }
        }
        if assigned_to.is_none() && r.kind != InteractionKind::Touch {
            self.stats.unassigned_shelf_events += 1;
        }
        self.stats.shelf_events += 1;
        self.shelf_events.push(ShelfEvent {
            id,
            plates: it.plates.iter().map(|&p| self.store.plates[p].id).collect(),
            t_start_us: it.t_start_us,
            t_end_us: it.t_end_us,
            delta_g: it.delta_g,
            kind: r.kind,
            hypotheses: r.hypotheses,
            unexplained: r.unexplained,
            shoppers: r.shoppers,
            assigned_to,
            confidence,
        });
    }

    /// Take `quantity` units of `sku` put back by `holder` out of the carts: the
    /// holder's first. Units its cart lacks came from a cart that shared a pick with it
    /// (a multi-unit pick split between two shoppers, all of which this one now puts
    /// back: the split was wrong), else from another likely shopper of the put-back;
    /// so every unit back on the shelf leaves some cart, and none is counted twice.
    /// Returns the units taken out of carts.
    fn return_units(
        &mut self,
        holder: u32,
        sku: SkuIdx,
        quantity: u32,
        shoppers: &[ShopperScore],
        id: u64,
    ) -> u32 {
        let shared: Vec<u64> = self
            .carts
            .get(&holder)
            .and_then(|c| c.lines.get(&sku))
            .map(|l| l.evidence.clone())
            .unwrap_or_default();
        let mut left = quantity;
        if let Some(cart) = self.carts.get_mut(&holder) {
            left -= cart.remove(sku, left, id);
        }
        let sharers = self.carts.iter().filter(|(&t, c)| {
            t != holder
                && c.lines
                    .get(&sku)
                    .is_some_and(|l| l.evidence.iter().any(|e| shared.contains(e)))
        });
        let likely = shoppers.iter().filter(|o| {
            o.track_id != holder
                && o.probability >= SECOND_SHOPPER_MIN_P
                && self
                    .carts
                    .get(&o.track_id)
                    .is_some_and(|c| c.quantity(sku) > 0)
        });
        let mut others: Vec<u32> = sharers.map(|(&t, _)| t).collect();
        others.extend(likely.map(|o| o.track_id));
        for track in others {
            if left == 0 {
                break;
            }
            if let Some(cart) = self.carts.get_mut(&track) {
                left -= cart.remove(sku, left, id);
            }
        }
        quantity - left
    }

    /// The evidence window of an interaction: a little before the hand went in, a
    /// little after it came out.
    fn evidence_window(it: &Interaction) -> (i64, i64) {
        (
            it.t_start_us - 1_000_000,
            it.t_end_us + super::super::EVIDENCE_AFTER_US,
        )
    }

    /// Add evidence bonuses: a tag of the product left a zone covering the plates, or a
    /// likely shopper was seen holding the product.
    fn with_evidence(
        &self,
        candidates: Vec<(SkuIdx, Expectation)>,
        it: &Interaction,
        shoppers: &[ShopperScore],
    ) -> Vec<(SkuIdx, Expectation, f64)> {
        let (t0, t1) = Self::evidence_window(it);
        let departed = match it.delta_g < 0.0 {
            true => self
                .rfid
                .departed_near(&self.rfid_model, &it.plates, t0, t1),
            false => Vec::new(),
        };
        // What the likely shoppers were seen holding around the interaction.
        let seen: Vec<Sightings> = shoppers
            .iter()
            .filter(|s| s.probability >= SECOND_SHOPPER_MIN_P)
            .filter_map(|s| self.tracks.get(s.track_id))
            .map(|t| t.sightings_between(t0, t1))
            .filter(|s| s.total >= MIN_SIGHTINGS)
            .collect();
        candidates
            .into_iter()
            .map(|(sku, e)| {
                let mut bonus = 0.0;
                if departed.contains(&sku) {
                    bonus += EVIDENCE_BONUS;
                }
                // By its share of the sightings: a detector that mistakes a look-alike
                // now and then is outvoted by the frames that saw it right, however
                // many frames there were.
                let share = seen
                    .iter()
                    .map(|s| s.by_sku.get(&sku).copied().unwrap_or(0) as f64 / s.total as f64)
                    .fold(0.0, f64::max);
                bonus += SIGHTING_SHARE_LOG_ODDS * share;
                (sku, e, bonus)
            })
            .collect()
    }

    /// A shopper seen holding the product just taken is more likely the one who took it.
    fn reweigh_by_sightings(
        &self,
        shoppers: Vec<ShopperScore>,
        sku: SkuIdx,
        it: &Interaction,
    ) -> Vec<ShopperScore> {
        let (t0, t1) = Self::evidence_window(it);
        reweighted(shoppers, |s| {
            let seen = self
                .tracks
                .get(s.track_id)
                .map_or(0, |t| t.sightings_of(sku, t0, t1).min(3));
            1.0 + SIGHTING_WEIGHT * seen as f64
        })
    }

    /// Whether `track` was seen holding `sku` after the interaction, more than anything
    /// else (and it stood within reach: it is among the interaction's shoppers), before
    /// its own next pick of the same product could have put one in its hand.
    fn seen_holding(&self, track: u32, sku: SkuIdx, it: &Interaction) -> bool {
        let (_, t1) = Self::evidence_window(it);
        let t1 = t1.min(self.next_own_pick(track, sku, it));
        self.tracks.get(track).is_some_and(|t| {
            let seen = t.sightings_between(it.t_end_us, t1);
            seen.total >= MIN_SIGHTINGS
                && 2 * seen.by_sku.get(&sku).copied().unwrap_or(0) > seen.total
        })
    }

    /// The middle of `track`'s next pick of `sku` after `it` (before it the pick's unit
    /// is still on its plate), or `i64::MAX` without one: a pick already applied and
    /// given to `track`, or one waiting in the queue at a plate that holds `sku`, where
    /// `track` is the likeliest shopper. Only queued picks due no later than `it` count,
    /// so the answer does not depend on how `step` calls were spaced.
    fn next_own_pick(&self, track: u32, sku: SkuIdx, it: &Interaction) -> i64 {
        let mut next = self
            .own_events_with(track, sku, it.t_start_us)
            .filter(|e| e.kind == InteractionKind::Pick)
            .map(|e| middle_us(e.t_start_us, e.t_end_us))
            .filter(|&m| m > it.t_end_us)
            .fold(i64::MAX, i64::min);
        for j in self.queued_with(it) {
            let m = middle_us(j.t_start_us, j.t_end_us);
            if j.delta_g >= 0.0 || m <= it.t_end_us || m >= next {
                continue;
            }
            let holds_sku =
                self.plate_candidates(&j.plates)[sku as usize].1 == Expectation::OnPlate;
            let theirs = holds_sku
                && associate(
                    &self.store,
                    &self.tracks,
                    &j.plates,
                    j.t_start_us,
                    j.t_end_us,
                    self.params.association_sigma_m,
                    self.params.reach_m,
                )
                .first()
                .is_some_and(|s| s.track_id == track);
            if theirs {
                next = m;
            }
        }
        next
    }

    /// Tags of `sku` that left the interaction's plates around it and are on nobody's
    /// cart yet: the units this pick took.
    fn departed_untaken_tags(&self, it: &Interaction, sku: SkuIdx) -> Vec<u128> {
        self.rfid
            .departed_tags(&self.rfid_model, &it.plates, Self::evidence_window(it), sku)
            .into_iter()
            .filter(|&tag| !self.carts.values().any(|c| c.has_tag(tag)))
            .collect()
    }

    /// The plate of an interaction that holds `sku` (the first one when none does).
    fn plate_holding(&self, plates: &[PlateIdx], sku: SkuIdx) -> PlateIdx {
        plates
            .iter()
            .copied()
            .find(|&p| self.inventory.on_plate(p).get(&sku).is_some_and(|&c| c > 0))
            .unwrap_or(plates[0])
    }
}
