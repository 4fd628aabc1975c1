//! The fusion stage: weight changes become interactions, interactions are associated
//! with shoppers and applied to carts and inventory, gate passages bind and close
//! tracks, and exits turn carts into receipts. Everything here runs in event-time order.

use super::buffer::GateEvent;
use super::{Engine, TrajectoryPoint};
use crate::config::GateKind;
use crate::input::GateEventKind;
use crate::shelf::hypothesis::{hypotheses, Expectation};
use crate::shelf::merge::group_changes;
use crate::shelf::weight::WeightChange;
use crate::store::{PlateIdx, SkuIdx};
use serde::{Deserialize, Serialize};

mod assoc_cache;
mod concurrent;
mod frames;
mod gates;
mod handover;
mod holds;
mod shelf;

pub(super) use assoc_cache::AssocCache;
pub(super) use gates::RECEIPT_AFTER_EXIT_US;
pub use handover::HandOver;
pub(super) use handover::WINDOW_STEP_US as HAND_OVER_WINDOW_STEP_US;
pub(super) use holds::HOLD_WAIT_US;

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
    Receipt {
        track_id: u32,
    },
    /// An open interaction ([`holds`]) that nothing joined by now.
    HoldExpiry {
        t_end_us: i64,
        plate: PlateIdx,
    },
    /// Sightings of one window, checked for hand-overs ([`handover`]).
    HandOverCheck {
        window: i64,
    },
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

/// A hand unseen at a plate for this long has left it.
const HAND_LINGER_US: i64 = 700_000;
/// One hand-in-the-shelf interaction lasts at most this long.
const MAX_EPISODE_US: i64 = 20_000_000;
/// History kept per track for association and gate binding.
const TRACK_RETAIN_US: i64 = 120_000_000;
/// An interaction whose best shopper is less likely than this is still applied, but its
/// low confidence puts the line up for review.
pub(super) const SECOND_SHOPPER_MIN_P: f64 = 0.1;

/// The middle of `[t0, t1]`: for a pick, the moment before which its unit is taken to
/// be still on the plate (for a put-back, already off the shopper's hand).
pub(super) fn middle_us(t0: i64, t1: i64) -> i64 {
    t0 + (t1 - t0) / 2
}

impl Engine {
    /// The other interactions in the queue by the time `it` is applied, whatever the
    /// step spacing: those due no later than it. One is queued at most
    /// `merge_window + detect_delay` after its key, and `it` is applied `fusion_delay`
    /// after its own.
    pub(super) fn queued_with<'a>(
        &'a self,
        it: &'a Interaction,
    ) -> impl Iterator<Item = &'a Interaction> + 'a {
        let due =
            it.t_end_us + self.fusion_delay_us - (self.merge_window_us + self.detect_delay_us);
        self.queue
            .iter()
            .filter(move |q| q.key <= due)
            .filter_map(move |q| match &q.item {
                Item::Interaction(j) if j != it => Some(j),
                _ => None,
            })
    }

    /// `track`'s shelf events whose likeliest product is `sku`, newest first, back to
    /// those ending at `since_us` (events are applied in time order).
    pub(super) fn own_events_with(
        &self,
        track: u32,
        sku: SkuIdx,
        since_us: i64,
    ) -> impl Iterator<Item = &super::events::ShelfEvent> {
        self.shelf_events
            .iter()
            .rev()
            .take_while(move |e| e.t_end_us >= since_us)
            .filter(move |e| {
                e.assigned_to == Some(track) && e.hypotheses.first().is_some_and(|h| h.sku == sku)
            })
    }

    /// Run the pipeline up to `until` (inclusive).
    pub(super) fn advance(&mut self, until: i64) {
        if self.processed_until.is_some_and(|p| until <= p) {
            return;
        }
        // The plates come one after another, not in time order. That changes no result:
        // `release_interactions` sorts the pending changes by (start, plate) before any
        // use, and one plate's come in their time order.
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
        let gates = self.buffer.drain_gates(until, &mut self.stats.gates);
        // The tracker learns of entry passages before the frames of the same moments.
        for g in gates.iter().filter(|g| g.kind == GateEventKind::Enter) {
            if let Some(gate) = self
                .store
                .gate(g.gate_id)
                .filter(|s| s.kind == GateKind::Entry)
            {
                self.tracker.note_entry(g.t_us, gate.position);
            }
        }
        self.track_detections(until);
        let reads = self.buffer.drain_rfid(until, &mut self.stats.rfid_reads);
        let absent = super::us(super::RFID_ABSENT_S);
        self.rfid.apply(&self.rfid_model, &reads, absent);
        self.rfid.sweep(&self.rfid_model, until, absent);
        self.rfid.prune(until.saturating_sub(TRACK_RETAIN_US));
        for g in gates {
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
                self.trajectory_log.push(TrajectoryPoint {
                    t_us,
                    track_id: id,
                    x: pos[0],
                    y: pos[1],
                });
            }
        }
    }

    /// The end of an unbroken run of hand observations at `plates` that reaches `from`
    /// (no gap longer than [`HAND_LINGER_US`]), looking no further than `until`; `None`
    /// when no hand was there at `from`.
    fn hand_run_end(&self, plates: &[PlateIdx], from: i64, until: i64) -> Option<i64> {
        let mut end = None;
        for t in self
            .tracks
            .hand_times_at(plates, from - HAND_LINGER_US, until)
        {
            let reach = end.unwrap_or(from);
            if t - reach > HAND_LINGER_US {
                break;
            }
            end = Some(reach.max(t));
        }
        end
    }

    /// Group pending weight changes whose groups can no longer grow and queue them. A
    /// group waits while a hand is still at its plates (the interaction is not over),
    /// up to [`MAX_EPISODE_US`].
    fn release_interactions(&mut self, until: i64) {
        if self.pending_changes.is_empty() {
            return;
        }
        self.pending_changes
            .sort_by_key(|c| (c.t_start_us, c.plate));
        let bridges = |a: &WeightChange, b: &WeightChange| {
            let (gap_from, gap_to) = (a.t_end_us.min(b.t_end_us), a.t_start_us.max(b.t_start_us));
            let span = a.t_end_us.max(b.t_end_us) - a.t_start_us.min(b.t_start_us);
            gap_to > gap_from
                && span <= MAX_EPISODE_US
                && self
                    .hand_run_end(&[a.plate, b.plate], gap_from, gap_to)
                    .is_some_and(|end| end + HAND_LINGER_US >= gap_to)
        };
        let groups = group_changes(
            &self.store,
            &self.pending_changes,
            self.merge_window_us,
            bridges,
        );
        let hold = self.merge_window_us + self.detect_delay_us;
        let mut released = vec![false; self.pending_changes.len()];
        for group in groups {
            let changes: Vec<WeightChange> =
                group.iter().map(|&i| self.pending_changes[i]).collect();
            let first_start = changes.iter().map(|c| c.t_start_us).min().unwrap_or(0);
            let last_end = changes.iter().map(|c| c.t_end_us).max().unwrap_or(0);
            let mut plates: Vec<PlateIdx> = changes.iter().map(|c| c.plate).collect();
            plates.sort_unstable();
            plates.dedup();
            // When the hand that did the last change is still in the shelf, more may
            // come; the group is ready once it has been gone a while.
            let episode_end = first_start.saturating_add(MAX_EPISODE_US);
            let hand_gone = self
                .hand_run_end(&plates, last_end, until)
                .map_or(i64::MIN, |end| end.min(episode_end) + HAND_LINGER_US);
            let ready = (last_end + hold).max(hand_gone);
            if ready > until {
                continue;
            }
            for &i in &group {
                released[i] = true;
            }
            for interaction in self.split_or_merge(&changes) {
                self.queue.push(Queued {
                    // Never before the group could be released, so the queue order
                    // does not depend on how `step` calls were spaced.
                    key: interaction.t_end_us.max(ready - hold),
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
        let mut plates: Vec<PlateIdx> = changes.iter().map(|c| c.plate).collect();
        plates.sort_unstable();
        plates.dedup();
        let merged = Interaction {
            plates: plates.clone(),
            t_start_us: changes.iter().map(|c| c.t_start_us).min().unwrap_or(0),
            t_end_us: changes.iter().map(|c| c.t_end_us).max().unwrap_or(0),
            delta_g: changes.iter().map(|c| c.delta_g()).sum(),
            delta_std_g: changes
                .iter()
                .map(|c| c.delta_std_g.powi(2))
                .sum::<f64>()
                .sqrt(),
        };
        // Two changes on one plate in a group: a hand stayed in the shelf between them.
        if plates.len() < changes.len() {
            return vec![merged];
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
        vec![merged]
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
        self.assoc_cache.begin_pass(until);
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
                Item::Interaction(it) => self.on_interaction(it),
                Item::HoldExpiry { t_end_us, plate } => self.expire_hold(t_end_us, plate),
                Item::HandOverCheck { window } => self.check_hand_overs(window),
                Item::Receipt { track_id } => self.issue_receipt(track_id),
            }
        }
    }
}
