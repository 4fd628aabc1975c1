//! RFID evidence. Tagged products carry SGTIN-96 EPCs; shelf antennas watch zones of
//! plates, an exit antenna watches the exit gate.
//!
//! - Presence per shelf zone with hysteresis: a tag counts as present until it has not
//!   been read for `absent_us`, so a few missed reads (read rates are well below 100 %)
//!   do not look like departures. A departure, dated at the tag's last read, near a pick
//!   at a plate in that zone is evidence for that product.
//! - Exit reads: the tags read at the exit antenna while a shopper passes are what that
//!   shopper carries out; they are reconciled with the cart at the receipt.
//!
//! Departures are found while reads are processed in time order (a gap longer than
//! `absent_us` between two reads of a tag is a departure at the first), plus a sweep
//! for tags no longer read at all; so the set of departures does not depend on how
//! `step` calls were spaced.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::config::{AntennaKind, StoreConfig};
use crate::epc::encode_sgtin96;
use crate::store::{PlateIdx, SkuIdx, StoreModel};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RfidRead {
    pub t_us: i64,
    pub reader_id: u32,
    pub antenna_id: u32,
    pub epc: u128,
    pub rssi_dbm: f32,
}

/// An antenna of the store config, with the plates its zone covers.
#[derive(Debug, Clone, PartialEq)]
pub struct AntennaModel {
    pub reader_id: u32,
    pub antenna_id: u32,
    pub kind: AntennaKind,
    pub plates: Vec<PlateIdx>,
}

/// A tag that stopped being read in a shelf zone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Departure {
    /// Last read in the zone.
    pub t_us: i64,
    pub epc: u128,
    pub sku: SkuIdx,
    pub antenna: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExitRead {
    pub t_us: i64,
    pub epc: u128,
    pub sku: SkuIdx,
}

/// The antennas of a store and which SKU each GTIN is.
#[derive(Debug, Clone, PartialEq)]
pub struct RfidModel {
    pub antennas: Vec<AntennaModel>,
    by_id: FxHashMap<(u32, u32), usize>,
    /// SKU by an EPC's bits above the serial (header, filter, partition, company prefix,
    /// item reference): every way an SGTIN-96 can spell each product's GTIN. Reads come
    /// by the thousand a second; decoding each into a GTIN string to look it up did not.
    sku_by_class: FxHashMap<u128, SkuIdx>,
    /// Per plate index, the antennas whose zone covers it, ascending.
    by_plate: Vec<Vec<usize>>,
}

/// Departures scanned from the back for an insertion place before bisecting.
const BACK_SCAN: usize = 64;

/// Bits of an SGTIN-96 below the product: the serial number.
const SERIAL_BITS: u32 = 38;

impl RfidModel {
    pub fn new(config: &StoreConfig, store: &StoreModel) -> Self {
        let boxes: Vec<([f64; 3], [f64; 3])> =
            config.plates().map(|(_, _, p)| (p.min, p.max)).collect();
        let mut antennas = Vec::new();
        for r in &config.rfid_readers {
            for a in &r.antennas {
                let plates = boxes
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| (0..3).all(|i| b.0[i] < a.max[i] && a.min[i] < b.1[i]))
                    .map(|(i, _)| i)
                    .collect();
                antennas.push(AntennaModel {
                    reader_id: r.id,
                    antenna_id: a.id,
                    kind: a.kind,
                    plates,
                });
            }
        }
        let by_id = antennas
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.reader_id, a.antenna_id), i))
            .collect();
        let sku_by_gtin: HashMap<String, SkuIdx> = config
            .products
            .iter()
            .filter_map(|p| Some((p.gtin.clone()?, store.sku_idx(&p.sku)?)))
            .collect();
        // Decoding is a bijection between (partition, company prefix, item reference)
        // and the GTIN of each partition, and the filter does not enter the GTIN: so
        // every (partition, filter) encoding of a GTIN, and nothing else, decodes to it.
        let mut sku_by_class = FxHashMap::default();
        for (gtin, &sku) in &sku_by_gtin {
            for prefix_len in 6..=12 {
                for filter in 0..=7 {
                    if let Ok(epc) = encode_sgtin96(gtin, prefix_len, 0, filter) {
                        sku_by_class.insert(epc >> SERIAL_BITS, sku);
                    }
                }
            }
        }
        let mut by_plate = vec![Vec::new(); boxes.len()];
        for (i, a) in antennas.iter().enumerate() {
            for &p in &a.plates {
                by_plate[p].push(i);
            }
        }
        Self {
            antennas,
            by_id,
            sku_by_class,
            by_plate,
        }
    }

    /// The antennas whose zone covers any of `plates`, ascending.
    fn covering(&self, plates: &[PlateIdx]) -> Vec<usize> {
        let mut out: Vec<usize> = plates
            .iter()
            .filter_map(|&p| self.by_plate.get(p))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn antenna(&self, reader_id: u32, antenna_id: u32) -> Option<usize> {
        self.by_id.get(&(reader_id, antenna_id)).copied()
    }

    /// The product of an EPC, if it is an SGTIN-96 of a product the store sells.
    pub fn sku_of(&self, epc: u128) -> Option<SkuIdx> {
        self.sku_by_class.get(&(epc >> SERIAL_BITS)).copied()
    }
}

/// What RFID has seen so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RfidState {
    /// Tags present in a shelf zone: epc → (antenna, last read). Hashed, not a tree:
    /// every shelf read looks its tag up and the sweep again, tens of thousands of tags
    /// deep; nothing iterates it in an order that reaches a result (the sweep index is
    /// rebuilt sorted), and a snapshot writes it sorted, as the tree it was.
    #[serde(
        serialize_with = "serialize_sorted",
        deserialize_with = "deserialize_present"
    )]
    present: FxHashMap<u128, (usize, i64)>,
    /// In time order (ties in the order found), so that pruning pops the front and a
    /// time window is found by bisection: at 1000 departures a second the deque holds
    /// a hundred thousand, too many to scan every frame tick.
    pub departures: VecDeque<Departure>,
    /// In time order: reads are applied in time order, none older than one applied.
    pub exit_reads: VecDeque<ExitRead>,
    /// Reads of tags that are no product of the store (foreign tags, cross-talk).
    pub unknown_tags: u64,
    /// (time, epc) of every shelf read still within `absent_us` of the last sweep, in
    /// time order: the sweep finds the silent tags at its front instead of going over
    /// every tag on the shelves each tick. An entry whose tag was read again since is
    /// stale and skipped. Derived from `present`, so not part of a snapshot.
    #[serde(skip)]
    reads_by_time: VecDeque<(i64, u128)>,
}

/// `present` as a snapshot has always held it: a map in ascending EPC order.
fn serialize_sorted<S: serde::Serializer>(
    present: &FxHashMap<u128, (usize, i64)>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let sorted: BTreeMap<&u128, &(usize, i64)> = present.iter().collect();
    sorted.serialize(serializer)
}

/// Read as the tree was (a repeated EPC: the last one wins, as there).
fn deserialize_present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<FxHashMap<u128, (usize, i64)>, D::Error> {
    let tree = BTreeMap::<u128, (usize, i64)>::deserialize(deserializer)?;
    Ok(tree.into_iter().collect())
}

/// Equal states hold the same evidence; the sweep index is derived from it.
impl PartialEq for RfidState {
    fn eq(&self, other: &Self) -> bool {
        self.present == other.present
            && self.departures == other.departures
            && self.exit_reads == other.exit_reads
            && self.unknown_tags == other.unknown_tags
    }
}

impl RfidState {
    /// Tags present in a shelf zone: epc → (antenna index, last read), for checking a
    /// restored snapshot.
    pub(crate) fn present(&self) -> BTreeMap<u128, (usize, i64)> {
        self.present.iter().map(|(&k, &v)| (k, v)).collect()
    }

    /// Apply reads sorted by time.
    pub fn apply(&mut self, model: &RfidModel, reads: &[RfidRead], absent_us: i64) {
        for r in reads {
            let Some(antenna) = model.antenna(r.reader_id, r.antenna_id) else {
                continue;
            };
            let Some(sku) = model.sku_of(r.epc) else {
                self.unknown_tags += 1;
                continue;
            };
            match model.antennas[antenna].kind {
                AntennaKind::Exit => self.exit_reads.push_back(ExitRead {
                    t_us: r.t_us,
                    epc: r.epc,
                    sku,
                }),
                AntennaKind::Shelf => {
                    // One look-up per read: the insert returns what it replaced.
                    let previous = self.present.insert(r.epc, (antenna, r.t_us));
                    if let Some((zone, last)) = previous {
                        if r.t_us - last > absent_us {
                            self.push_departure(Departure {
                                t_us: last,
                                epc: r.epc,
                                sku,
                                antenna: zone,
                            });
                        }
                    }
                    self.reads_by_time.push_back((r.t_us, r.epc));
                }
            }
        }
    }

    /// Tags not read for `absent_us` before `until` have left their zone.
    pub fn sweep(&mut self, model: &RfidModel, until: i64, absent_us: i64) {
        while let Some(&(t, epc)) = self.reads_by_time.front() {
            if until - t <= absent_us {
                break;
            }
            self.reads_by_time.pop_front();
            // Only the tag's latest read says it fell silent.
            let Some(&(zone, last)) = self.present.get(&epc) else {
                continue;
            };
            if last != t {
                continue;
            }
            self.present.remove(&epc);
            if let Some(sku) = model.sku_of(epc) {
                self.push_departure(Departure {
                    t_us: last,
                    epc,
                    sku,
                    antenna: zone,
                });
            }
        }
    }

    /// Insert keeping time order. A departure is dated at the tag's last read, which the
    /// previous sweep saw within `absent_us` of its time: so it lands among the last
    /// tick's departures, and a scan from the back finds the place in a few steps where
    /// a bisection of the whole deque would miss the cache at each.
    fn push_departure(&mut self, d: Departure) {
        let n = self.departures.len();
        let behind = self
            .departures
            .iter()
            .rev()
            .take(BACK_SCAN)
            .take_while(|x| x.t_us > d.t_us)
            .count();
        let at = if behind < BACK_SCAN {
            n - behind
        } else {
            self.departures.partition_point(|x| x.t_us <= d.t_us)
        };
        self.departures.insert(at, d);
    }

    /// Departures with `t0 <= t <= t1`.
    fn departures_between(&self, t0: i64, t1: i64) -> impl Iterator<Item = &Departure> {
        let start = self.departures.partition_point(|d| d.t_us < t0);
        self.departures
            .range(start..)
            .take_while(move |d| d.t_us <= t1)
    }

    /// Exit reads with `t0 <= t <= t1`.
    pub fn exit_reads_between(&self, t0: i64, t1: i64) -> impl Iterator<Item = &ExitRead> {
        let start = self.exit_reads.partition_point(|r| r.t_us < t0);
        self.exit_reads
            .range(start..)
            .take_while(move |r| r.t_us <= t1)
    }

    /// After a snapshot is restored: rebuild the sweep index, and put the departures and
    /// exit reads in time order (a snapshot written before they were kept in order may
    /// hold them as found). The sort is stable, and what the queries return does not
    /// depend on the order within one time.
    pub(crate) fn reindex(&mut self) {
        let mut reads: Vec<(i64, u128)> = self
            .present
            .iter()
            .map(|(&epc, &(_, last))| (last, epc))
            .collect();
        reads.sort_unstable();
        self.reads_by_time = reads.into();
        self.departures.make_contiguous().sort_by_key(|d| d.t_us);
        self.exit_reads.make_contiguous().sort_by_key(|r| r.t_us);
    }

    /// Products whose tags left a zone covering any of `plates` within `[t0, t1]`.
    pub fn departed_near(
        &self,
        model: &RfidModel,
        plates: &[PlateIdx],
        t0: i64,
        t1: i64,
    ) -> Vec<SkuIdx> {
        // Departures come by the thousand a second store-wide: each is tested against
        // the few antennas at these plates, not their plates against these.
        let antennas = model.covering(plates);
        self.departures_between(t0, t1)
            .filter(|d| antennas.contains(&d.antenna))
            .map(|d| d.sku)
            .collect()
    }

    /// Tags of `sku` that left a zone covering any of `plates` within `[t0, t1]`, in
    /// EPC order.
    pub fn departed_tags(
        &self,
        model: &RfidModel,
        plates: &[PlateIdx],
        (t0, t1): (i64, i64),
        sku: SkuIdx,
    ) -> Vec<u128> {
        let antennas = model.covering(plates);
        let mut out: Vec<u128> = self
            .departures_between(t0, t1)
            .filter(|d| d.sku == sku && antennas.contains(&d.antenna))
            .map(|d| d.epc)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Distinct tags per product read at the exit within `[t0, t1]`.
    pub fn exit_tags(&self, t0: i64, t1: i64) -> BTreeMap<SkuIdx, u32> {
        let mut epcs: BTreeMap<u128, SkuIdx> = BTreeMap::new();
        for r in self.exit_reads_between(t0, t1) {
            epcs.insert(r.epc, r.sku);
        }
        let mut out = BTreeMap::new();
        for sku in epcs.into_values() {
            *out.entry(sku).or_insert(0) += 1;
        }
        out
    }

    /// Forget evidence older than `before_us`.
    pub fn prune(&mut self, before_us: i64) {
        while self.departures.front().is_some_and(|d| d.t_us < before_us) {
            self.departures.pop_front();
        }
        while self.exit_reads.front().is_some_and(|r| r.t_us < before_us) {
            self.exit_reads.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::*;
    use crate::epc::{decode_sgtin96, FILTER_POS_ITEM};
    use crate::test_support::store::{self as builder, antenna, plate, product};

    const GTIN: &str = "00614141123452";

    #[test]
    fn a_snapshot_holds_present_tags_as_the_sorted_map_it_always_did() {
        let mut state = RfidState::default();
        let tags: Vec<(u128, (usize, i64))> = (0..200u128)
            .map(|i| {
                (
                    (i * 0x9e37_79b9_7f4a_7c15) << 20 | i,
                    (i as usize % 7, i as i64 * 3),
                )
            })
            .collect();
        state.present = tags.iter().copied().collect();
        let tree: BTreeMap<u128, (usize, i64)> = tags.into_iter().collect();
        // Compared as text: a JSON value's map would not see the order.
        let text = serde_json::to_string(&state).unwrap();
        let want = format!("\"present\":{},", serde_json::to_string(&tree).unwrap());
        assert!(text.contains(&want), "{text}");
        let back: RfidState = serde_json::from_str(&text).unwrap();
        assert_eq!(back.present(), tree);
        assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }

    fn store() -> StoreConfig {
        let plate = |id: u32, x: f64| plate(id, [x, 2.0, 0.5], [x + 0.3, 2.45, 0.75]);
        let shelf = antenna(1, AntennaKind::Shelf, [0.9, 1.9, 0.4], [1.29, 2.5, 0.9]);
        let exit = antenna(2, AntennaKind::Exit, [4.5, 0.0, 0.0], [6.0, 1.0, 2.2]);
        builder::store("rfid", [6.0, 5.0])
            .products([Product {
                name: "Razor".into(),
                price_cents: 1299,
                rfid: true,
                gtin: Some(GTIN.into()),
                ..product("razor", 120.0)
            }])
            .gondola(1, "", 1, vec![vec![plate(1, 1.0), plate(2, 1.3)]])
            .stock(1, "razor", 5)
            .rfid_reader(7, vec![shelf, exit])
            .gates(1, [0.5, 0.5], [5.5, 0.5], 1.0)
            .build()
    }

    fn read(t_s: f64, antenna: u32, serial: u64) -> RfidRead {
        RfidRead {
            t_us: (t_s * 1e6) as i64,
            reader_id: 7,
            antenna_id: antenna,
            epc: encode_sgtin96(GTIN, 7, serial, FILTER_POS_ITEM).unwrap(),
            rssi_dbm: -50.0,
        }
    }

    #[test]
    fn zones_cover_their_plates_and_epcs_map_to_skus() {
        let cfg = store();
        let model = RfidModel::new(&cfg, &StoreModel::new(cfg.clone()).unwrap());
        assert_eq!(model.antennas[0].plates, vec![0]);
        assert_eq!(model.sku_of(read(0.0, 1, 3).epc), Some(0));
        assert_eq!(model.sku_of(0x1234), None);
    }

    #[test]
    fn the_sku_of_an_epc_is_the_sku_of_its_decoded_gtin() {
        let cfg = store();
        let model = RfidModel::new(&cfg, &StoreModel::new(cfg.clone()).unwrap());
        let by_decoding = |epc: u128| {
            let gtin = decode_sgtin96(epc).ok()?.gtin;
            (gtin == GTIN).then_some(0)
        };
        // Every partition and filter of the product, and EPCs one bit away from them
        // (other products, bad headers, overflowing fields, bits above 96).
        let mut epcs = Vec::new();
        for prefix_len in 6..=12 {
            for filter in 0..=7 {
                let epc = encode_sgtin96(GTIN, prefix_len, 12345, filter).unwrap();
                epcs.push(epc);
                epcs.extend((0..100).map(|bit| epc ^ (1u128 << bit)));
            }
        }
        for epc in epcs {
            assert_eq!(model.sku_of(epc), by_decoding(epc), "{epc:#x}");
        }
    }

    #[test]
    fn missed_reads_are_not_departures_but_silence_is() {
        let cfg = store();
        let model = RfidModel::new(&cfg, &StoreModel::new(cfg.clone()).unwrap());
        let mut st = RfidState::default();
        // Tag 1 is read every 0.5 s with a few misses (gaps up to 1 s), until 10 s.
        let reads: Vec<RfidRead> = (0..21)
            .filter(|i| i % 3 != 1)
            .map(|i| read(i as f64 * 0.5, 1, 1))
            .collect();
        st.apply(&model, &reads, 1_500_000);
        st.sweep(&model, 11_000_000, 1_500_000);
        assert!(st.departures.is_empty(), "{:?}", st.departures);
        st.sweep(&model, 12_000_000, 1_500_000);
        assert_eq!(st.departures.len(), 1);
        assert_eq!(st.departures[0].t_us, 10_000_000);
        assert_eq!(
            st.departed_near(&model, &[0], 9_000_000, 12_000_000),
            vec![0]
        );
        assert!(st
            .departed_near(&model, &[1], 9_000_000, 12_000_000)
            .is_empty());
    }

    #[test]
    fn departures_do_not_depend_on_how_often_sweeps_run() {
        let cfg = store();
        let model = RfidModel::new(&cfg, &StoreModel::new(cfg.clone()).unwrap());
        // Read until 2 s, silent until 6 s (taken out, put back), read until 8 s.
        let reads: Vec<RfidRead> = [0.0, 1.0, 2.0, 6.0, 7.0, 8.0]
            .iter()
            .map(|&t| read(t, 1, 9))
            .collect();
        let mut once = RfidState::default();
        once.apply(&model, &reads, 1_500_000);
        once.sweep(&model, 20_000_000, 1_500_000);
        let mut often = RfidState::default();
        for chunk in reads.chunks(1) {
            often.apply(&model, chunk, 1_500_000);
            often.sweep(&model, chunk[0].t_us + 1_000_000, 1_500_000);
        }
        often.sweep(&model, 4_000_000, 1_500_000);
        often.sweep(&model, 20_000_000, 1_500_000);
        let times = |s: &RfidState| {
            let mut t: Vec<i64> = s.departures.iter().map(|d| d.t_us).collect();
            t.sort_unstable();
            t
        };
        assert_eq!(times(&once), vec![2_000_000, 8_000_000]);
        assert_eq!(times(&often), times(&once));
    }

    #[test]
    fn departures_stay_in_time_order_wherever_they_land() {
        let mut st = RfidState::default();
        // Near the back, far from it (past the back scan), and at equal times.
        let times: Vec<i64> = (0..300)
            .map(|i| (i * 37 % 101) * if i % 50 == 0 { 1 } else { 1000 })
            .collect();
        for (i, &t) in times.iter().enumerate() {
            st.push_departure(Departure {
                t_us: t,
                epc: i as u128,
                sku: 0,
                antenna: 0,
            });
        }
        let got: Vec<i64> = st.departures.iter().map(|d| d.t_us).collect();
        let mut want = times.clone();
        want.sort_unstable();
        assert_eq!(got, want);
        // Ties keep the order they were found in.
        for w in st.departures.iter().collect::<Vec<_>>().windows(2) {
            assert!(w[0].t_us < w[1].t_us || w[0].epc < w[1].epc);
        }
    }

    #[test]
    fn exit_tags_count_distinct_epcs() {
        let cfg = store();
        let model = RfidModel::new(&cfg, &StoreModel::new(cfg.clone()).unwrap());
        let mut st = RfidState::default();
        let reads = [
            read(30.0, 2, 1),
            read(30.2, 2, 1),
            read(30.4, 2, 2),
            read(50.0, 2, 3),
        ];
        st.apply(&model, &reads, 1_500_000);
        assert_eq!(st.exit_tags(29_000_000, 31_000_000).get(&0), Some(&2));
    }
}
