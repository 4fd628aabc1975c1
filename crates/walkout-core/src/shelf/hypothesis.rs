//! What a weight delta can mean: (sku, quantity) hypotheses with posterior probabilities.
//!
//! The likelihood of `q` units of a product explaining a delta `d` is Gaussian around
//! `q * unit_weight` with a spread that grows with the unit-to-unit weight spread and the
//! measurement error. Priors say where items are expected: the planogram's products on
//! the plate, then items known to stand there misplaced, then everything else. A flat
//! "unexplained" hypothesis competes with them, so a delta no product explains gets a low
//! confidence instead of a confident wrong guess.

use crate::store::{SkuIdx, StoreModel};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hypothesis {
    pub sku: SkuIdx,
    pub quantity: u32,
    pub probability: f64,
}

/// How strongly a candidate product is expected on the plate(s) of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expectation {
    /// On the plate per the planogram or the learned inventory.
    OnPlate,
    /// In the acting shopper's cart (for put-backs, possibly to a wrong plate).
    InCart,
    /// Anything else the store sells.
    Elsewhere,
}

impl Expectation {
    fn log_prior(self) -> f64 {
        match self {
            Expectation::OnPlate => 0.0,
            Expectation::InCart => -1.0,
            Expectation::Elsewhere => -6.0,
        }
    }
}

/// Density of the "unexplained" hypothesis: as if the delta were uniform over 5 kg.
const UNEXPLAINED_LOG_DENSITY: f64 = -8.5;

/// Rank hypotheses for an absolute weight change `abs_delta_g` (> 0) measured with
/// standard error `delta_std_g`. Returns the hypotheses sorted by probability (highest
/// first) and the probability that none of them explains the change.
/// `candidates` are (sku, expectation, evidence bonus): the bonus is added to the log
/// prior when other sensors point at the product (a tag left the zone, the item was
/// seen in a hand).
pub fn hypotheses(
    store: &StoreModel,
    candidates: &[(SkuIdx, Expectation, f64)],
    abs_delta_g: f64,
    delta_std_g: f64,
    max_quantity: u32,
) -> (Vec<Hypothesis>, f64) {
    let mut scored: Vec<(SkuIdx, u32, f64)> =
        Vec::with_capacity(candidates.len() * max_quantity as usize);
    for &(sku, expectation, bonus) in candidates {
        let p = store.product(sku);
        for q in 1..=max_quantity {
            let mean = q as f64 * p.weight_g;
            // Drift and residual hand effects add a few grams beyond the window noise.
            let var = q as f64 * p.weight_std_g.powi(2) + delta_std_g.powi(2) + 4.0;
            let z2 = (abs_delta_g - mean).powi(2) / var;
            // Taking many units at once is rarer than taking one.
            let quantity_prior = -0.7 * (q as f64 - 1.0);
            let log_l = -0.5 * z2 - 0.5 * (2.0 * std::f64::consts::PI * var).ln();
            scored.push((
                sku,
                q,
                log_l + expectation.log_prior() + quantity_prior + bonus,
            ));
        }
    }
    let max_log = scored
        .iter()
        .map(|s| s.2)
        .fold(UNEXPLAINED_LOG_DENSITY, f64::max);
    let unexplained = (UNEXPLAINED_LOG_DENSITY - max_log).exp();
    let total: f64 = scored.iter().map(|s| (s.2 - max_log).exp()).sum::<f64>() + unexplained;
    // Collected into a new vector: collecting in place would keep the allocation of
    // every (sku, quantity) scored, hundreds of them, for the few that pass, and the
    // result lives on in a shelf event for the whole session.
    let mut out: Vec<Hypothesis> = Vec::new();
    out.extend(
        scored
            .iter()
            .map(|&(sku, quantity, l)| Hypothesis {
                sku,
                quantity,
                probability: (l - max_log).exp() / total,
            })
            .filter(|h| h.probability > 1e-4),
    );
    out.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.sku.cmp(&b.sku))
            .then(a.quantity.cmp(&b.quantity))
    });
    (out, unexplained / total)
}
