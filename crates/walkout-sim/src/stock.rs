//! Items as instances. Every unit on a plate has its own weight, drawn once from the
//! product's distribution when the plate is stocked, so a pick of "one can" moves that
//! can's weight, not the catalogue mean, and a put-back returns exactly those grams.

use rand::seq::index;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Item {
    /// Index into `Store::products`.
    pub product: usize,
    pub grams: f64,
}

/// A unit never weighs less than this fraction of its mean, however wide the spread:
/// a negative or vanishing weight would be no product at all.
const MIN_WEIGHT_FRACTION: f64 = 0.05;

pub(crate) struct Stock {
    plates: Vec<Vec<Item>>,
}

impl Stock {
    pub fn new(store: &Store, rng: &mut ChaCha8Rng) -> Self {
        let mut plates = vec![Vec::new(); store.plates.len()];
        for &(plate, product, count) in &store.planogram {
            let p = &store.products[product];
            for _ in 0..count {
                let z: f64 = StandardNormal.sample(rng);
                let grams = (p.weight_g + p.std_g * z).max(p.weight_g * MIN_WEIGHT_FRACTION);
                plates[plate].push(Item { product, grams });
            }
        }
        Self { plates }
    }

    pub fn load_g(&self, plate: usize) -> f64 {
        self.plates[plate].iter().map(|i| i.grams).sum()
    }

    pub fn is_stocked(&self, plate: usize) -> bool {
        !self.plates[plate].is_empty()
    }

    /// Products present on the plate, ascending, each once.
    pub fn products_on(&self, plate: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.plates[plate].iter().map(|i| i.product).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Removes up to `quantity` random units of `product` (fewer if fewer are there).
    pub fn take(
        &mut self,
        plate: usize,
        product: usize,
        quantity: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Item> {
        let items = &mut self.plates[plate];
        let positions: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].product == product)
            .collect();
        let k = quantity.min(positions.len());
        let mut chosen: Vec<usize> = index::sample(rng, positions.len(), k)
            .into_iter()
            .map(|j| positions[j])
            .collect();
        chosen.sort_unstable_by(|a, b| b.cmp(a));
        chosen.into_iter().map(|i| items.remove(i)).collect()
    }

    pub fn put(&mut self, plate: usize, items: &[Item]) {
        self.plates[plate].extend_from_slice(items);
    }

    /// (plate index, product index) of every unit currently on a plate.
    pub fn units(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.plates
            .iter()
            .enumerate()
            .flat_map(|(p, items)| items.iter().map(move |i| (p, i.product)))
    }
}
