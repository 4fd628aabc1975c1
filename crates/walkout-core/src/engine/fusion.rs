//! The fusion stage: weight changes become interactions, interactions are associated
//! with shoppers and applied to carts and inventory, gate passages bind and close
//! tracks, and exits turn carts into receipts. Everything here runs in event-time order.

use super::buffer::GateEvent;
use super::events::{GatePassage, InteractionKind, ShelfEvent};
use super::Engine;
use crate::assoc::{associate, ShopperScore};
use crate::cart::{Cart, Receipt};
use crate::config::GateKind;
use crate::input::GateEventKind;
use crate::shelf::hypothesis::{hypotheses, Expectation};
use crate::shelf::merge::group_changes;
use crate::shelf::weight::WeightChange;
use crate::store::{PlateIdx, SkuIdx};
use crate::track::hands::plates_at_hands;
use crate::track::measure::{
    blob_on_floor, person_on_floor, FloorMeasurement, PersonDetection, MIN_KEYPOINT_CONF,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One sensor frame: floor measurements with the wrist pixels of each, and the
/// products detected in the same image.
#[derive(Default)]
struct Frame {
    measurements: Vec<FloorMeasurement>,
    wrists_px: Vec<Vec<[f32; 2]>>,
    products: Vec<(SkuIdx, [f32; 4])>,
}

/// Wrist keypoints of a detection that were seen.
fn wrist_pixels(d: &PersonDetection) -> Vec<[f32; 2]> {
    [9usize, 10]
        .iter()
        .map(|&k| d.keypoints[k])
        .filter(|k| k[2] >= MIN_KEYPOINT_CONF)
        .map(|k| [k[0], k[1]])
        .collect()
}

/// A product this close (pixels) to a wrist is in that hand, however small its box.
const MIN_HOLD_PX: f32 = 60.0;

/// Log-prior bonus of a product that another sensor points at (about e^2.5 = 12x).
const EVIDENCE_BONUS: f64 = 2.5;
/// Weight of each sighting of the product in a shopper's hand (up to 3).
const SIGHTING_WEIGHT: f64 = 2.0;
/// Confidence of a unit known only from exit-antenna reads.
const RFID_EXIT_CONFIDENCE: f64 = 0.9;
/// Confidence kept by a tagged cart line whose tags were not all read at the exit.
const RFID_MISS_FACTOR: f64 = 0.9;
/// Exit-antenna reads this close to a shopper's exit passage are what they carry.
const EXIT_READ_WINDOW_US: i64 = 2_000_000;

/// Person detections scored below this are left out of tracking.
const MIN_PERSON_SCORE: f32 = 0.3;

/// A merged shelf interaction waiting for association.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Interaction {
    plates: Vec<PlateIdx>,
    t_start_us: i64,
    t_end_us: i64,
    delta_g: f64,
    delta_std_g: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum Item {
    Gate(GateEvent),
    Interaction(Interaction),
    Receipt { track_id: u32 },
}

/// An item in the fusion queue, released in `(key, rank, tiebreak)` order once the
/// processed time passes `key + fusion_delay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Queued {
    key: i64,
    rank: u8,
    tiebreak: u64,
    item: Item,
}

/// History kept per track for association and gate binding.
const TRACK_RETAIN_US: i64 = 120_000_000;
/// Walking speed that turns time away from a gate event into distance from the gate.
const GATE_WALK_SPEED_M_S: f64 = 1.2;
/// A gate passage looks for its shopper from this long before the event.
const GATE_LOOKBACK_US: i64 = 1_000_000;
/// An interaction whose best shopper is less likely than this is still applied, but its
/// low confidence puts the line up for review.
const SECOND_SHOPPER_MIN_P: f64 = 0.1;

impl Engine {
    /// Run the pipeline up to `until` (inclusive).
    pub(super) fn advance(&mut self, until: i64) {
        if self.processed_until.is_some_and(|p| until <= p) {
            return;
        }
        let (detectors, pending) = (&mut self.detectors, &mut self.pending_changes);
        self.buffer
            .drain_weights(until, &mut self.stats.weights, |plate, t, g| {
                if let Some(change) = detectors[plate].push(t, g) {
                    pending.push(change);
                }
            });
        for p in self
            .buffer
            .drain_positions(until, &mut self.stats.positions)
        {
            self.push_position(p.t_us, p.track_id, [p.x, p.y]);
        }
        self.track_detections(until);
        let reads = self.buffer.drain_rfid(until, &mut self.stats.rfid_reads);
        let absent = super::us(super::RFID_ABSENT_S);
        self.rfid.apply(&self.rfid_model, &reads, absent);
        self.rfid.sweep(&self.rfid_model, until, absent);
        self.rfid.prune(until.saturating_sub(TRACK_RETAIN_US));
        for g in self.buffer.drain_gates(until, &mut self.stats.gates) {
            let tiebreak = ((g.gate_id as u64) << 8) | g.kind as u64;
            self.queue.push(Queued {
                key: g.t_us,
                rank: 0,
                tiebreak,
                item: Item::Gate(g),
            });
        }
        self.release_interactions(until);
        self.process_queue(until);
        self.tracks.prune(until.saturating_sub(TRACK_RETAIN_US));
        self.processed_until = Some(until);
    }

    fn push_position(&mut self, t_us: i64, id: u32, pos: [f64; 2]) {
        self.tracks.push(t_us, id, pos);
        if self.trajectory_interval_us > 0 {
            let last = self.trajectory_last.get(&id).copied();
            if last.is_none_or(|l| t_us - l >= self.trajectory_interval_us) {
                self.trajectory_last.insert(id, t_us);
                self.trajectory_log.push((t_us, id, pos[0], pos[1]));
            }
        }
    }

    /// Feed camera and thermal frames to the tracker in time order; confirmed tracks'
    /// positions, hands and the products seen in their hands go to the track store.
    fn track_detections(&mut self, until: i64) {
        let persons = self
            .buffer
            .drain_persons(until, &mut self.stats.person_detections);
        let blobs = self
            .buffer
            .drain_thermal(until, &mut self.stats.thermal_blobs);
        let products = self
            .buffer
            .drain_products(until, &mut self.stats.product_detections);
        if persons.is_empty() && blobs.is_empty() {
            return;
        }
        let mut frames: BTreeMap<(i64, u8, u32), Frame> = BTreeMap::new();
        for d in &persons {
            if d.score < MIN_PERSON_SCORE {
                continue;
            }
            if let Some(m) = self
                .cameras
                .get(&d.camera_id)
                .and_then(|cam| person_on_floor(cam, d))
            {
                let f = frames.entry((d.t_us, 0, d.camera_id)).or_default();
                f.measurements.push(m);
                f.wrists_px.push(wrist_pixels(d));
            }
        }
        for b in &blobs {
            if let Some(m) = self
                .thermal_homographies
                .get(&b.camera_id)
                .and_then(|h| blob_on_floor(h, b))
            {
                let f = frames.entry((b.t_us, 1, b.camera_id)).or_default();
                f.measurements.push(m);
                f.wrists_px.push(Vec::new());
            }
        }
        for p in &products {
            if let (Some(f), Some(&sku)) = (
                frames.get_mut(&(p.t_us, 0, p.camera_id)),
                self.sku_by_class.get(&p.class_id),
            ) {
                f.products.push((sku, p.bbox));
            }
        }
        let reach = self.params.reach_m;
        for ((t, _, _), frame) in frames {
            let result = self.tracker.process_frame(t, &frame.measurements);
            for &(id, pos) in &result.updated {
                self.push_position(t, id, pos);
            }
            let confirmed = |id: u32| result.updated.iter().find(|u| u.0 == id).map(|u| u.1);
            for (m, id) in frame.measurements.iter().zip(&result.assignment) {
                let Some(body) = id.and_then(confirmed) else {
                    continue;
                };
                for plate in plates_at_hands(&self.store, body, &m.wrists, reach) {
                    self.tracks.push_hand(t, id.unwrap_or_default(), plate);
                }
            }
            // A product in view belongs to the confirmed track whose wrist is nearest to
            // it in the image, if any wrist is within the product's own size.
            for &(sku, b) in &frame.products {
                let centre = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
                let reach_px = ((b[2] - b[0]).hypot(b[3] - b[1])).max(MIN_HOLD_PX);
                let holder = frame
                    .wrists_px
                    .iter()
                    .zip(&result.assignment)
                    .filter_map(|(wrists, id)| {
                        let id = (*id).filter(|&i| confirmed(i).is_some())?;
                        wrists
                            .iter()
                            .map(|w| (w[0] - centre[0]).hypot(w[1] - centre[1]))
                            .filter(|&d| d <= reach_px)
                            .min_by(f32::total_cmp)
                            .map(|d| (d, id))
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                if let Some((_, id)) = holder {
                    self.tracks.push_sighting(t, id, sku);
                }
            }
        }
    }

    /// Group pending weight changes whose groups can no longer grow and queue them.
    fn release_interactions(&mut self, until: i64) {
        if self.pending_changes.is_empty() {
            return;
        }
        self.pending_changes
            .sort_by_key(|c| (c.t_start_us, c.plate));
        let groups = group_changes(&self.store, &self.pending_changes, self.merge_window_us);
        let hold = self.merge_window_us + self.detect_delay_us;
        let mut released = vec![false; self.pending_changes.len()];
        for group in groups {
            let last_end = group
                .iter()
                .map(|&i| self.pending_changes[i].t_end_us)
                .max()
                .unwrap_or(i64::MIN);
            if last_end.saturating_add(hold) > until {
                continue;
            }
            let changes: Vec<WeightChange> =
                group.iter().map(|&i| self.pending_changes[i]).collect();
            for &i in &group {
                released[i] = true;
            }
            for interaction in self.split_or_merge(&changes) {
                self.queue.push(Queued {
                    key: interaction.t_end_us,
                    rank: 1,
                    tiebreak: interaction.plates[0] as u64,
                    item: Item::Interaction(interaction),
                });
            }
        }
        let mut i = 0;
        self.pending_changes.retain(|_| {
            i += 1;
            !released[i - 1]
        });
    }

    /// Keep a group's changes apart when each is explained on its own (two shoppers at
    /// neighbouring plates); otherwise one item stood across plates: merge them.
    fn split_or_merge(&self, changes: &[WeightChange]) -> Vec<Interaction> {
        let single = |c: &WeightChange| Interaction {
            plates: vec![c.plate],
            t_start_us: c.t_start_us,
            t_end_us: c.t_end_us,
            delta_g: c.delta_g(),
            delta_std_g: c.delta_std_g,
        };
        if changes.len() == 1 {
            return vec![single(&changes[0])];
        }
        let explained = |c: &WeightChange| {
            let candidates: Vec<_> = self
                .plate_candidates(&[c.plate])
                .into_iter()
                .map(|(s, e)| (s, e, 0.0))
                .collect();
            let (_, unexplained) = hypotheses(
                &self.store,
                &candidates,
                c.delta_g().abs(),
                c.delta_std_g,
                self.params.max_quantity,
            );
            unexplained < 0.5
        };
        if changes.iter().all(explained) {
            return changes.iter().map(single).collect();
        }
        let mut plates: Vec<PlateIdx> = changes.iter().map(|c| c.plate).collect();
        plates.sort_unstable();
        plates.dedup();
        vec![Interaction {
            plates,
            t_start_us: changes.iter().map(|c| c.t_start_us).min().unwrap_or(0),
            t_end_us: changes.iter().map(|c| c.t_end_us).max().unwrap_or(0),
            delta_g: changes.iter().map(|c| c.delta_g()).sum(),
            delta_std_g: changes
                .iter()
                .map(|c| c.delta_std_g.powi(2))
                .sum::<f64>()
                .sqrt(),
        }]
    }

    /// Products expected on these plates: the planogram and what inventory learned.
    fn plate_candidates(&self, plates: &[PlateIdx]) -> Vec<(SkuIdx, Expectation)> {
        let mut expect = vec![Expectation::Elsewhere; self.store.products.len()];
        for &p in plates {
            for &(sku, _) in &self.store.planogram[p] {
                expect[sku as usize] = Expectation::OnPlate;
            }
            for (&sku, &count) in self.inventory.on_plate(p) {
                if count > 0 {
                    expect[sku as usize] = Expectation::OnPlate;
                }
            }
        }
        expect
            .into_iter()
            .enumerate()
            .map(|(i, e)| (i as SkuIdx, e))
            .collect()
    }

    /// Release ready items one at a time in `(key, rank, tiebreak)` order. Processing
    /// may queue new items (an exit queues its receipt); taking the earliest ready item
    /// each time puts those in their place in time, however far `until` jumped.
    fn process_queue(&mut self, until: i64) {
        let delay = self.fusion_delay_us;
        while let Some(i) = self
            .queue
            .iter()
            .enumerate()
            .filter(|(_, q)| q.key.saturating_add(delay) <= until)
            .min_by_key(|(_, q)| (q.key, q.rank, q.tiebreak))
            .map(|(i, _)| i)
        {
            match self.queue.swap_remove(i).item {
                Item::Gate(g) => self.apply_gate(g),
                Item::Interaction(it) => self.apply_interaction(it),
                Item::Receipt { track_id } => self.issue_receipt(track_id),
            }
        }
    }

    fn apply_gate(&mut self, g: GateEvent) {
        let Some(gate) = self.store.gate(g.gate_id).cloned() else {
            return;
        };
        let (t0, t1) = match g.kind {
            GateEventKind::Enter => (g.t_us - GATE_LOOKBACK_US, g.t_us + self.fusion_delay_us),
            GateEventKind::Exit => (g.t_us - self.fusion_delay_us, g.t_us + GATE_LOOKBACK_US),
        };
        let best = self
            .tracks
            .iter()
            .filter(|t| t.is_open())
            .filter(|t| g.kind == GateEventKind::Exit || t.entered_us.is_none())
            .filter_map(|t| {
                t.space_time_distance(gate.position, g.t_us, (t0, t1), GATE_WALK_SPEED_M_S)
                    .filter(|&(_, d)| d <= gate.radius_m)
                    .map(|(cost, _)| (cost, t.id))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, id)| id);
        // A passage at a gate of the wrong kind is still recorded; it binds nothing.
        let kind_ok = matches!(
            (g.kind, gate.kind),
            (GateEventKind::Enter, GateKind::Entry) | (GateEventKind::Exit, GateKind::Exit)
        );
        let track_id = best.filter(|_| kind_ok);
        match track_id {
            None => self.stats.unmatched_gate_events += 1,
            Some(id) => {
                if let Some(track) = self.tracks.get_mut(id) {
                    match g.kind {
                        GateEventKind::Enter => {
                            track.entered_us = Some(g.t_us);
                            track.token = g.token.clone();
                        }
                        GateEventKind::Exit => {
                            track.exited_us = Some(g.t_us);
                            let key = g.t_us + super::us(self.params.receipt_delay_s);
                            self.queue.push(Queued {
                                key,
                                rank: 2,
                                tiebreak: id as u64,
                                item: Item::Receipt { track_id: id },
                            });
                        }
                    }
                }
            }
        }
        self.gate_log.push(GatePassage {
            t_us: g.t_us,
            gate_id: g.gate_id,
            kind: g.kind,
            track_id,
            has_token: g.token.is_some(),
        });
    }

    fn apply_interaction(&mut self, it: Interaction) {
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
            it.t_end_us + super::EVIDENCE_AFTER_US,
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

    /// Tags read at the exit while this shopper passed are items they carry out: a
    /// tagged item the cart lacks is added (the weight path missed it or gave it to
    /// someone else); a tagged item in the cart without a read only loses a little
    /// confidence, since exit read rates are well below 100 %. Reads are credited to
    /// the exit passage closest in time, so two shoppers leaving together split them.
    fn reconcile_exit_tags(&self, cart: &mut Cart, exit_us: i64) {
        let exits: Vec<(i64, u32)> = self
            .gate_log
            .iter()
            .filter(|g| g.kind == GateEventKind::Exit)
            .filter_map(|g| Some((g.t_us, g.track_id?)))
            .collect();
        let (t0, t1) = (exit_us - EXIT_READ_WINDOW_US, exit_us + EXIT_READ_WINDOW_US);
        let mut tags: BTreeMap<u128, SkuIdx> = BTreeMap::new();
        for r in self
            .rfid
            .exit_reads
            .iter()
            .filter(|r| (t0..=t1).contains(&r.t_us))
        {
            let closest = exits
                .iter()
                .min_by_key(|(t, id)| ((t - r.t_us).abs(), *id))
                .map(|e| e.1);
            if closest == Some(cart.track_id) {
                tags.insert(r.epc, r.sku);
            }
        }
        let mut read: BTreeMap<SkuIdx, u32> = BTreeMap::new();
        for sku in tags.into_values() {
            *read.entry(sku).or_insert(0) += 1;
        }
        for (&sku, &n) in &read {
            let have = cart.quantity(sku);
            if n > have {
                cart.add(sku, n - have, RFID_EXIT_CONFIDENCE, None);
            }
        }
        let tagged: Vec<SkuIdx> = cart
            .lines
            .keys()
            .copied()
            .filter(|&s| self.store.config.products[s as usize].rfid)
            .collect();
        for sku in tagged {
            if read.get(&sku).copied().unwrap_or(0) < cart.quantity(sku) {
                if let Some(line) = cart.lines.get_mut(&sku) {
                    line.confidence *= RFID_MISS_FACTOR;
                }
            }
        }
    }

    fn issue_receipt(&mut self, track_id: u32) {
        let Some(track) = self.tracks.get(track_id) else {
            return;
        };
        let token = track.token.clone();
        let exit_us = track.exited_us.unwrap_or(track.last_us);
        let mut cart = self
            .carts
            .remove(&track_id)
            .unwrap_or_else(|| Cart::new(track_id));
        self.reconcile_exit_tags(&mut cart, exit_us);
        self.receipts.push(Receipt::from_cart(
            &self.store,
            &cart,
            token,
            exit_us,
            self.params.review_confidence,
        ));
    }
}
