//! Gate passages bind account tokens at the entry and close tracks at the exit; exits
//! turn carts into receipts, reconciled with the tags the exit antenna read.

use super::super::buffer::GateEvent;
use super::super::events::{GatePassage, InteractionKind};
use super::super::Engine;
use super::{Item, Queued};
use crate::cart::{Cart, Receipt};
use crate::config::GateKind;
use crate::input::GateEventKind;
use crate::store::SkuIdx;
use std::collections::BTreeMap;

/// Walking speed that turns time away from a gate event into distance from the gate.
const GATE_WALK_SPEED_M_S: f64 = 1.2;
/// A track farther than this beyond a gate's radius has been inside the store.
const INSIDE_MARGIN_M: f64 = 1.5;
/// Passages of one gate this close after another are bound together.
const JOINT_PASSAGES_US: i64 = 5_000_000;
/// A gate passage looks for its shopper from this long before the event.
const GATE_LOOKBACK_US: i64 = 1_000_000;
/// Confidence of a unit known only from exit-antenna reads.
const RFID_EXIT_CONFIDENCE: f64 = 0.9;
/// Confidence kept by a tagged cart line whose tags were not all read at the exit.
const RFID_MISS_FACTOR: f64 = 0.9;
/// Exit-antenna reads this close to a shopper's exit passage are what they carry.
const EXIT_READ_WINDOW_US: i64 = 2_000_000;
/// A receipt waits at least this long after the exit passage: the read window, and
/// another passage as far beyond it that could claim the same reads.
pub(in crate::engine) const RECEIPT_AFTER_EXIT_US: i64 = 2 * EXIT_READ_WINDOW_US + 500_000;

impl Engine {
    pub(super) fn apply_gate(&mut self, g: GateEvent) {
        let Some(gate) = self.store.gate(g.gate_id).cloned() else {
            return;
        };
        let best = self.passing_track(&g, &gate);
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
                            self.assoc_cache.exited(g.t_us);
                            // Not before every exit read of the pass is in, and every
                            // other passage those reads could belong to.
                            let key = g.t_us
                                + super::super::us(self.params.receipt_delay_s)
                                    .max(RECEIPT_AFTER_EXIT_US);
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

    /// The track that passed the gate at `g`: the nearest in space and time.
    ///
    /// At an exit, people leave one after another, and each leaving shopper's track is
    /// long established: there the passages of this gate still queued, up to
    /// [`JOINT_PASSAGES_US`] later, take their tracks jointly (the least total
    /// space-time distance, each within the gate's radius), and `g` gets its part. So a
    /// passage never closes the track that is the next one's when it has one of its
    /// own; closed, that shopper would leave without a receipt and theirs go to nobody.
    /// Only `g`'s binding is kept: the later ones are decided again, with more data,
    /// when their turn comes. At an entry the next people's tracks may not be born yet
    /// when a passage is decided (a track starts when its body is seen at the gate), so
    /// a joint binding there would hand a later passage the track of the shopper still
    /// standing at the gate; an entry takes its nearest track.
    fn passing_track(&self, g: &GateEvent, gate: &crate::store::GateModel) -> Option<u32> {
        let mut passages = vec![g];
        passages.extend(self.queue.iter().filter_map(|q| match &q.item {
            Item::Gate(o)
                if g.kind == GateEventKind::Exit
                    && o.gate_id == g.gate_id
                    && o.kind == g.kind
                    && o.t_us >= g.t_us
                    && o.t_us <= g.t_us + JOINT_PASSAGES_US =>
            {
                Some(o)
            }
            _ => None,
        }));
        let options: Vec<Vec<(u32, f64)>> = passages
            .iter()
            .map(|p| self.gate_candidates(p, gate))
            .collect();
        let mut ids: Vec<u32> = options.iter().flatten().map(|&(id, _)| id).collect();
        ids.sort_unstable();
        ids.dedup();
        if options.len() == 1 || ids.len() <= 1 {
            return options[0]
                .iter()
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|&(id, _)| id);
        }
        let cost: Vec<Vec<f64>> = options
            .iter()
            .map(|row| {
                let mut r = vec![f64::INFINITY; ids.len()];
                for &(id, c) in row {
                    if let Ok(k) = ids.binary_search(&id) {
                        r[k] = c;
                    }
                }
                r
            })
            .collect();
        // A passage whose best track is farther than the gate's radius stays unbound in
        // the joint binding (its body may not be tracked yet)...
        let assigned = crate::track::assign::assign(&cost, ids.len(), gate.radius_m);
        if let Some(k) = assigned.first().copied().flatten() {
            return Some(ids[k]);
        }
        // ...and then `g` takes its nearest track that no later passage took, or else
        // its nearest.
        let taken: Vec<u32> = assigned.iter().flatten().map(|&k| ids[k]).collect();
        let nearest = |free: bool| {
            options[0]
                .iter()
                .filter(|(id, _)| !free || !taken.contains(id))
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|&(id, _)| id)
        };
        nearest(true).or_else(|| nearest(false))
    }

    /// The open tracks that could have made passage `p`, each with its space-time
    /// distance from the gate at that moment (metres).
    fn gate_candidates(&self, p: &GateEvent, gate: &crate::store::GateModel) -> Vec<(u32, f64)> {
        let (t0, t1) = match p.kind {
            GateEventKind::Enter => (p.t_us - GATE_LOOKBACK_US, p.t_us + self.fusion_delay_us),
            GateEventKind::Exit => (p.t_us - self.fusion_delay_us, p.t_us + GATE_LOOKBACK_US),
        };
        let entering = p.kind == GateEventKind::Enter;
        self.tracks
            .iter()
            .filter(|t| t.is_open())
            .filter(|t| !entering || t.entered_us.is_none())
            // Somebody checking in comes from outside: a track that has already been
            // inside the store, away from the gate, is a shopper who entered before.
            .filter(|t| {
                !entering || !t.went_beyond(gate.position, t0, gate.radius_m + INSIDE_MARGIN_M)
            })
            // The nearest position in space and time must be within the gate's radius,
            // so a track never that near in the window is out, told cheaply.
            .filter(|t| t.came_within(gate.position, (t0, t1), gate.radius_m))
            .filter_map(|t| {
                t.space_time_distance(gate.position, p.t_us, (t0, t1), GATE_WALK_SPEED_M_S)
                    .filter(|&(_, d)| d <= gate.radius_m)
                    .map(|(cost, _)| (t.id, cost))
            })
            .collect()
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
        // The exit antenna reads a tag over the whole pass of the shopper carrying it;
        // the pass ends at that shopper's gate passage. So a tag belongs to the exit
        // passage closest to its last read, not to whichever was closest to any read.
        let mut last_read: BTreeMap<u128, (i64, SkuIdx)> = BTreeMap::new();
        for r in self.rfid.exit_reads_between(t0, t1) {
            let e = last_read.entry(r.epc).or_insert((r.t_us, r.sku));
            e.0 = e.0.max(r.t_us);
        }
        let mut tags: BTreeMap<u128, SkuIdx> = BTreeMap::new();
        for (&epc, &(t, sku)) in &last_read {
            let closest = exits
                .iter()
                .min_by_key(|(te, id)| ((te - t).abs(), *id))
                .map(|e| e.1);
            // A tag that left a shelf in another shopper's hands is theirs, however
            // close in time the two passed the exit.
            let someone_elses = self.carts.values().any(|c| c.has_tag(epc));
            if closest == Some(cart.track_id) && !someone_elses {
                tags.insert(epc, sku);
            }
        }
        let mut read: BTreeMap<SkuIdx, u32> = BTreeMap::new();
        for &sku in tags.values() {
            *read.entry(sku).or_insert(0) += 1;
        }
        for (&sku, &n) in &read {
            let have = cart.quantity(sku);
            // Units another shopper leaving at the same time already carries explain
            // the reads as well as a pick the weights missed would: charge nobody twice.
            if n > have && !self.carried_by_another_leaving(cart.track_id, sku, exit_us) {
                cart.add(sku, n - have, RFID_EXIT_CONFIDENCE, None);
            }
        }
        for (&epc, &sku) in &tags {
            cart.attach_tags(sku, [epc]);
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

    /// Whether a shopper other than `track_id` who passed the exit within the read
    /// window of `exit_us` has `sku` in their cart (or on their receipt).
    fn carried_by_another_leaving(&self, track_id: u32, sku: SkuIdx, exit_us: i64) -> bool {
        let near = |t: i64| (t - exit_us).abs() <= 2 * EXIT_READ_WINDOW_US;
        let product = &self.store.product(sku).sku;
        let in_cart = self.gate_log.iter().any(|g| {
            g.kind == GateEventKind::Exit
                && near(g.t_us)
                && g.track_id.is_some_and(|id| {
                    id != track_id && self.carts.get(&id).is_some_and(|c| c.quantity(sku) > 0)
                })
        });
        let on_receipt = self.receipts.iter().rev().any(|r| {
            r.track_id != track_id && near(r.exit_us) && r.lines.iter().any(|l| &l.sku == product)
        });
        in_cart || on_receipt
    }

    pub(super) fn issue_receipt(&mut self, track_id: u32) {
        self.settle_holds_of(track_id);
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
        let entered_us = track.entered_us.unwrap_or(track.first_us);
        let mut receipt = Receipt::from_cart(
            &self.store,
            &cart,
            token,
            exit_us,
            self.params.review_confidence,
        );
        // Something left a shelf while this shopper was in the store and nobody could
        // be given it: it may be theirs, so a person looks before the charge stands.
        let unassigned_pick = self.shelf_events.iter().any(|e| {
            e.kind == InteractionKind::Pick
                && e.assigned_to.is_none()
                && e.t_end_us >= entered_us
                && e.t_start_us <= exit_us
        });
        receipt.needs_review |= unassigned_pick;
        self.receipts.push(receipt);
    }
}
