//! Shelf interactions: which shopper, which product, how many; applied to carts and
//! inventory with the evidence of every other sensor.

use super::super::events::{InteractionKind, ShelfEvent};
use super::super::Engine;
use super::{Interaction, SECOND_SHOPPER_MIN_P};
use crate::assoc::{associate, ShopperScore};
use crate::cart::Cart;
use crate::shelf::hypothesis::{hypotheses, Expectation};
use crate::store::{PlateIdx, SkuIdx};

/// Log-prior bonus of a product that another sensor points at (about e^2.5 = 12x).
const EVIDENCE_BONUS: f64 = 2.5;
/// Weight of each sighting of the product in a shopper's hand (up to 3).
const SIGHTING_WEIGHT: f64 = 2.0;
impl Engine {
    pub(super) fn apply_interaction(&mut self, it: Interaction) {
        let id = self.shelf_events.len() as u64;
        let kind = if it.delta_g < 0.0 {
            InteractionKind::Pick
        } else {
            InteractionKind::PutBack
        };
        let shoppers = associate(
            &self.store,
            &self.tracks,
            &it.plates,
            it.t_start_us,
            it.t_end_us,
            self.params.association_sigma_m,
            self.params.reach_m,
        );
        let mut candidates = self.plate_candidates(&it.plates);
        if kind == InteractionKind::PutBack {
            // What the likely shoppers hold may come back, to this plate or a wrong one.
            for s in shoppers
                .iter()
                .filter(|s| s.probability >= SECOND_SHOPPER_MIN_P)
            {
                if let Some(cart) = self.carts.get(&s.track_id) {
                    for &sku in cart.lines.keys() {
                        let c = &mut candidates[sku as usize].1;
                        if *c == Expectation::Elsewhere {
                            *c = Expectation::InCart;
                        }
                    }
                }
            }
        }
        let candidates = self.with_evidence(candidates, &it, &shoppers);
        let (hyps, unexplained) = hypotheses(
            &self.store,
            &candidates,
            it.delta_g.abs(),
            it.delta_std_g,
            self.params.max_quantity,
        );
        let shoppers = match hyps.first() {
            Some(best) => self.reweigh_by_sightings(shoppers, best.sku, &it),
            None => shoppers,
        };
        let mut assigned_to = None;
        let mut confidence = 0.0;
        if let Some(best) = hyps.first().copied() {
            match kind {
                InteractionKind::Pick => {
                    let plate = self.plate_holding(&it.plates, best.sku);
                    self.inventory.take(plate, best.sku, best.quantity);
                    if let Some(s) = shoppers.first() {
                        confidence = s.probability * best.probability;
                        self.carts
                            .entry(s.track_id)
                            .or_insert_with(|| Cart::new(s.track_id))
                            .add(best.sku, best.quantity, confidence, Some(id));
                        assigned_to = Some(s.track_id);
                    }
                }
                InteractionKind::PutBack => {
                    self.inventory.add(it.plates[0], best.sku, best.quantity);
                    // The most likely shopper who holds the item put it back.
                    let holder = shoppers.iter().find(|s| {
                        s.probability >= SECOND_SHOPPER_MIN_P
                            && self
                                .carts
                                .get(&s.track_id)
                                .is_some_and(|c| c.quantity(best.sku) > 0)
                    });
                    if let Some(s) = holder {
                        confidence = s.probability * best.probability;
                        if let Some(cart) = self.carts.get_mut(&s.track_id) {
                            cart.remove(best.sku, best.quantity, id);
                        }
                        assigned_to = Some(s.track_id);
                    }
                }
            }
        }
        if assigned_to.is_none() {
            self.stats.unassigned_shelf_events += 1;
        }
        self.stats.shelf_events += 1;
        self.shelf_events.push(ShelfEvent {
            id,
            plates: it.plates.iter().map(|&p| self.store.plates[p].id).collect(),
            t_start_us: it.t_start_us,
            t_end_us: it.t_end_us,
            delta_g: it.delta_g,
            kind,
            hypotheses: hyps,
            unexplained,
            shoppers,
            assigned_to,
            confidence,
        });
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
        candidates
            .into_iter()
            .map(|(sku, e)| {
                let mut bonus = 0.0;
                if departed.contains(&sku) {
                    bonus += EVIDENCE_BONUS;
                }
                let seen = shoppers.iter().any(|s| {
                    s.probability >= SECOND_SHOPPER_MIN_P
                        && self
                            .tracks
                            .get(s.track_id)
                            .is_some_and(|t| t.sightings_of(sku, t0, t1) > 0)
                });
                if seen {
                    bonus += EVIDENCE_BONUS;
                }
                (sku, e, bonus)
            })
            .collect()
    }

    /// A shopper seen holding the product just taken is more likely the one who took it.
    fn reweigh_by_sightings(
        &self,
        mut shoppers: Vec<ShopperScore>,
        sku: SkuIdx,
        it: &Interaction,
    ) -> Vec<ShopperScore> {
        let (t0, t1) = Self::evidence_window(it);
        let mut total = 0.0;
        for s in &mut shoppers {
            let seen = self
                .tracks
                .get(s.track_id)
                .map_or(0, |t| t.sightings_of(sku, t0, t1).min(3));
            s.probability *= 1.0 + SIGHTING_WEIGHT * seen as f64;
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

    /// The plate of an interaction that holds `sku` (the first one when none does).
    fn plate_holding(&self, plates: &[PlateIdx], sku: SkuIdx) -> PlateIdx {
        plates
            .iter()
            .copied()
            .find(|&p| self.inventory.on_plate(p).get(&sku).is_some_and(|&c| c > 0))
            .unwrap_or(plates[0])
    }
}
