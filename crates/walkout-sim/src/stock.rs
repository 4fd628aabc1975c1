//! Items as instances. Every unit on a plate has its own weight, drawn once from the
//! product's distribution when the plate is stocked, so a pick of "one can" moves that
//! can's weight, not the catalogue mean, and a put-back returns exactly those grams.
//! Units of RFID-tagged products carry their own tag (an SGTIN-96 EPC with a serial of
//! their own), so a tag's reads follow that unit wherever it goes.

use rand::seq::index;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::epc::{encode_sgtin96, FILTER_POS_ITEM};

use crate::error::SimError;
use crate::store::Store;

/// `Item::tag` of a unit without an RFID tag.
pub(crate) const NO_TAG: u32 = u32::MAX;
/// The GTIN does not say how long its company prefix is; the simulator assumes 7 digits
/// (any length encodes the same GTIN, only the EPC's field split differs).
pub(crate) const COMPANY_PREFIX_LEN: usize = 7;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Item {
    /// Index into `Store::products`.
    pub product: usize,
    pub grams: f64,
    /// Index into `Stock::tags`, or [`NO_TAG`].
    pub tag: u32,
    /// On its current plate since then (`i64::MIN`: stocked before the session).
    /// Shoppers are simulated one after another, not in time order, so a unit put on
    /// a plate at 10:05 must not be taken by someone simulated later at 10:02.
    pub since_us: i64,
}

pub(crate) struct Tag {
    pub epc: u128,
    pub product: usize,
    pub serial: u64,
    /// The plate the unit stood on when the session started.
    pub home_plate: usize,
}

/// A unit never weighs less than this fraction of its mean, however wide the spread:
/// a negative or vanishing weight would be no product at all.
const MIN_WEIGHT_FRACTION: f64 = 0.05;
/// Serial numbers of a product start at a random point below this, as tags printed in
/// different batches do.
const SERIAL_BASE_MAX: u64 = 1_000_000_000;

pub(crate) struct Stock {
    plates: Vec<Vec<Item>>,
    /// Products each plate holds by the planogram, ascending.
    home: Vec<Vec<usize>>,
    pub tags: Vec<Tag>,
}

impl Stock {
    /// `rng` draws the units' weights; `tag_rng` their serial numbers (a stream of its
    /// own, so that tagging does not shift anything else a scenario draws).
    pub fn new(
        store: &Store,
        rng: &mut ChaCha8Rng,
        tag_rng: &mut ChaCha8Rng,
    ) -> Result<Self, SimError> {
        let mut plates = vec![Vec::new(); store.plates.len()];
        let mut home = vec![Vec::new(); store.plates.len()];
        let mut next_serial: Vec<u64> = store
            .products
            .iter()
            .map(|_| tag_rng.random_range(1..SERIAL_BASE_MAX))
            .collect();
        let mut tags = Vec::new();
        for &(plate, product, count) in &store.planogram {
            let p = &store.products[product];
            home[plate].push(product);
            for _ in 0..count {
                let z: f64 = StandardNormal.sample(rng);
                let grams = (p.weight_g + p.std_g * z).max(p.weight_g * MIN_WEIGHT_FRACTION);
                let tag = match &p.rfid_gtin {
                    Some(gtin) => {
                        let serial = next_serial[product];
                        next_serial[product] += 1;
                        let epc = encode_sgtin96(gtin, COMPANY_PREFIX_LEN, serial, FILTER_POS_ITEM)
                            .map_err(|e| {
                                SimError::config(
                                    format!("products[{product}].gtin"),
                                    gtin,
                                    e.to_string(),
                                )
                            })?;
                        tags.push(Tag {
                            epc,
                            product,
                            serial,
                            home_plate: plate,
                        });
                        (tags.len() - 1) as u32
                    }
                    None => NO_TAG,
                };
                plates[plate].push(Item {
                    product,
                    grams,
                    tag,
                    since_us: i64::MIN,
                });
            }
        }
        for h in &mut home {
            h.sort_unstable();
            h.dedup();
        }
        Ok(Self { plates, home, tags })
    }

    pub fn load_g(&self, plate: usize) -> f64 {
        self.plates[plate].iter().map(|i| i.grams).sum()
    }

    pub fn is_stocked(&self, plate: usize) -> bool {
        !self.plates[plate].is_empty()
    }

    /// Products present on the plate at `t`, ascending, each once.
    pub fn products_on(&self, plate: usize, t: i64) -> Vec<usize> {
        let mut v: Vec<usize> = self.plates[plate]
            .iter()
            .filter(|i| i.since_us <= t)
            .map(|i| i.product)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether the planogram puts `product` on `plate`.
    pub fn belongs(&self, plate: usize, product: usize) -> bool {
        self.home[plate].binary_search(&product).is_ok()
    }

    /// A product on the plate at `t` that the planogram does not put there (a
    /// misplaced unit).
    pub fn foreign_on(&self, plate: usize, t: i64) -> Option<usize> {
        self.plates[plate]
            .iter()
            .filter(|i| i.since_us <= t)
            .map(|i| i.product)
            .find(|&p| !self.belongs(plate, p))
    }

    /// Removes up to `quantity` random units of `product` that are on the plate at `t`
    /// (fewer if fewer are there).
    pub fn take(
        &mut self,
        plate: usize,
        product: usize,
        quantity: usize,
        t: i64,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Item> {
        let items = &mut self.plates[plate];
        let positions: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].product == product && items[i].since_us <= t)
            .collect();
        let k = quantity.min(positions.len());
        let mut chosen: Vec<usize> = index::sample(rng, positions.len(), k)
            .into_iter()
            .map(|j| positions[j])
            .collect();
        chosen.sort_unstable_by(|a, b| b.cmp(a));
        chosen.into_iter().map(|i| items.remove(i)).collect()
    }

    /// Puts units on a plate at `t`.
    pub fn put(&mut self, plate: usize, items: &[Item], t: i64) {
        self.plates[plate].extend(items.iter().map(|&i| Item { since_us: t, ..i }));
    }

    /// (plate index, product index) of every unit currently on a plate.
    pub fn units(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.plates
            .iter()
            .enumerate()
            .flat_map(|(p, items)| items.iter().map(move |i| (p, i.product)))
    }
}
