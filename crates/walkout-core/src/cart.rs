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
        if line.quantity == 0 {
            self.lines.remove(&sku);
        }
        removed
    }

    /// Take one unit out (it changed hands); returns 0 when there was none.
    pub fn remove_unit(&mut self, sku: SkuIdx) -> u32 {
        let Some(line) = self.lines.get_mut(&sku) else {
            return 0;
        };
        line.quantity -= 1;
        if line.quantity == 0 {
            self.lines.remove(&sku);
        }
        1
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
                    total_cents: p.price_cents * l.quantity as i64,
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
            total_cents: lines.iter().map(|l| l.total_cents).sum(),
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

    pub fn plates(&self) -> impl Iterator<Item = (usize, &BTreeMap<SkuIdx, u32>)> {
        self.counts.iter().enumerate()
    }
}
