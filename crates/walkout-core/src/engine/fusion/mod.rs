//! The fusion stage: weight changes become interactions, interactions are associated
//! with shoppers and applied to carts and inventory, gate passages bind and close
//! tracks, and exits turn carts into receipts. Everything here runs in event-time order.

use super::buffer::GateEvent;
use super::Engine;
use crate::shelf::hypothesis::{hypotheses, Expectation};
use crate::shelf::merge::group_changes;
use crate::shelf::weight::WeightChange;
use crate::store::{PlateIdx, SkuIdx};
use serde::{Deserialize, Serialize};

mod frames;
mod gates;
mod shelf;

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
/// An interaction whose best shopper is less likely than this is still applied, but its
/// low confidence puts the line up for review.
pub(super) const SECOND_SHOPPER_MIN_P: f64 = 0.1;

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
}
