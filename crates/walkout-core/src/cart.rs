//! Carts, receipts and the inventory that follow from shelf interactions.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::store::{SkuIdx, StoreModel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: SkuIdx,
    pub quantity: u32,
    /// Lowest confidence of the interactions that put these units in the cart.
    pub confidence: f64,
    /// Ids of the shelf events behind this line (the audit trail).
    pub evidence: Vec<u64>,
    /// RFID tags (EPCs) of units on this line: tags that left the shelf when they were
    /// taken. At most one per unit.
    #[serde(default)]
    pub tags: Vec<u128>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cart {
    pub track_id: u32,
    pub lines: BTreeMap<SkuIdx, CartLine>,
}

impl Cart {
    pub fn new(track_id: u32) -> Self {
        Self {
            track_id,
            lines: BTreeMap::new(),
        }
    }

    /// Add units; `event_id` is the shelf event behind them (none for units known
    /// from other evidence, such as exit RFID reads).
    pub fn add(&mut self, sku: SkuIdx, quantity: u32, confidence: f64, event_id: Option<u64>) {
        let line = self.lines.entry(sku).or_insert(CartLine {
            sku,
            quantity: 0,
            confidence: 1.0,
            evidence: Vec::new(),
            tags: Vec::new(),
        });
        line.quantity += quantity;
        line.confidence = line.confidence.min(confidence);
        line.evidence.extend(event_id);
    }

    /// Remove up to `quantity` units; returns how many were in the cart to remove.
    pub fn remove(&mut self, sku: SkuIdx, quantity: u32, event_id: u64) -> u32 {
        let Some(line) = self.lines.get_mut(&sku) else {
            return 0;
        };
        let removed = quantity.min(line.quantity);
        line.quantity -= removed;
        line.evidence.push(event_id);
        line.tags.truncate(line.quantity as usize);
        if line.quantity == 0 {
            self.lines.remove(&sku);
        }
        removed
    }

    /// Take one unit out (it changed hands) with its tag, if it had one; `None` when
    /// there was no unit.
    pub fn remove_unit(&mut self, sku: SkuIdx) -> Option<Option<u128>> {
        let line = self.lines.get_mut(&sku)?;
        line.quantity -= 1;
        let tag = (line.tags.len() > line.quantity as usize)
            .then(|| line.tags.pop())
            .flatten();
        if line.quantity == 0 {
            self.lines.remove(&sku);
        }
        Some(tag)
    }

    /// Record the tags of units of `sku` already on the cart (no more than its units).
    pub fn attach_tags(&mut self, sku: SkuIdx, tags: impl IntoIterator<Item = u128>) {
        if let Some(line) = self.lines.get_mut(&sku) {
            for tag in tags {
                if line.tags.len() < line.quantity as usize && !line.tags.contains(&tag) {
                    line.tags.push(tag);
                }
            }
        }
    }

    /// Whether a unit with this tag is on the cart.
    pub fn has_tag(&self, tag: u128) -> bool {
        self.lines.values().any(|l| l.tags.contains(&tag))
    }

    pub fn quantity(&self, sku: SkuIdx) -> u32 {
        self.lines.get(&sku).map_or(0, |l| l.quantity)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    pub confidence: f64,
    /// Below the configured confidence: a person should look before charging.
    pub needs_review: bool,
    pub evidence: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub track_id: u32,
    pub token: Option<String>,
    pub exit_us: i64,
    pub lines: Vec<ReceiptLine>,
    pub total_cents: i64,
    pub needs_review: bool,
}

impl Receipt {
    pub fn from_cart(
        store: &StoreModel,
        cart: &Cart,
        token: Option<String>,
        exit_us: i64,
        review_confidence: f64,
    ) -> Self {
        let lines: Vec<ReceiptLine> = cart
            .lines
            .values()
            .filter(|l| l.quantity > 0)
            .map(|l| {
                let p = store.product(l.sku);
                ReceiptLine {
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    quantity: l.quantity,
                    unit_price_cents: p.price_cents,
                    // Saturating: a line can never overflow into a negative charge,
                    // whatever a restored cart holds (prices go up to 10¹² cents).
                    total_cents: p.price_cents.saturating_mul(i64::from(l.quantity)),
                    confidence: l.confidence,
                    needs_review: l.confidence < review_confidence,
                    evidence: l.evidence.clone(),
                }
            })
            .collect();
        Receipt {
            track_id: cart.track_id,
            token,
            exit_us,
            total_cents: lines
                .iter()
                .fold(0i64, |sum, l| sum.saturating_add(l.total_cents)),
            needs_review: lines.iter().any(|l| l.needs_review),
            lines,
        }
    }
}

/// Units per plate and product. Starts from the planogram and learns from every
/// interaction, including foreign items put back on the wrong plate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    counts: Vec<BTreeMap<SkuIdx, u32>>,
}

impl Inventory {
    pub fn from_planogram(store: &StoreModel) -> Self {
        let counts = store
            .planogram
            .iter()
            .map(|entries| {
                let mut m = BTreeMap::new();
                for &(sku, count) in entries {
                    *m.entry(sku).or_insert(0) += count;
                }
                m
            })
            .collect();
        Self { counts }
    }

    pub fn on_plate(&self, plate: usize) -> &BTreeMap<SkuIdx, u32> {
        &self.counts[plate]
    }

    pub fn add(&mut self, plate: usize, sku: SkuIdx, quantity: u32) {
        *self.counts[plate].entry(sku).or_insert(0) += quantity;
    }

    /// Take up to `quantity` units; returns how many the inventory knew of.
    pub fn take(&mut self, plate: usize, sku: SkuIdx, quantity: u32) -> u32 {
        let count = self.counts[plate].entry(sku).or_insert(0);
        let taken = quantity.min(*count);
        *count -= taken;
        taken
    }

    /// Take `quantity` units of `sku` off `plate`, and what that plate lacks off the
    /// other plates holding `sku` (in plate order): a unit that left a shelf left one
    /// of them, whatever the counts believed. Returns the units taken in all.
    pub fn take_from(&mut self, plate: usize, sku: SkuIdx, quantity: u32) -> u32 {
        let mut taken = self.take(plate, sku, quantity);
        for other in 0..self.counts.len() {
            if taken == quantity {
                break;
            }
            if other != plate {
                taken += self.take(other, sku, quantity - taken);
            }
        }
        taken
    }

    pub fn plates(&self) -> impl Iterator<Item = (usize, &BTreeMap<SkuIdx, u32>)> {
        self.counts.iter().enumerate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_units_they_belong_to() {
        let mut cart = Cart::new(7);
        cart.add(3, 2, 0.9, Some(1));
        cart.attach_tags(3, [11, 12, 13]);
        assert_eq!(cart.lines[&3].tags, vec![11, 12], "no more tags than units");
        assert!(cart.has_tag(12) && !cart.has_tag(13));
        // A unit handed over takes a tag along.
        assert_eq!(cart.remove_unit(3), Some(Some(12)));
        assert!(!cart.has_tag(12));
        // A put-back leaves no tag for a unit that is gone.
        cart.remove(3, 1, 2);
        assert!(cart.lines.is_empty());
        assert_eq!(cart.remove_unit(3), None);
    }
}
