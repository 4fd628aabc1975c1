//! RFID: the readers' antennas inventory the tags in their zones round after round.
//!
//! A tag is wherever its unit is: on a plate, in a shopper's hand or basket (moving with
//! the shopper), or gone (carried out of the store). Each round an antenna reads a tag
//! inside its zone with a probability that falls with the distance from the zone's
//! centre, and now and then a tag just outside the zone (a cross-read from the next
//! shelf, or from a basket passing by). The exit antenna reads what shoppers carry
//! through the exit gate. Read times are the round's time; each antenna draws from its
//! own random stream.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use walkout_core::config::{AntennaKind, Vec3};
use walkout_core::input::RfidReadBatch;

use crate::faults::FaultPlan;
use crate::motion::{Cursor, Motion};
use crate::schedule::Schedule;
use crate::stock::{Tag, NO_TAG};
use crate::store::Store;
use crate::truth::ActionKind;
use crate::world::ActionRecord;

/// Inventory rounds: shelf antennas once a second, the exit antenna four times.
const SHELF_ROUND_S: f64 = 1.0;
const EXIT_ROUND_S: f64 = 0.25;
/// Read probability at a zone's centre (shelf, exit); it falls off as a Gaussian over
/// `FALLOFF` half-diagonals of the zone.
const SHELF_READ_P: f64 = 0.9;
const EXIT_READ_P: f64 = 0.95;
const FALLOFF: f64 = 1.5;
/// Tags farther than this outside a zone are never read by it; inside this range,
/// cross-reads fall off over `CROSS_FALLOFF_M`.
const CROSS_RANGE_M: f64 = 0.6;
const CROSS_FALLOFF_M: f64 = 0.3;
/// A carried unit rides at basket height.
const BASKET_Z_M: f64 = 0.9;
/// RSSI at 0.3 m and its spread, dBm.
const RSSI_AT_REF_DBM: f64 = -38.0;
const RSSI_REF_M: f64 = 0.3;
const RSSI_SD_DB: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Plate(usize),
    Shopper(usize),
    Gone,
}

/// A tag changes place at `t_us`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagMove {
    t_us: i64,
    tag: u32,
    to: Place,
}

/// The moves of every tag, in time order, from the actions and the exits.
pub(crate) fn tag_moves(
    actions: &[ActionRecord],
    exits: &[(usize, i64, Vec<u32>)],
) -> Vec<TagMove> {
    let mut moves = Vec::new();
    for a in actions {
        let t_us = (a.truth.t_start_us + a.truth.t_end_us) / 2;
        let to = match (a.truth.kind, a.plate) {
            (ActionKind::Pick, _) => Place::Shopper(a.truth.shopper as usize),
            (ActionKind::PutBack, Some(p)) => Place::Plate(p),
            (ActionKind::HandOver, _) => match a.truth.receiver {
                Some(r) => Place::Shopper(r as usize),
                None => continue,
            },
            (ActionKind::PutBack, None) => continue,
        };
        moves.extend(
            a.tags
                .iter()
                .filter(|&&tag| tag != NO_TAG)
                .map(|&tag| TagMove { t_us, tag, to }),
        );
    }
    for (_, t_us, tags) in exits {
        moves.extend(tags.iter().map(|&tag| TagMove {
            t_us: *t_us,
            tag,
            to: Place::Gone,
        }));
    }
    moves.sort_by_key(|m| (m.t_us, m.tag));
    moves
}

struct AntennaState {
    rng: ChaCha8Rng,
    /// Plates whose tags this antenna can ever read.
    plates: Vec<usize>,
}

pub(crate) struct RfidGen {
    antennas: Vec<AntennaState>,
    schedule: Schedule,
    moves: Vec<TagMove>,
    move_i: usize,
    place: Vec<Place>,
    /// Tags on each plate, and carried by each shopper.
    on_plate: Vec<Vec<u32>>,
    carried: Vec<Vec<u32>>,
    /// Shoppers carrying tags now, ascending (most carry none).
    carriers: Vec<usize>,
    cursors: Vec<Cursor>,
    /// Where each tag sits on its plate, relative to the plate's centre.
    offsets: Vec<Vec3>,
}

/// A fixed spot inside the plate for a tag, from its index (no random stream needed).
fn offset_of(tag: usize) -> Vec3 {
    let h = (tag as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let unit = |shift: u32| ((h >> shift) & 0xFFFF) as f64 / 65535.0 - 0.5;
    [0.2 * unit(0), 0.2 * unit(16), 0.1 * unit(32)]
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

impl RfidGen {
    pub fn new(
        store: &Store,
        tags: &[Tag],
        moves: Vec<TagMove>,
        n_shoppers: usize,
        start_us: i64,
        seed: u64,
    ) -> Self {
        let mut schedule = Schedule::default();
        let antennas = store
            .antennas
            .iter()
            .map(|a| {
                let period_us = 1e6
                    * match a.kind {
                        AntennaKind::Shelf => SHELF_ROUND_S,
                        AntennaKind::Exit => EXIT_ROUND_S,
                    };
                let rng = schedule.add(start_us, period_us, seed);
                let plates = store
                    .plates
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| a.distance_to_zone(p.centre()) <= CROSS_RANGE_M)
                    .map(|(pi, _)| pi)
                    .collect();
                AntennaState { rng, plates }
            })
            .collect();
        let mut on_plate = vec![Vec::new(); store.plates.len()];
        for (i, t) in tags.iter().enumerate() {
            on_plate[t.home_plate].push(i as u32);
        }
        Self {
            antennas,
            schedule,
            moves,
            move_i: 0,
            place: tags.iter().map(|t| Place::Plate(t.home_plate)).collect(),
            on_plate,
            carried: vec![Vec::new(); n_shoppers],
            carriers: Vec::new(),
            cursors: vec![Cursor::default(); n_shoppers],
            offsets: (0..tags.len()).map(offset_of).collect(),
        }
    }

    fn apply_moves(&mut self, t: i64) {
        while let Some(m) = self.moves.get(self.move_i).copied() {
            if m.t_us > t {
                break;
            }
            self.move_i += 1;
            let tag = m.tag as usize;
            let list = match self.place.get(tag) {
                Some(Place::Plate(p)) => self.on_plate.get_mut(*p),
                Some(Place::Shopper(s)) => self.carried.get_mut(*s),
                _ => None,
            };
            if let Some(list) = list {
                list.retain(|&x| x != m.tag);
            }
            if let Some(&Place::Shopper(s)) = self.place.get(tag) {
                if self.carried[s].is_empty() {
                    self.carriers.retain(|&c| c != s);
                }
            }
            match m.to {
                Place::Plate(p) => self.on_plate[p].push(m.tag),
                Place::Shopper(s) => {
                    if self.carried[s].is_empty() {
                        let at = self.carriers.partition_point(|&c| c < s);
                        self.carriers.insert(at, s);
                    }
                    self.carried[s].push(m.tag);
                }
                Place::Gone => {}
            }
            self.place[tag] = m.to;
        }
    }

    pub fn fill(
        &mut self,
        store: &Store,
        motions: &[Motion],
        tags: &[Tag],
        faults: &FaultPlan,
        t1: i64,
        out: &mut RfidReadBatch,
    ) {
        while let Some((t, ai)) = self.schedule.next_before(t1) {
            self.apply_moves(t);
            self.round(store, motions, tags, faults, ai, t, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn round(
        &mut self,
        store: &Store,
        motions: &[Motion],
        tags: &[Tag],
        faults: &FaultPlan,
        ai: usize,
        t: i64,
        out: &mut RfidReadBatch,
    ) {
        let ant = &store.antennas[ai];
        let centre = ant.centre();
        let scale = FALLOFF * ant.half_diagonal().max(0.05);
        let p_in = match ant.kind {
            AntennaKind::Shelf => SHELF_READ_P,
            AntennaKind::Exit => EXIT_READ_P,
        } * faults.rfid_read_factor;
        let st = &mut self.antennas[ai];
        let mut read = |tag: u32, p: Vec3, rng: &mut ChaCha8Rng| {
            let outside = ant.distance_to_zone(p);
            let d = ((p[0] - centre[0]).powi(2)
                + (p[1] - centre[1]).powi(2)
                + (p[2] - centre[2]).powi(2))
            .sqrt();
            let prob = if outside <= 0.0 {
                p_in * (-(d / scale).powi(2)).exp()
            } else if outside <= CROSS_RANGE_M {
                faults.cross_read_p * faults.rfid_read_factor * (-outside / CROSS_FALLOFF_M).exp()
            } else {
                0.0
            };
            if prob > 0.0 && rng.random_bool(prob.min(1.0)) {
                let rssi = RSSI_AT_REF_DBM - 20.0 * (d.max(0.05) / RSSI_REF_M).log10()
                    + RSSI_SD_DB * normal(rng);
                out.reader_id.push(ant.reader);
                out.antenna_id.push(ant.id);
                out.t_us.push(t);
                out.epc.push(tags[tag as usize].epc);
                out.rssi_dbm.push(rssi as f32);
            }
        };
        for &pi in &st.plates {
            let c = store.plates[pi].centre();
            for &tag in &self.on_plate[pi] {
                let o = self.offsets[tag as usize];
                read(tag, [c[0] + o[0], c[1] + o[1], c[2] + o[2]], &mut st.rng);
            }
        }
        for &s in &self.carriers {
            let carried = &self.carried[s];
            let m = &motions[s];
            if t < m.enter_us || t > m.exit_us {
                continue;
            }
            let pos = m.position(t, &mut self.cursors[s]);
            let p = [pos[0], pos[1], BASKET_Z_M];
            if ant.distance_to_zone(p) > CROSS_RANGE_M {
                continue;
            }
            for &tag in carried {
                read(tag, p, &mut st.rng);
            }
        }
    }
}
