//! The multi-camera shopper tracker: one Kalman track per shopper on the floor, fed by
//! every camera and thermal camera frame in time order.
//!
//! Per frame of one sensor, measurements are assigned to the predicted tracks by an
//! optimal gated assignment ([`super::assign`]) on the Mahalanobis distance plus
//! appearance terms ([`super::cues`]: head height, body warmth and breadth); one
//! camera sees a person at most once, so frames of different cameras are separate
//! assignment rounds and a person seen by four cameras simply gets four updates.
//!
//! Lifecycle, and why:
//! - New identities are born only near an entry gate: a shopper cannot appear in the
//!   middle of the store. They are confirmed after a few hits.
//! - A confirmed track coasts through short occlusions on its prediction, but never
//!   further than a shopper can walk since last seen (a Kalman covariance grows without
//!   bound while unseen, and would let a coasting track grab any stray detection).
//! - After `max_coast` unseen it is *lost*, not forgotten: detections that persist away
//!   from the entry start a candidate that, once it has enough hits, re-links to the lost
//!   (or long-coasting) track that could have walked there, taking its identity back.
//!   A candidate nobody could have become is dropped.
//! - A track last seen at an exit that stays unseen has left the store: it ends there,
//!   so it cannot live on by stealing detections of shoppers still inside.

use super::assign::{assign_in, Scratch as AssignScratch};
use super::cues::{Appearance, CueSpreads, CUE_COST_CAP};
use super::kalman::Kalman;
use super::measure::FloorMeasurement;
use super::summary::Summary;
use crate::config::Vec2;
use crate::store::beyond;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackerParams {
    pub confirm_hits: u32,
    /// Hits a candidate away from the entry needs before it may re-link.
    pub relink_hits: u32,
    /// A confirmed track without measurements for this long is lost.
    pub max_coast_us: i64,
    /// A tentative track not confirmed within this long is dropped.
    pub tentative_timeout_us: i64,
    /// A lost track can be found again for this long.
    pub lost_keep_us: i64,
    /// Births of new identities only within this distance of an entry gate.
    pub birth_radius_m: f64,
    /// A track last seen this close to an exit and unseen for `exit_gone_us` has left.
    pub exit_radius_m: f64,
    pub exit_gone_us: i64,
    /// Assignment gate on the squared Mahalanobis distance.
    pub gate_chi2: f64,
    /// Largest clock offset between sensors; widens measurement spreads accordingly.
    pub clock_skew_s: f64,
    pub accel_std: f64,
    /// Nobody in a store moves faster than this (m/s): the hard gate while unseen.
    pub max_speed_m_s: f64,
    /// Detections below this score update tracks but start none.
    pub min_birth_score: f32,
    /// Spreads of the appearance cues.
    pub cues: CueSpreads,
    /// First id handed out; keeps engine tracks apart from upstream tracker ids.
    pub first_id: u32,
}

impl Default for TrackerParams {
    fn default() -> Self {
        Self {
            confirm_hits: 3,
            relink_hits: 5,
            max_coast_us: 5_000_000,
            tentative_timeout_us: 1_500_000,
            lost_keep_us: 90_000_000,
            birth_radius_m: 2.5,
            exit_radius_m: 1.5,
            exit_gone_us: 1_000_000,
            gate_chi2: 13.8,
            clock_skew_s: 0.05,
            accel_std: 2.0,
            max_speed_m_s: 2.0,
            min_birth_score: 0.6,
            cues: CueSpreads::default(),
            first_id: 1 << 31,
        }
    }
}

/// Hard gate slack beyond the walking range: measurement error and body width.
const JUMP_SLACK_M: f64 = 0.6;
/// A candidate this close to a confirmed track is a second view of that shopper...
const SHADOW_RADIUS_M: f64 = 0.5;
/// ... unless their appearance differs by more than this (at the entry).
const SHADOW_UNLIKE_COST: f64 = 4.0;
/// After an entry passage, detections within this radius of the gate, for this long,
/// belong to a newcomer (tracks born this much before the passage are older shoppers).
const NEWCOMER_RADIUS_M: f64 = 0.35;
/// The check-in queue: people this close to the gate.
const QUEUE_RADIUS_M: f64 = 1.2;
const NEWCOMER_WINDOW_US: i64 = 1_000_000;
const NEWCOMER_BORN_SLACK_US: i64 = 300_000;
/// A confirmed track unseen this long may be re-linked like a lost one.
const RELINK_COAST_US: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackState {
    /// Not yet confirmed; `at_entry` when born near an entry gate (a new shopper),
    /// otherwise a candidate for re-linking a lost track.
    Tentative {
        at_entry: bool,
    },
    Confirmed,
    Lost,
}

/// What the passing of time does to a track ([`Tracker::fate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Keep,
    Drop,
    Lose,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterTrack {
    pub id: u32,
    pub state: TrackState,
    pub kf: Kalman,
    /// Time of the filter state.
    pub t_us: i64,
    pub born_us: i64,
    pub last_hit_us: i64,
    pub last_hit_pos: Vec2,
    pub hits: u32,
    pub appearance: Appearance,
}

impl Summary {
    /// How far this track can be from where it was last seen, at `t_us`.
    fn walk_range_m(&self, t_us: i64, speed: f64) -> f64 {
        JUMP_SLACK_M + speed * (t_us - self.last_hit_us).max(0) as f64 * 1e-6
    }
}

/// What one frame did: updated confirmed tracks with their new positions, and for each
/// measurement the track it went to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameResult {
    pub updated: Vec<(u32, Vec2)>,
    pub assignment: Vec<Option<u32>>,
}

/// Per-frame working vectors, kept between frames: a store's cameras send a thousand
/// frames a second, and each would otherwise allocate these anew. Not state: a frame
/// starts by clearing what it uses.
#[derive(Debug, Clone, Default)]
struct Scratch {
    active: Vec<usize>,
    /// Per candidate (`cand`), its prediction once computed.
    predicted: Vec<Option<Kalman>>,
    gate_in: Vec<(Vec2, f64, i64)>,
    cand: Vec<usize>,
    cost: Vec<f64>,
    reserved: Vec<Option<usize>>,
    merged: Vec<bool>,
    assign: AssignScratch,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tracker {
    params: TrackerParams,
    entries: Vec<Vec2>,
    exits: Vec<Vec2>,
    tracks: Vec<FilterTrack>,
    next_id: u32,
    /// Entry gate passages (time, gate position) of the last moments: someone new is at
    /// that gate then, whoever stood there before.
    #[serde(default)]
    passages: Vec<(i64, Vec2)>,
    /// One row per track, in the same order ([`super::summary`]); empty after a
    /// restore until the next frame rebuilds it.
    #[serde(skip)]
    summaries: Vec<Summary>,
    /// Some track has no hits left (a re-linked candidate, or one restored so) and is
    /// removed at the end of the frame.
    #[serde(skip)]
    spent: bool,
    #[serde(skip)]
    scratch: Scratch,
}

fn dist(a: Vec2, b: Vec2) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Two people this near a thermal blob may both be in it.
const MERGED_BLOB_REACH_M: f64 = 0.75;

/// Whether a thermal blob is two people's bodies seen as one: two tracks near it, the
/// blob nearer their midpoint than to either. Its centroid lies between them, so as a
/// measurement of either it would pull both towards each other until they swap; it
/// says only that somebody is there, which the tracks already know.
fn merged_blob(m: &FloorMeasurement, predicted: &[Vec2]) -> bool {
    if m.temperature_c.is_none() {
        return false;
    }
    // A leg as long as the reach puts a track out of it (a distance is never below
    // either leg): most tracks of the store, told without the square root.
    let near: Vec<(Vec2, f64)> = predicted
        .iter()
        .filter(|p| {
            (p[0] - m.pos[0]).abs() < MERGED_BLOB_REACH_M
                && (p[1] - m.pos[1]).abs() < MERGED_BLOB_REACH_M
        })
        .map(|&p| (p, dist(p, m.pos)))
        .filter(|&(_, d)| d < MERGED_BLOB_REACH_M)
        .collect();
    near.iter().enumerate().any(|(i, &(a, da))| {
        near[i + 1..].iter().any(|&(b, db)| {
            let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
            dist(mid, m.pos) < da.min(db)
        })
    })
}

/// Where a frame's measurements lie, and how far their spreads reach: a track last seen
/// well outside it cannot be any of them.
struct FrameExtent {
    lo: Vec2,
    hi: Vec2,
    /// The largest reach of a measurement's spread over the frame.
    reach: f64,
}

/// Margin of [`FrameExtent::beyond`], metres: far above rounding.
const EXTENT_SLACK_M: f64 = 1e-6;

impl FrameExtent {
    fn new(measurements: &[FloorMeasurement], reach: impl Fn(&FloorMeasurement) -> f64) -> Self {
        let mut out = Self {
            lo: [f64::INFINITY; 2],
            hi: [f64::NEG_INFINITY; 2],
            reach: 0.0,
        };
        for m in measurements {
            for k in 0..2 {
                out.lo[k] = out.lo[k].min(m.pos[k]);
                out.hi[k] = out.hi[k].max(m.pos[k]);
            }
            out.reach = out.reach.max(reach(m));
        }
        out
    }

    /// Whether `out_of_range(m.pos, pos, walk + reach(m))` holds for every measurement:
    /// `pos` is further than that along one axis (a distance is never below either
    /// leg). NaN anywhere answers no, and the caller measures.
    fn beyond(&self, pos: Vec2, walk: f64) -> bool {
        let r = walk + self.reach + EXTENT_SLACK_M;
        pos[0] < self.lo[0] - r
            || pos[0] > self.hi[0] + r
            || pos[1] < self.lo[1] - r
            || pos[1] > self.hi[1] + r
    }
}

/// The track's filter predicted to `t_us` (never backwards: a frame older than the
/// track's last update predicts to that update).
fn predicted(tr: &FilterTrack, t_us: i64) -> Kalman {
    tr.kf.predicted((t_us - tr.t_us).max(0) as f64 / 1e6)
}

/// `dist(a, b) > range`, mostly without the square root (same answer).
fn out_of_range(a: Vec2, b: Vec2, range: f64) -> bool {
    beyond(a[0] - b[0], a[1] - b[1], range)
}

impl Tracker {
    pub fn new(params: TrackerParams, entry_gates: Vec<Vec2>, exit_gates: Vec<Vec2>) -> Self {
        Self {
            params,
            entries: entry_gates,
            exits: exit_gates,
            tracks: Vec::new(),
            next_id: params.first_id,
            passages: Vec::new(),
            summaries: Vec::new(),
            spent: false,
            scratch: Scratch::default(),
        }
    }

    fn summary(&self, ti: usize) -> Summary {
        let tr = &self.tracks[ti];
        Summary::of(tr, self.near_exit(tr.last_hit_pos))
    }

    /// Every track's row anew (after a restore, or a change to many tracks).
    fn rebuild_summaries(&mut self) {
        self.summaries = (0..self.tracks.len()).map(|i| self.summary(i)).collect();
    }

    /// Whether the rows say what the tracks say (checked after every frame in tests).
    fn summaries_agree(&self) -> bool {
        self.summaries.len() == self.tracks.len()
            && (0..self.tracks.len()).all(|i| self.summaries[i] == self.summary(i))
    }

    /// An entry gate at `pos` reported a passage at `t_us`. Call before the frames from
    /// `t_us` on: for a moment, detections right at that gate are the newcomer's, not
    /// those of a shopper who was there already (a check-in queue: the one who scanned
    /// walks on as the next steps up to the same spot).
    pub fn note_entry(&mut self, t_us: i64, pos: Vec2) {
        self.passages.push((t_us, pos));
    }

    /// For each measurement of a frame at `t_us`: the passage it is reserved for, if
    /// any. A passage reserves the one measurement nearest its gate (within reach of
    /// it) for the newcomer; tracks born before the passage may not take it.
    fn newcomer_reservations(
        &self,
        t_us: i64,
        measurements: &[FloorMeasurement],
        out: &mut Vec<Option<usize>>,
    ) {
        out.clear();
        out.resize(measurements.len(), None);
        for (pi, &(tp, gate)) in self.passages.iter().enumerate() {
            if !(tp..=tp + NEWCOMER_WINDOW_US).contains(&t_us) {
                continue;
            }
            // Only when this view shows two people by the gate: the one nearest it is the
            // newcomer. A lone detection there may as well be the one walking on.
            let mut by_gate: Vec<(f64, usize)> = measurements
                .iter()
                .enumerate()
                .filter(|(mi, m)| out[*mi].is_none() && dist(gate, m.pos) <= QUEUE_RADIUS_M)
                .map(|(mi, m)| (dist(gate, m.pos), mi))
                .collect();
            by_gate.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if let [(d, mi), _, ..] = by_gate.as_slice() {
                if *d <= NEWCOMER_RADIUS_M {
                    out[*mi] = Some(pi);
                }
            }
        }
    }

    pub fn tracks(&self) -> &[FilterTrack] {
        &self.tracks
    }

    /// Drop what was learnt of every shopper's look (before a snapshot leaves the
    /// process without it).
    pub fn forget_embeddings(&mut self) {
        for t in &mut self.tracks {
            t.appearance.embedding = Default::default();
        }
    }

    fn near_entry(&self, pos: Vec2) -> bool {
        self.entries
            .iter()
            .any(|&e| dist(e, pos) <= self.params.birth_radius_m)
    }

    fn near_exit(&self, pos: Vec2) -> bool {
        self.exits
            .iter()
            .any(|&e| dist(e, pos) <= self.params.exit_radius_m)
    }

    /// What `expire` at `t_us` does to the track of row `s`: a tentative track not
    /// confirmed in time is dropped; a confirmed one last seen at an exit and unseen
    /// since has left (dropped), one unseen too long is lost; a lost one is forgotten
    /// in the end.
    fn fate(&self, s: &Summary, t_us: i64) -> Fate {
        let p = &self.params;
        let unseen = t_us - s.last_hit_us;
        match s.state {
            TrackState::Tentative { .. } if t_us - s.born_us > p.tentative_timeout_us => Fate::Drop,
            TrackState::Confirmed if unseen > p.exit_gone_us && s.near_exit => Fate::Drop,
            TrackState::Confirmed if unseen > p.max_coast_us => Fate::Lose,
            TrackState::Lost if unseen > p.lost_keep_us => Fate::Drop,
            _ => Fate::Keep,
        }
    }

    /// Apply each track's [`Self::fate`]. Most frames change none, told from the rows.
    fn expire(&mut self, t_us: i64) {
        if self
            .summaries
            .iter()
            .all(|s| self.fate(s, t_us) == Fate::Keep)
        {
            return;
        }
        let fates: Vec<Fate> = self.summaries.iter().map(|s| self.fate(s, t_us)).collect();
        let mut fate = fates.iter();
        self.tracks.retain_mut(|tr| match fate.next() {
            Some(Fate::Drop) => false,
            Some(Fate::Lose) => {
                tr.state = TrackState::Lost;
                true
            }
            _ => true,
        });
        self.rebuild_summaries();
    }

    /// Process all measurements of one sensor frame at `t_us`, step by step as SORT
    /// does: expire tracks, reserve a newcomer's detection, choose the candidate tracks,
    /// cost every pair, assign, update the assigned tracks, re-link candidates, and
    /// start tracks for what is left.
    pub fn process_frame(&mut self, t_us: i64, measurements: &[FloorMeasurement]) -> FrameResult {
        if self.summaries.len() != self.tracks.len() {
            // Restored: the rows are not part of a snapshot.
            self.rebuild_summaries();
            self.spent = self.tracks.iter().any(|t| t.hits == 0);
        }
        self.expire(t_us);
        self.passages
            .retain(|&(tp, _)| tp + NEWCOMER_WINDOW_US >= t_us);
        let mut s = std::mem::take(&mut self.scratch);
        self.newcomer_reservations(t_us, measurements, &mut s.reserved);
        self.choose_candidates(t_us, measurements, &mut s);
        self.mark_merged_blobs(t_us, measurements, &mut s);
        self.pair_costs(t_us, measurements, &mut s);
        // For each measurement, the candidate (index in `cand`) it went to.
        let gate = self.params.gate_chi2 + CUE_COST_CAP;
        let pairs = assign_in(
            &mut s.assign,
            &s.cost,
            measurements.len(),
            s.cand.len(),
            gate,
        );
        let mut result = FrameResult {
            updated: Vec::new(),
            assignment: vec![None; measurements.len()],
        };
        let relink_ready = self.update_assigned(t_us, measurements, &pairs, &mut s, &mut result);
        self.relink_ready(t_us, relink_ready, &pairs, &s, &mut result);
        self.births(
            t_us,
            measurements,
            &pairs,
            &s.reserved,
            &s.merged,
            &mut result,
        );
        if std::mem::take(&mut self.spent) {
            self.tracks.retain(|t| t.hits > 0);
            self.rebuild_summaries();
        }
        debug_assert!(self.summaries_agree(), "track rows out of step at {t_us}");
        self.scratch = s;
        result
    }

    /// A measurement's position spread with the cameras' clock skew (a shopper walks
    /// while clocks disagree).
    fn spread(&self, m: &FloorMeasurement) -> f64 {
        let skew_std = 1.5 * self.params.clock_skew_s;
        (m.std_m * m.std_m + skew_std * skew_std).sqrt()
    }

    /// The tracks not lost (`active`), and of those the ones some measurement may be
    /// (`cand`): the others are out of range of all of them (their cost columns would
    /// be all forbidden, and the assignment is the same without them). Told from the
    /// rows, with what the per-pair range check reads of each candidate (`gate_in`);
    /// no candidate's prediction computed yet (`predicted`).
    fn choose_candidates(&self, t_us: i64, measurements: &[FloorMeasurement], s: &mut Scratch) {
        let frame = FrameExtent::new(measurements, |m| 3.0 * self.spread(m));
        s.active.clear();
        s.cand.clear();
        s.gate_in.clear();
        for (i, row) in self.summaries.iter().enumerate() {
            if row.state == TrackState::Lost {
                continue;
            }
            let walk = row.walk_range_m(t_us, self.params.max_speed_m_s);
            if !frame.beyond(row.last_hit_pos, walk) {
                s.cand.push(s.active.len());
                s.gate_in.push((row.last_hit_pos, walk, row.born_us));
            }
            s.active.push(i);
        }
        // Predicted only for candidates, when a pair needs it.
        s.predicted.clear();
        s.predicted.resize(s.cand.len(), None);
    }

    /// Which measurements are merged thermal blobs ([`merged_blob`]). A thermal frame
    /// needs every active track's predicted position for it (few thermal cameras, so
    /// few such frames).
    fn mark_merged_blobs(&self, t_us: i64, measurements: &[FloorMeasurement], s: &mut Scratch) {
        s.merged.clear();
        if measurements.iter().any(|m| m.temperature_c.is_some()) {
            let centres: Vec<Vec2> = s
                .active
                .iter()
                .map(|&i| {
                    let tr = &self.tracks[i];
                    tr.kf
                        .predicted_position((t_us - tr.t_us).max(0) as f64 / 1e6)
                })
                .collect();
            s.merged
                .extend(measurements.iter().map(|m| merged_blob(m, &centres)));
        } else {
            s.merged.resize(measurements.len(), false);
        }
    }

    /// The cost of each (measurement, candidate) pair, row-major (a row per measurement,
    /// a column per candidate): Mahalanobis distance plus appearance, infinite outside
    /// the walking range or the gate, for a merged blob, or for a track older than the
    /// passage a reserved measurement is kept for.
    fn pair_costs(&self, t_us: i64, measurements: &[FloorMeasurement], s: &mut Scratch) {
        let p = &self.params;
        s.cost.clear();
        for ((m, reservation), &merged) in measurements.iter().zip(&s.reserved).zip(&s.merged) {
            if merged {
                s.cost.resize(s.cost.len() + s.cand.len(), f64::INFINITY);
                continue;
            }
            let m_spread = self.spread(m);
            for (c, &ai) in s.cand.iter().enumerate() {
                let (last_hit_pos, walk, born_us) = s.gate_in[c];
                let range = walk + 3.0 * m_spread;
                let older = reservation
                    .is_some_and(|pi| born_us < self.passages[pi].0 - NEWCOMER_BORN_SLACK_US);
                if older || out_of_range(m.pos, last_hit_pos, range) {
                    s.cost.push(f64::INFINITY);
                    continue;
                }
                let tr = &self.tracks[s.active[ai]];
                let k = s.predicted[c].get_or_insert_with(|| predicted(tr, t_us));
                let m2 = k.mahalanobis2(m.pos, m_spread);
                s.cost.push(if m2 > p.gate_chi2 {
                    f64::INFINITY
                } else {
                    m2 + tr.appearance.cost(m, p.cues)
                });
            }
        }
    }

    /// Update each assigned track with its measurement (and confirm it when it has
    /// enough hits at the entry); returns the candidates away from the entry now ready
    /// to re-link.
    fn update_assigned(
        &mut self,
        t_us: i64,
        measurements: &[FloorMeasurement],
        pairs: &[Option<usize>],
        s: &mut Scratch,
        result: &mut FrameResult,
    ) -> Vec<usize> {
        let p = self.params;
        let mut relink_ready = Vec::new();
        for (mi, c) in pairs.iter().enumerate() {
            let Some(c) = *c else { continue };
            let m = &measurements[mi];
            let ti = s.active[s.cand[c]];
            // Assigned pairs are inside the gate, so their prediction exists already.
            let kf = s.predicted[c]
                .take()
                .unwrap_or_else(|| predicted(&self.tracks[ti], t_us));
            let spread = self.spread(m);
            let tr = &mut self.tracks[ti];
            tr.kf = kf;
            tr.kf.update(m.pos, spread);
            tr.t_us = tr.t_us.max(t_us);
            tr.last_hit_us = t_us;
            tr.last_hit_pos = m.pos;
            tr.hits += 1;
            tr.appearance.learn(m, p.cues);
            match tr.state {
                TrackState::Tentative { at_entry: true } if tr.hits >= p.confirm_hits => {
                    tr.state = TrackState::Confirmed;
                }
                TrackState::Tentative { at_entry: false } if tr.hits >= p.relink_hits => {
                    relink_ready.push(ti);
                }
                _ => {}
            }
            result.assignment[mi] = Some(tr.id);
            self.summaries[ti] = self.summary(ti);
        }
        relink_ready
    }

    /// Re-link the candidates ready for it ([`Self::relink`]), report the confirmed
    /// tracks this frame updated, and let the measurements that went to a re-linked
    /// candidate report the identity it took.
    fn relink_ready(
        &mut self,
        t_us: i64,
        ready: Vec<usize>,
        pairs: &[Option<usize>],
        s: &Scratch,
        result: &mut FrameResult,
    ) {
        let relinked: Vec<(usize, Option<u32>)> = ready
            .into_iter()
            .map(|ti| (ti, self.relink(ti, t_us)))
            .collect();
        for (ti, row) in self.summaries.iter().enumerate() {
            if row.state == TrackState::Confirmed && row.last_hit_us == t_us {
                let tr = &self.tracks[ti];
                result.updated.push((tr.id, tr.kf.position()));
            }
        }
        let track_of = |c: usize| s.active[s.cand[c]];
        for (mi, c) in pairs.iter().enumerate() {
            if let Some(&(_, id)) = c.and_then(|c| relinked.iter().find(|r| r.0 == track_of(c))) {
                result.assignment[mi] = id;
            }
        }
    }

    /// A candidate away from the entry with enough hits takes the identity of the lost
    /// (or long unseen) track that could have walked to where it is; with none, it is
    /// nobody and is dropped.
    fn relink(&mut self, ti: usize, t_us: i64) -> Option<u32> {
        let p = self.params;
        let cand = self.tracks[ti].clone();
        let best = self
            .tracks
            .iter()
            .enumerate()
            .filter(|&(i, tr)| {
                i != ti
                    && (tr.state == TrackState::Lost
                        || (tr.state == TrackState::Confirmed
                            && t_us - tr.last_hit_us > RELINK_COAST_US))
            })
            .filter_map(|(i, tr)| {
                let d = dist(tr.last_hit_pos, cand.last_hit_pos);
                let range = JUMP_SLACK_M
                    + p.max_speed_m_s * (cand.born_us - tr.last_hit_us).max(0) as f64 * 1e-6;
                let unlike = tr.appearance.cost_to(&cand.appearance, p.cues);
                (d <= range).then_some((d + 0.3 * unlike, i))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        match best {
            Some((_, li)) => {
                let lost = &mut self.tracks[li];
                lost.state = TrackState::Confirmed;
                lost.kf = cand.kf;
                lost.t_us = cand.t_us;
                lost.last_hit_us = cand.last_hit_us;
                lost.last_hit_pos = cand.last_hit_pos;
                lost.hits += cand.hits;
                lost.appearance.complete_from(&cand.appearance);
                let id = lost.id;
                self.summaries[li] = self.summary(li);
                // Removed at the end of the frame.
                self.tracks[ti].hits = 0;
                self.spent = true;
                Some(id)
            }
            None => {
                self.tracks[ti].hits = 0;
                self.spent = true;
                None
            }
        }
    }

    /// Unassigned confident measurements start tentative tracks: new shoppers at the
    /// entry, re-link candidates elsewhere (unless a confirmed shopper stands there).
    fn births(
        &mut self,
        t_us: i64,
        measurements: &[FloorMeasurement],
        pairs: &[Option<usize>],
        reserved: &[Option<usize>],
        merged: &[bool],
        result: &mut FrameResult,
    ) {
        let p = self.params;
        for (mi, m) in measurements.iter().enumerate() {
            if pairs[mi].is_some() || merged[mi] || m.score < p.min_birth_score {
                continue;
            }
            let at_entry = self.near_entry(m.pos);
            // A detection right next to a confirmed shopper who looks the same is a stray
            // view of them, not somebody new (at the entry too: one who looks different
            // may be the next shopper in the queue).
            let shadow = self.tracks.iter().zip(&self.summaries).any(|(t, s)| {
                s.state == TrackState::Confirmed
                    && dist(t.kf.position(), m.pos) < SHADOW_RADIUS_M
                    && (!at_entry || t.appearance.cost(m, p.cues) < SHADOW_UNLIKE_COST)
                    && reserved[mi].is_none()
            });
            if shadow {
                continue;
            }
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1).max(p.first_id);
            let mut track = FilterTrack {
                id,
                state: TrackState::Tentative { at_entry },
                kf: Kalman::new(m.pos, m.std_m.max(0.1), p.accel_std),
                t_us,
                born_us: t_us,
                last_hit_us: t_us,
                last_hit_pos: m.pos,
                hits: 1,
                appearance: Appearance::default(),
            };
            track.appearance.learn(m, p.cues);
            self.tracks.push(track);
            self.summaries.push(self.summary(self.tracks.len() - 1));
            result.assignment[mi] = Some(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meas(t_us: i64, x: f64, y: f64) -> FloorMeasurement {
        FloorMeasurement {
            t_us,
            pos: [x, y],
            std_m: 0.1,
            score: 0.9,
            head_height_m: None,
            temperature_c: None,
            top_area_m2: None,
            embedding: None,
        }
    }

    const DT: i64 = 66_667;

    #[test]
    fn two_shoppers_crossing_keep_their_identities() {
        // Entries at both ends; A walks +x along y = 1.0, B walks -x along y = 1.5; they
        // pass each other at x = 3, half a metre apart.
        let mut tr = Tracker::new(
            TrackerParams::default(),
            vec![[0.0, 1.0], [6.5, 1.5]],
            vec![],
        );
        let (mut id_a, mut id_b) = (None, None);
        for i in 0..100 {
            let t = i * DT;
            let s = i as f64 / 15.0;
            let ms = [meas(t, 0.5 + 0.9 * s, 1.0), meas(t, 6.0 - 0.9 * s, 1.5)];
            let r = tr.process_frame(t, &ms);
            if i == 5 {
                (id_a, id_b) = (r.assignment[0], r.assignment[1]);
                assert!(id_a.is_some() && id_b.is_some() && id_a != id_b);
            }
            if i > 5 {
                assert_eq!(
                    (r.assignment[0], r.assignment[1]),
                    (id_a, id_b),
                    "frame {i}"
                );
            }
        }
    }

    #[test]
    fn a_thermal_blob_of_two_close_shoppers_moves_neither() {
        // Two shoppers stand half a metre apart at one plate; the cameras see each, the
        // thermal camera one blob between them. The blob updates nobody and starts
        // nobody, and the two keep their places and identities.
        let mut tr = Tracker::new(TrackerParams::default(), vec![[3.6, 3.85]], vec![]);
        let blob = |t: i64| FloorMeasurement {
            temperature_c: Some(31.5),
            top_area_m2: Some(0.5),
            std_m: 0.2,
            score: 1.0,
            ..meas(t, 3.6, 3.86)
        };
        let mut ids = None;
        for i in 0..150 {
            let t = i * DT;
            let r = tr.process_frame(t, &[meas(t, 3.6, 3.6), meas(t, 3.6, 4.1)]);
            if i == 10 {
                ids = Some((r.assignment[0], r.assignment[1]));
            }
            if i > 10 {
                assert_eq!(Some((r.assignment[0], r.assignment[1])), ids, "frame {i}");
                let r = tr.process_frame(t + 1, &[blob(t + 1)]);
                assert_eq!(r.assignment, vec![None], "frame {i}");
            }
        }
        assert_eq!(confirmed(&tr).len(), 2);
        // A blob of one shopper standing half a metre from another is theirs.
        let r = tr.process_frame(
            150 * DT,
            &[FloorMeasurement {
                pos: [3.6, 3.62],
                ..blob(150 * DT)
            }],
        );
        assert_eq!(r.assignment, vec![ids.and_then(|i| i.0)]);
    }

    fn confirmed(tr: &Tracker) -> Vec<u32> {
        tr.tracks()
            .iter()
            .filter(|t| t.state == TrackState::Confirmed)
            .map(|t| t.id)
            .collect()
    }

    #[test]
    fn no_new_shopper_away_from_the_entry() {
        // Steady detections in mid-store are a candidate for re-linking a lost track;
        // with no lost track to become, they never make a shopper.
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![]);
        for i in 0..30 {
            let r = tr.process_frame(i * DT, &[meas(i * DT, 5.0, 5.0)]);
            assert!(r.updated.is_empty(), "frame {i}");
        }
        assert!(confirmed(&tr).is_empty());
    }

    #[test]
    fn weak_detections_start_nothing() {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![]);
        for i in 0..30 {
            let mut m = meas(i * DT, 0.5, 0.5);
            m.score = 0.4;
            let r = tr.process_frame(i * DT, &[m]);
            assert_eq!(r.assignment, vec![None]);
        }
        assert!(tr.tracks().is_empty());
    }

    /// A shopper walking +x from the entry at 0.5 m/s along y = 0.3, unseen while
    /// `hidden(frame)`; returns the confirmed id of every frame it was seen in.
    fn walk(tr: &mut Tracker, frames: i64, hidden: impl Fn(i64) -> bool) -> Vec<Option<u32>> {
        let mut ids = Vec::new();
        for i in 0..frames {
            let t = i * DT;
            if hidden(i) {
                tr.process_frame(t, &[]);
                continue;
            }
            let x = 0.3 + 0.5 * i as f64 / 15.0;
            let r = tr.process_frame(t, &[meas(t, x, 0.3)]);
            ids.push(r.updated.first().map(|u| u.0));
        }
        ids
    }

    #[test]
    fn occlusion_is_bridged_and_a_long_absence_loses_the_track() {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![]);
        // Unseen from 3 s to 6 s (behind a gondola).
        let ids = walk(&mut tr, 150, |i| (45..90).contains(&i));
        let id = ids[5].expect("confirmed after a few frames");
        assert!(ids[5..].iter().all(|&i| i == Some(id)), "{ids:?}");
        // 10 s without measurements: lost, no longer confirmed, but remembered.
        tr.process_frame(150 * DT + 10_000_000, &[]);
        assert!(confirmed(&tr).is_empty());
        assert_eq!(tr.tracks().len(), 1);
        assert_eq!(tr.tracks()[0].state, TrackState::Lost);
        // Past the time a lost track is kept, it is forgotten.
        tr.process_frame(150 * DT + 10_000_000 + tr.params.lost_keep_us + 1, &[]);
        assert!(tr.tracks().is_empty());
    }

    #[test]
    fn a_shopper_found_again_after_a_long_occlusion_keeps_their_identity() {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![]);
        // Unseen from 3 s to 11 s: longer than the coast, so the track is lost; seen
        // again 4 m further on, away from the entry.
        let ids = walk(&mut tr, 240, |i| (45..165).contains(&i));
        let id = ids[5].expect("confirmed after a few frames");
        let after: Vec<_> = ids[45..].iter().flatten().collect();
        assert!(
            !after.is_empty() && after.iter().all(|&&i| i == id),
            "{ids:?}"
        );
        assert_eq!(confirmed(&tr), vec![id]);
    }

    #[test]
    fn a_coasting_track_does_not_grab_a_detection_it_could_not_have_walked_to() {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![]);
        let ids = walk(&mut tr, 30, |_| false);
        let id = ids[5].expect("confirmed");
        // 1 s later a detection 5 m away: out of walking range, not this shopper.
        let t = 30 * DT + 1_000_000;
        let r = tr.process_frame(t, &[meas(t, 6.5, 0.3)]);
        assert_ne!(r.assignment[0], Some(id));
        assert!(r.updated.is_empty());
    }

    #[test]
    fn a_shopper_who_walked_out_of_the_exit_is_gone() {
        // The exit at (2.5, 0.3); the shopper walks there and disappears.
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![[2.5, 0.3]]);
        walk(&mut tr, 66, |_| false);
        assert_eq!(confirmed(&tr).len(), 1);
        let t = 66 * DT + 1_500_000;
        tr.process_frame(t, &[]);
        assert!(tr.tracks().is_empty());
    }

    /// Two shoppers 0.3 m apart walk in step; the detections' floor points are noisy
    /// enough to swap every other frame. `cue` marks each detection with what tells
    /// the first shopper (true) from the second; the tracks must not swap.
    fn walk_in_step_apart_by(cue: impl Fn(&mut FloorMeasurement, bool)) {
        let mut tr = Tracker::new(TrackerParams::default(), vec![[0.0, 0.0]], vec![]);
        let mut first: Option<(u32, u32)> = None;
        for i in 0..150 {
            let t = i * DT;
            let x = 0.3 + 0.4 * i as f64 / 15.0;
            // Deterministic jitter that puts the two points in the wrong order every other
            // frame: by floor position alone they swap.
            let j = if i % 2 == 0 { 0.2 } else { -0.2 };
            let mut a = meas(t, x, 0.3 + j);
            let mut b = meas(t, x, 0.6 - j);
            cue(&mut a, true);
            cue(&mut b, false);
            a.std_m = 0.2;
            b.std_m = 0.2;
            let r = tr.process_frame(t, &[a, b]);
            if let (Some(ia), Some(ib)) = (r.assignment[0], r.assignment[1]) {
                if i >= 3 {
                    match first {
                        None => first = Some((ia, ib)),
                        Some(f) => assert_eq!((ia, ib), f, "frame {i}"),
                    }
                }
            }
        }
        assert!(first.is_some());
    }

    #[test]
    fn head_height_keeps_two_close_shoppers_apart() {
        walk_in_step_apart_by(|m, first| {
            m.head_height_m = Some(if first { 1.45 } else { 1.70 });
        });
    }

    #[test]
    fn embeddings_keep_two_close_shoppers_apart() {
        // Of the same height and build; only their clothes (embeddings) differ.
        walk_in_step_apart_by(|m, first| {
            let look = if first {
                [0.8, 0.6, 0.0]
            } else {
                [0.6, 0.0, 0.8]
            };
            m.embedding = super::super::embedding::unit(&look);
        });
    }
}
