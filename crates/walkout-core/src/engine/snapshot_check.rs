//! The checks a restored snapshot passes before its state is used.
//!
//! A snapshot's checksum proves only that its bytes are the ones written: a hand-edited
//! file with a recomputed checksum deserialises into a state whose plate, SKU and
//! antenna indices index vectors of the store, whose times feed subtractions and whose
//! counters are incremented. Any of those that does not fit the store would panic in a
//! later `step` (and a panic must never reach Python), so every index-carrying part of
//! the state is checked here against the store the snapshot's own config describes,
//! every time against the plausible sensor clock, every number the engine assumes
//! finite for being finite and every counter for room to grow. The first bad value is
//! reported as `WalkoutError::State` naming what is wrong, where in the snapshot (its
//! JSON path) and the value.
//!
//! Some state types keep their fields private to their own modules (weight detectors
//! and buffers, the tracker, the fusion queue); those are read through their own
//! `Serialize` output (the snapshot's form) into small views below, so that checking
//! them needs no change to those types. A view that no longer matches its type fails on
//! every snapshot, so the restore tests notice at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Display;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};

use super::buffer::{
    GateEvent, ModalityCounts, PersonDetection, ProductDetection, ReorderBuffer, RfidRead,
    ThermalDetection,
};
use super::events::{EngineStats, GatePassage, ShelfEvent};
use super::fusion::HandOver;
use super::snapshot::{corrupt, State};
use super::{
    Engine, MAX_ABS_GRAMS, MAX_ABS_PX, MAX_BLOB_AREA_PX, MAX_T_US, MIN_T_US, RSSI_RANGE_DBM,
    TEMPERATURE_RANGE_C,
};
use crate::cart::{Cart, Inventory, Receipt};
use crate::config::Vec2;
use crate::errors::{Result, WalkoutError};
use crate::input::MAX_EMBEDDING_DIM;
use crate::rfid::RfidState;
use crate::shelf::weight::{PlateDetector, WeightChange};
use crate::track::cues::Cue;
use crate::track::tracker::{FilterTrack, Tracker, TrackerParams};
use crate::track::TrackStore;

/// Times in the state lie within the sensor clock range that ingestion accepts, or a
/// little beyond: derived times (queue keys, hold expiries, receipt times) are event
/// times plus delays of at most an hour. Within this range no time difference the
/// engine takes can overflow.
const TIME_SLACK_US: i64 = 86_400_000_000;
/// Counters are incremented with `+=`: far beyond any real session (35 M samples/s for
/// a century is 1.1e17), far enough below `u64::MAX` never to overflow.
const MAX_COUNT: u64 = 1 << 62;
/// Units on a cart line or a plate, hits of a tracker track, measurements behind an
/// appearance cue: all grow by small steps (`+=`), and a real store is many orders of
/// magnitude below this.
const MAX_UNITS: u32 = 1 << 30;
/// Stable levels and offsets of a detector are means and samples of accepted readings
/// (within ±MAX_ABS_GRAMS); twice that leaves room for rounding.
const MAX_LEVEL_G: f64 = 2.0 * MAX_ABS_GRAMS;
/// Deltas of interactions are sums of level differences over plates (and of joined
/// holds): a million tonnes is beyond any real one and far below where their squares
/// overflow to infinity.
const MAX_DELTA_G: f64 = 1e12;
/// Hand-over windows are indices of sensor time in these units.
use super::fusion::HAND_OVER_WINDOW_STEP_US as HAND_OVER_WINDOW_US;

/// The error for one bad value: what is wrong, where in the snapshot, and the value.
fn bad(what: impl Display, at: impl Display, got: impl Display) -> WalkoutError {
    corrupt(format!("{what}, at `{at}`, got {got}"))
}

/// Sizes of the store the indices must fit.
#[derive(Clone, Copy)]
struct Sizes {
    plates: usize,
    skus: usize,
    antennas: usize,
}

/// Check a deserialised snapshot `s` against `e`, a fresh engine built from the
/// snapshot's own config (its store, sensors and parameters).
pub(super) fn check(s: &State, e: &Engine) -> Result<()> {
    let n = Sizes {
        plates: e.store.plates.len(),
        skus: e.store.products.len(),
        antennas: e.rfid_model.antennas.len(),
    };
    check_detectors(&s.detectors, &e.detectors)?;
    check_buffer(&s.buffer, e, n)?;
    check_pending_changes(&s.pending_changes, n)?;
    check_queue(&s.queue, e, n)?;
    check_holds(&s.holds, n)?;
    check_hand_overs(&s.hand_over_windows, &s.hand_overs, n)?;
    check_tracks(&s.tracks, n)?;
    check_tracker(&s.tracker, &e.tracker)?;
    check_rfid(&s.rfid, s.processed_until, n)?;
    check_trajectories(&s.trajectory_last)?;
    check_carts(&s.carts, n)?;
    check_inventory(&s.inventory, n)?;
    check_results(&s.shelf_events, &s.gate_log, &s.receipts, n)?;
    check_stats(&s.stats)
}

// --- single values ---------------------------------------------------------------------

fn index(i: usize, len: usize, kind: &str, at: impl FnOnce() -> String) -> Result<()> {
    if i < len {
        return Ok(());
    }
    Err(bad(
        format!("no {kind} with this index in the store (it has {len})"),
        at(),
        i,
    ))
}

fn plate(i: usize, n: Sizes, at: impl FnOnce() -> String) -> Result<()> {
    index(i, n.plates, "plate", at)
}

fn sku(i: u32, n: Sizes, at: impl FnOnce() -> String) -> Result<()> {
    index(i as usize, n.skus, "product", at)
}

fn time(t: i64, at: impl FnOnce() -> String) -> Result<()> {
    if (MIN_T_US - TIME_SLACK_US..=MAX_T_US + TIME_SLACK_US).contains(&t) {
        return Ok(());
    }
    Err(bad(
        "time outside the sensor clock range 2000..2100 (µs since the Unix epoch)",
        at(),
        t,
    ))
}

fn finite(v: f64, at: impl FnOnce() -> String) -> Result<()> {
    within(v, f64::MAX, at)
}

/// Finite and within `-max..=max`.
fn within(v: f64, max: f64, at: impl FnOnce() -> String) -> Result<()> {
    if v.is_finite() && v.abs() <= max {
        return Ok(());
    }
    let what = if max == f64::MAX {
        "not a finite number".to_string()
    } else {
        format!("not a finite number within ±{max}")
    };
    Err(bad(what, at(), v))
}

/// Finite, not negative and at most `max` (a standard deviation, a probability).
fn non_negative(v: f64, max: f64, at: impl FnOnce() -> String) -> Result<()> {
    if (0.0..=max).contains(&v) {
        return Ok(());
    }
    Err(bad(format!("not a number within 0..{max}"), at(), v))
}

fn f32_within(v: f32, max: f32, at: impl FnOnce() -> String) -> Result<()> {
    within(f64::from(v), f64::from(max), at)
}

fn f32_range(v: f32, (lo, hi): (f32, f32), at: impl FnOnce() -> String) -> Result<()> {
    if (lo..=hi).contains(&v) {
        return Ok(());
    }
    Err(bad(format!("not a number within {lo}..{hi}"), at(), v))
}

fn counter(v: u64, at: impl FnOnce() -> String) -> Result<()> {
    if v <= MAX_COUNT {
        return Ok(());
    }
    Err(bad(
        format!("counter too large to count on (over {MAX_COUNT})"),
        at(),
        v,
    ))
}

fn units(v: u32, at: impl FnOnce() -> String) -> Result<()> {
    if v <= MAX_UNITS {
        return Ok(());
    }
    Err(bad(format!("more than {MAX_UNITS} units"), at(), v))
}

fn point(p: Vec2, at: impl Fn() -> String) -> Result<()> {
    finite(p[0], || format!("{}[0]", at()))?;
    finite(p[1], || format!("{}[1]", at()))
}

/// `x` read through its serialised form as a `T` (see the module docs).
fn view<T: DeserializeOwned>(x: &impl Serialize, what: &str) -> Result<T> {
    serde_json::to_value(x)
        .and_then(serde_json::from_value)
        .map_err(|e| corrupt(format!("{what} could not be checked: {e}")))
}

/// As JSON text, for naming a bad value that is not a single number.
fn json(x: &impl Serialize) -> String {
    serde_json::to_string(x).unwrap_or_else(|e| format!("<{e}>"))
}

// --- weight detectors ------------------------------------------------------------------

/// What the checks read of a [`PlateDetector`] (its fields are private to `shelf`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct DetectorView {
    plate: usize,
    params: serde_json::Value,
    window: Vec<(i64, f64)>,
    offset: f64,
    sum: f64,
    sum_sq: f64,
    level: f64,
    last_stable_us: i64,
    last_t: Option<i64>,
    phase: PhaseView,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
enum PhaseView {
    Init,
    Stable,
    Unstable { since_us: i64, steady: usize },
}

fn check_detectors(restored: &[PlateDetector], fresh: &[PlateDetector]) -> Result<()> {
    if restored.len() != fresh.len() {
        return Err(bad(
            format!(
                "one weight detector per plate expected ({} plates)",
                fresh.len()
            ),
            "detectors",
            format!("{} detectors", restored.len()),
        ));
    }
    for (i, (d, f)) in restored.iter().zip(fresh).enumerate() {
        let v: DetectorView = view(d, "a weight detector")?;
        let want = serde_json::to_value(f.params())
            .map_err(|e| corrupt(format!("detector parameters: {e}")))?;
        check_detector(i, &v, &want, f.params().window, f.params().settle)?;
    }
    Ok(())
}

/// One detector at plate index `i`, against the parameters the store config gives it
/// (`want`, with its window length and settle count).
fn check_detector(
    i: usize,
    d: &DetectorView,
    want: &serde_json::Value,
    window: usize,
    settle: usize,
) -> Result<()> {
    let at = |field: &str| format!("detectors[{i}].{field}");
    if d.plate != i {
        // Its changes would name another plate than the one it watches.
        return Err(bad(
            "a detector must watch the plate at its own index",
            at("plate"),
            d.plate,
        ));
    }
    if &d.params != want {
        // Detection delays and fusion delays are derived from the config's parameters.
        return Err(bad(
            "detector parameters differ from those of the store config",
            at("params"),
            d.params.to_string(),
        ));
    }
    if d.window.len() > window {
        return Err(bad(
            format!("more samples than the stability window holds ({window})"),
            at("window"),
            d.window.len(),
        ));
    }
    for (j, &(t, g)) in d.window.iter().enumerate() {
        time(t, || format!("{}[{j}][0]", at("window")))?;
        within(g, MAX_ABS_GRAMS, || format!("{}[{j}][1]", at("window")))?;
    }
    within(d.offset, MAX_LEVEL_G, || at("offset"))?;
    within(d.level, MAX_LEVEL_G, || at("level"))?;
    // Running sums of (sample - offset) and its square over the window: bounded by the
    // window length times the largest difference (squared), with the same room.
    let cap = (window + 1) as f64 * 2.0 * MAX_LEVEL_G;
    within(d.sum, cap, || at("sum"))?;
    within(d.sum_sq, cap * 2.0 * MAX_LEVEL_G, || at("sum_sq"))?;
    if let Some(t) = d.last_t {
        time(t, || at("last_t"))?;
    }
    match d.phase {
        // Before its first stable level a detector has no stable time (0).
        PhaseView::Init => {}
        PhaseView::Stable => time(d.last_stable_us, || at("last_stable_us"))?,
        PhaseView::Unstable { since_us, steady } => {
            time(d.last_stable_us, || at("last_stable_us"))?;
            time(since_us, || at("phase.Unstable.since_us"))?;
            if steady >= settle {
                return Err(bad(
                    format!("more steady windows than settling takes ({settle})"),
                    at("phase.Unstable.steady"),
                    steady,
                ));
            }
        }
    }
    Ok(())
}

fn check_pending_changes(changes: &[WeightChange], n: Sizes) -> Result<()> {
    for (i, c) in changes.iter().enumerate() {
        let at = |field: &str| format!("pending_changes[{i}].{field}");
        plate(c.plate, n, || at("plate"))?;
        time(c.t_start_us, || at("t_start_us"))?;
        time(c.t_end_us, || at("t_end_us"))?;
        within(c.level_before_g, MAX_LEVEL_G, || at("level_before_g"))?;
        within(c.level_after_g, MAX_LEVEL_G, || at("level_after_g"))?;
        non_negative(c.delta_std_g, MAX_DELTA_G, || at("delta_std_g"))?;
    }
    Ok(())
}

// --- the reorder buffer ----------------------------------------------------------------

/// Buffered events must be what ingestion would have accepted: known sensors, times
/// on the sensor clock, values within the ingestion bounds.
fn check_buffer(b: &ReorderBuffer, e: &Engine, n: Sizes) -> Result<()> {
    if b.weights.len() > n.plates {
        return Err(bad(
            format!("more weight buffers than plates ({})", n.plates),
            "buffer.weights",
            b.weights.len(),
        ));
    }
    let weights: Vec<PlateBufferView> = view(&b.weights, "the weight buffers")?;
    for (p, buf) in weights.iter().enumerate() {
        check_plate_buffer(p, buf)?;
    }
    for (i, s) in b.positions.iter().enumerate() {
        let at = |field: &str| format!("buffer.positions[{i}].{field}");
        time(s.t_us, || at("t_us"))?;
        finite(s.x, || at("x"))?;
        finite(s.y, || at("y"))?;
    }
    for (i, g) in b.gates.iter().enumerate() {
        check_gate_event(g, e, || format!("buffer.gates[{i}]"))?;
    }
    for (i, d) in b.persons.iter().enumerate() {
        check_person(d, e, || format!("buffer.persons[{i}]"))?;
    }
    for (i, d) in b.thermal.iter().enumerate() {
        check_thermal(d, e, || format!("buffer.thermal[{i}]"))?;
    }
    for (i, d) in b.products.iter().enumerate() {
        check_product(d, e, || format!("buffer.products[{i}]"))?;
    }
    for (i, r) in b.rfid.iter().enumerate() {
        check_rfid_read(r, e, || format!("buffer.rfid[{i}]"))?;
    }
    if let Some(t) = b.max_seen_us {
        time(t, || "buffer.max_seen_us".into())?;
    }
    Ok(())
}

/// What the checks read of a [`super::buffer::PlateBuffer`]: its waiting samples, and whether they
/// are marked as in time order (read through its serialised form, as its fields are
/// private to the buffer).
#[derive(Debug, Deserialize)]
struct PlateBufferView {
    samples: Vec<(i64, f64)>,
    sorted: bool,
}

fn check_plate_buffer(p: usize, buf: &PlateBufferView) -> Result<()> {
    let at = |j: usize, k: usize| format!("buffer.weights[{p}].samples[{j}][{k}]");
    let mut last = i64::MIN;
    for (j, &(t, g)) in buf.samples.iter().enumerate() {
        time(t, || at(j, 0))?;
        within(g, MAX_ABS_GRAMS, || at(j, 1))?;
        // Samples marked in order are drained from the front up to the first one
        // past the watermark.
        if buf.sorted && t < last {
            return Err(bad("samples marked as in time order are not", at(j, 0), t));
        }
        last = t;
    }
    Ok(())
}

fn check_gate_event(g: &GateEvent, e: &Engine, at: impl Fn() -> String) -> Result<()> {
    if e.store.gate(g.gate_id).is_none() {
        return Err(bad(
            "no gate with this id in the store config",
            format!("{}.gate_id", at()),
            g.gate_id,
        ));
    }
    time(g.t_us, || format!("{}.t_us", at()))
}

fn check_person(d: &PersonDetection, e: &Engine, at: impl Fn() -> String) -> Result<()> {
    if !e.cameras.contains_key(&d.camera_id) {
        return Err(bad(
            "no camera with this id in the store config",
            format!("{}.camera_id", at()),
            d.camera_id,
        ));
    }
    time(d.t_us, || format!("{}.t_us", at()))?;
    for (k, &v) in d.bbox.iter().enumerate() {
        f32_within(v, MAX_ABS_PX, || format!("{}.bbox[{k}]", at()))?;
    }
    f32_range(d.score, (0.0, 1.0), || format!("{}.score", at()))?;
    for (j, joint) in d.keypoints.iter().enumerate() {
        for (k, &v) in joint.iter().enumerate() {
            f32_within(v, MAX_ABS_PX, || format!("{}.keypoints[{j}][{k}]", at()))?;
        }
    }
    embedding(d.embedding.as_deref().unwrap_or_default(), || {
        format!("{}.embedding", at())
    })
}

fn check_thermal(d: &ThermalDetection, e: &Engine, at: impl Fn() -> String) -> Result<()> {
    if !e.thermal_homographies.contains_key(&d.camera_id) {
        return Err(bad(
            "no thermal camera with this id in the store config",
            format!("{}.camera_id", at()),
            d.camera_id,
        ));
    }
    time(d.t_us, || format!("{}.t_us", at()))?;
    for (k, &v) in d.centroid.iter().enumerate() {
        f32_within(v, MAX_ABS_PX, || format!("{}.centroid[{k}]", at()))?;
    }
    f32_range(d.area_px, (0.0, MAX_BLOB_AREA_PX), || {
        format!("{}.area_px", at())
    })?;
    f32_range(d.temperature_c, TEMPERATURE_RANGE_C, || {
        format!("{}.temperature_c", at())
    })
}

fn check_product(d: &ProductDetection, e: &Engine, at: impl Fn() -> String) -> Result<()> {
    if !e.cameras.contains_key(&d.camera_id) {
        return Err(bad(
            "no camera with this id in the store config",
            format!("{}.camera_id", at()),
            d.camera_id,
        ));
    }
    if !e.sku_by_class.contains_key(&d.class_id) {
        return Err(bad(
            "no product has this vision_class in the store config",
            format!("{}.class_id", at()),
            d.class_id,
        ));
    }
    time(d.t_us, || format!("{}.t_us", at()))?;
    for (k, &v) in d.bbox.iter().enumerate() {
        f32_within(v, MAX_ABS_PX, || format!("{}.bbox[{k}]", at()))?;
    }
    f32_range(d.score, (0.0, 1.0), || format!("{}.score", at()))
}

fn check_rfid_read(r: &RfidRead, e: &Engine, at: impl Fn() -> String) -> Result<()> {
    if e.rfid_model.antenna(r.reader_id, r.antenna_id).is_none() {
        return Err(bad(
            "no such reader/antenna in the store config",
            format!("{}.antenna_id", at()),
            format!("reader {} antenna {}", r.reader_id, r.antenna_id),
        ));
    }
    time(r.t_us, || format!("{}.t_us", at()))?;
    if r.epc >> 96 != 0 {
        return Err(bad("an EPC has 96 bits", format!("{}.epc", at()), r.epc));
    }
    f32_range(r.rssi_dbm, RSSI_RANGE_DBM, || format!("{}.rssi_dbm", at()))
}

// --- the fusion queue, holds and hand-overs --------------------------------------------

/// What the checks read of a queued fusion item (its fields are private to `fusion`).
#[derive(Debug, Deserialize)]
struct QueuedView {
    key: i64,
    item: ItemView,
}

/// Every variant of `fusion::Item`: an item added there and not here fails to
/// deserialise, so the checks cannot silently miss it.
#[derive(Debug, Deserialize)]
enum ItemView {
    Gate(GateEvent),
    Interaction(InteractionView),
    /// Any track id is fine: a receipt of a track that is gone issues nothing.
    Receipt(IgnoredAny),
    HoldExpiry {
        t_end_us: i64,
        plate: usize,
    },
    HandOverCheck {
        window: i64,
    },
}

/// What the checks read of a `fusion::Interaction`.
#[derive(Debug, Deserialize)]
struct InteractionView {
    plates: Vec<usize>,
    t_start_us: i64,
    t_end_us: i64,
    delta_g: f64,
    delta_std_g: f64,
}

fn check_queue(queue: &impl Serialize, e: &Engine, n: Sizes) -> Result<()> {
    let items: Vec<QueuedView> = view(queue, "the fusion queue")?;
    for (i, q) in items.iter().enumerate() {
        let at = |field: &str| format!("queue[{i}].{field}");
        time(q.key, || at("key"))?;
        match &q.item {
            ItemView::Gate(g) => check_gate_event(g, e, || at("item.Gate"))?,
            ItemView::Interaction(it) => check_interaction(it, n, || at("item.Interaction"))?,
            ItemView::Receipt(_) => {}
            ItemView::HoldExpiry { t_end_us, plate: p } => {
                time(*t_end_us, || at("item.HoldExpiry.t_end_us"))?;
                plate(*p, n, || at("item.HoldExpiry.plate"))?;
            }
            ItemView::HandOverCheck { window } => {
                hand_over_window(*window, || at("item.HandOverCheck.window"))?;
            }
        }
    }
    Ok(())
}

fn check_holds(holds: &impl Serialize, n: Sizes) -> Result<()> {
    let holds: Vec<InteractionView> = view(holds, "the open interactions")?;
    for (i, it) in holds.iter().enumerate() {
        check_interaction(it, n, || format!("holds[{i}]"))?;
    }
    Ok(())
}

fn check_interaction(it: &InteractionView, n: Sizes, at: impl Fn() -> String) -> Result<()> {
    // The first plate names the interaction (hold expiries, tiebreaks): there is one.
    if it.plates.is_empty() {
        return Err(bad(
            "an interaction must be on at least one plate",
            format!("{}.plates", at()),
            "[]",
        ));
    }
    for (k, &p) in it.plates.iter().enumerate() {
        plate(p, n, || format!("{}.plates[{k}]", at()))?;
    }
    time(it.t_start_us, || format!("{}.t_start_us", at()))?;
    time(it.t_end_us, || format!("{}.t_end_us", at()))?;
    within(it.delta_g, MAX_DELTA_G, || format!("{}.delta_g", at()))?;
    non_negative(it.delta_std_g, MAX_DELTA_G, || {
        format!("{}.delta_std_g", at())
    })
}

/// A hand-over window is an index of sensor time in windows: its start must be a time
/// on the sensor clock (the check computes with it).
fn hand_over_window(w: i64, at: impl FnOnce() -> String) -> Result<()> {
    match w.checked_mul(HAND_OVER_WINDOW_US) {
        Some(t) => time(t, at),
        None => Err(bad(
            "hand-over window outside the sensor clock range",
            at(),
            w,
        )),
    }
}

fn check_hand_overs(windows: &BTreeSet<i64>, done: &[HandOver], n: Sizes) -> Result<()> {
    for (i, &w) in windows.iter().enumerate() {
        hand_over_window(w, || format!("hand_over_windows[{i}]"))?;
    }
    for (i, h) in done.iter().enumerate() {
        sku(h.sku, n, || format!("hand_overs[{i}].sku"))?;
        time(h.t_us, || format!("hand_overs[{i}].t_us"))?;
    }
    Ok(())
}

// --- tracks and the tracker ------------------------------------------------------------

fn check_tracks(tracks: &TrackStore, n: Sizes) -> Result<()> {
    for (id, t) in tracks.entries() {
        let at = |field: &str| format!("tracks.tracks[{id}].{field}");
        if t.id != id {
            return Err(bad("a track stored under another id", at("id"), t.id));
        }
        time(t.first_us, || at("first_us"))?;
        time(t.last_us, || at("last_us"))?;
        if let Some(x) = t.entered_us {
            time(x, || at("entered_us"))?;
        }
        if let Some(x) = t.exited_us {
            time(x, || at("exited_us"))?;
        }
        point(t.last_position, || at("last_position"))?;
        for (j, &(ht, p)) in t.history.iter().enumerate() {
            time(ht, || format!("{}[{j}][0]", at("history")))?;
            point(p, || format!("{}[{j}][1]", at("history")))?;
        }
        for (j, &(ht, p)) in t.hands.iter().enumerate() {
            time(ht, || format!("{}[{j}][0]", at("hands")))?;
            plate(p, n, || format!("{}[{j}][1]", at("hands")))?;
        }
        for (j, &(ht, s)) in t.sightings.iter().enumerate() {
            time(ht, || format!("{}[{j}][0]", at("sightings")))?;
            sku(s, n, || format!("{}[{j}][1]", at("sightings")))?;
        }
    }
    Ok(())
}

/// What the checks read of a [`Tracker`] beyond its public tracks (its fields are
/// private to `track::tracker`).
#[derive(Debug, Deserialize)]
struct TrackerView {
    params: TrackerParams,
    entries: Vec<Vec2>,
    exits: Vec<Vec2>,
    tracks: Vec<FilterView>,
    /// Entry passages the tracker still reserves detections for (time, gate).
    #[serde(default)]
    passages: Vec<(i64, Vec2)>,
}

#[derive(Debug, Deserialize)]
struct FilterView {
    kf: KalmanView,
}

#[derive(Debug, Deserialize)]
struct KalmanView {
    accel_std: f64,
}

fn check_tracker(restored: &Tracker, fresh: &Tracker) -> Result<()> {
    let v: TrackerView = view(restored, "the tracker")?;
    let want: TrackerView = view(fresh, "the tracker")?;
    // Parameters and gates come from the config; a tracker with others would not be
    // the one this store's engine runs.
    if v.params != want.params {
        return Err(bad(
            "tracker parameters differ from those of the store config",
            "tracker.params",
            json(&v.params),
        ));
    }
    if v.entries != want.entries {
        return Err(bad(
            "entry gates differ from those of the store config",
            "tracker.entries",
            json(&v.entries),
        ));
    }
    if v.exits != want.exits {
        return Err(bad(
            "exit gates differ from those of the store config",
            "tracker.exits",
            json(&v.exits),
        ));
    }
    for (i, (t, f)) in restored.tracks().iter().zip(&v.tracks).enumerate() {
        check_filter_track(i, t, f.kf.accel_std, v.params.accel_std)?;
    }
    for (i, &(t, gate)) in v.passages.iter().enumerate() {
        time(t, || format!("tracker.passages[{i}][0]"))?;
        if !v.entries.contains(&gate) {
            return Err(bad(
                "a passage at no entry gate of the store",
                format!("tracker.passages[{i}][1]"),
                json(&gate),
            ));
        }
    }
    Ok(())
}

/// One tracker track at index `i`, whose filter has acceleration spread `accel_std`
/// where the tracker's parameters say `want_accel`.
fn check_filter_track(i: usize, t: &FilterTrack, accel_std: f64, want_accel: f64) -> Result<()> {
    let at = |field: &str| format!("tracker.tracks[{i}].{field}");
    time(t.t_us, || at("t_us"))?;
    time(t.born_us, || at("born_us"))?;
    time(t.last_hit_us, || at("last_hit_us"))?;
    point(t.last_hit_pos, || at("last_hit_pos"))?;
    for (k, &x) in t.kf.x.iter().enumerate() {
        finite(x, || format!("{}[{k}]", at("kf.x")))?;
    }
    for (r, row) in t.kf.p.iter().enumerate() {
        for (c, &x) in row.iter().enumerate() {
            finite(x, || format!("{}[{r}][{c}]", at("kf.p")))?;
        }
    }
    if accel_std.to_bits() != want_accel.to_bits() {
        return Err(bad(
            "filter acceleration spread differs from the tracker's",
            at("kf.accel_std"),
            accel_std,
        ));
    }
    units(t.hits, || at("hits"))?;
    let cues = [
        ("head", t.appearance.head),
        ("warmth", t.appearance.warmth),
        ("log_area", t.appearance.log_area),
    ];
    for (name, cue) in cues {
        if let Some(Cue { mean, n }) = cue {
            finite(mean, || {
                format!("{}.mean", at(&format!("appearance.{name}")))
            })?;
            units(n, || format!("{}.n", at(&format!("appearance.{name}"))))?;
        }
    }
    let (sum, mean) = t.appearance.embedding.values();
    if sum.len() != mean.len() {
        return Err(bad(
            "embedding sum and mean differ in length",
            at("appearance.embedding"),
            format!("{} / {}", sum.len(), mean.len()),
        ));
    }
    embedding(sum, || at("appearance.embedding.sum"))?;
    embedding(mean, || at("appearance.embedding.mean"))
}

/// An embedding of at most the accepted length with finite values.
fn embedding(values: &[f32], at: impl Fn() -> String) -> Result<()> {
    if values.len() > MAX_EMBEDDING_DIM {
        return Err(bad(
            format!("longer than {MAX_EMBEDDING_DIM} values"),
            at(),
            values.len(),
        ));
    }
    for (k, &v) in values.iter().enumerate() {
        f32_within(v, MAX_COUNT as f32, || format!("{}[{k}]", at()))?;
    }
    Ok(())
}

fn check_trajectories(last: &HashMap<u32, i64>) -> Result<()> {
    // Sorted, so the first bad entry reported does not depend on hashing.
    let sorted: BTreeMap<u32, i64> = last.iter().map(|(&k, &v)| (k, v)).collect();
    for (id, t) in sorted {
        time(t, || format!("trajectory_last[{id}]"))?;
    }
    Ok(())
}

// --- RFID ------------------------------------------------------------------------------

fn check_rfid(r: &RfidState, processed_until: Option<i64>, n: Sizes) -> Result<()> {
    for (epc, &(antenna, last)) in &r.present() {
        let at = || format!("rfid.present[{epc}]");
        index(antenna, n.antennas, "RFID antenna", || {
            format!("{}[0]", at())
        })?;
        time(last, || format!("{}[1]", at()))?;
        // Presence comes from reads already processed. The sweep subtracts a tag's last
        // read from the time `step` is given, which may be any i64 but is always past
        // the processed time: so only this keeps that difference from overflowing.
        if processed_until.is_none_or(|p| last > p) {
            return Err(bad(
                "a tag read after the processed time (`processed_until`)",
                format!("{}[1]", at()),
                last,
            ));
        }
    }
    for (i, d) in r.departures.iter().enumerate() {
        let at = |field: &str| format!("rfid.departures[{i}].{field}");
        index(d.antenna, n.antennas, "RFID antenna", || at("antenna"))?;
        sku(d.sku, n, || at("sku"))?;
        time(d.t_us, || at("t_us"))?;
    }
    for (i, x) in r.exit_reads.iter().enumerate() {
        sku(x.sku, n, || format!("rfid.exit_reads[{i}].sku"))?;
        time(x.t_us, || format!("rfid.exit_reads[{i}].t_us"))?;
    }
    counter(r.unknown_tags, || "rfid.unknown_tags".into())
}

// --- carts, inventory, results ---------------------------------------------------------

fn check_carts(carts: &BTreeMap<u32, Cart>, n: Sizes) -> Result<()> {
    for (&id, cart) in carts {
        if cart.track_id != id {
            return Err(bad(
                "a cart stored under another track id",
                format!("carts[{id}].track_id"),
                cart.track_id,
            ));
        }
        for (&key, line) in &cart.lines {
            let at = |field: &str| format!("carts[{id}].lines[{key}].{field}");
            if line.sku != key {
                return Err(bad(
                    "a cart line stored under another sku",
                    at("sku"),
                    line.sku,
                ));
            }
            sku(line.sku, n, || at("sku"))?;
            // Lines without units are removed; a unit taken out of an empty one would
            // underflow.
            if line.quantity == 0 {
                return Err(bad(
                    "a cart line holds at least one unit",
                    at("quantity"),
                    0,
                ));
            }
            units(line.quantity, || at("quantity"))?;
            // At most one tag per unit.
            if line.tags.len() > line.quantity as usize {
                return Err(bad(
                    format!("more tags than units ({})", line.quantity),
                    at("tags"),
                    line.tags.len(),
                ));
            }
            non_negative(line.confidence, 1.0, || at("confidence"))?;
        }
    }
    Ok(())
}

fn check_inventory(inv: &Inventory, n: Sizes) -> Result<()> {
    let plates = inv.plates().count();
    if plates != n.plates {
        return Err(bad(
            format!(
                "one inventory entry per plate expected ({} plates)",
                n.plates
            ),
            "inventory.counts",
            format!("{plates} entries"),
        ));
    }
    for (p, counts) in inv.plates() {
        for (&s, &c) in counts {
            sku(s, n, || format!("inventory.counts[{p}][{s}]"))?;
            units(c, || format!("inventory.counts[{p}][{s}]"))?;
        }
    }
    Ok(())
}

/// Results already reported are read again: skus by the bindings (to name products),
/// times by hand-over and exit checks (which subtract them).
fn check_results(
    events: &[ShelfEvent],
    gates: &[GatePassage],
    receipts: &[Receipt],
    n: Sizes,
) -> Result<()> {
    for (i, ev) in events.iter().enumerate() {
        for (k, h) in ev.hypotheses.iter().enumerate() {
            sku(h.sku, n, || {
                format!("shelf_events[{i}].hypotheses[{k}].sku")
            })?;
        }
    }
    for (i, g) in gates.iter().enumerate() {
        time(g.t_us, || format!("gate_log[{i}].t_us"))?;
    }
    for (i, r) in receipts.iter().enumerate() {
        time(r.exit_us, || format!("receipts[{i}].exit_us"))?;
    }
    Ok(())
}

fn check_stats(s: &EngineStats) -> Result<()> {
    let modalities: [(&str, &ModalityCounts); 7] = [
        ("weights", &s.weights),
        ("positions", &s.positions),
        ("gates", &s.gates),
        ("person_detections", &s.person_detections),
        ("thermal_blobs", &s.thermal_blobs),
        ("product_detections", &s.product_detections),
        ("rfid_reads", &s.rfid_reads),
    ];
    for (name, c) in modalities {
        for (field, v) in [
            ("received", c.received),
            ("late", c.late),
            ("duplicates", c.duplicates),
            ("processed", c.processed),
        ] {
            counter(v, || format!("stats.{name}.{field}"))?;
        }
    }
    for (field, v) in [
        ("shelf_events", s.shelf_events),
        ("unassigned_shelf_events", s.unassigned_shelf_events),
        ("unmatched_gate_events", s.unmatched_gate_events),
        ("hand_overs", s.hand_overs),
    ] {
        counter(v, || format!("stats.{field}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! NaN and infinity cannot be written in JSON (serde_json refuses both on reading),
    //! so the finiteness checks are tested on values here; the JSON paths are tested
    //! on edited snapshots in `tests/snapshot_check.rs`.
    use super::*;
    use crate::track::cues::Appearance;
    use crate::track::kalman::Kalman;
    use crate::track::tracker::TrackState;

    const T: i64 = 1_767_258_000_000_000;

    fn detector() -> DetectorView {
        DetectorView {
            plate: 2,
            params: serde_json::json!({"window": 24}),
            window: vec![(T, 2000.0), (T + 16_667, 2001.0)],
            offset: 2000.0,
            sum: 1.0,
            sum_sq: 1.0,
            level: 2000.5,
            last_stable_us: T,
            last_t: Some(T + 16_667),
            phase: PhaseView::Stable,
        }
    }

    fn check_one(d: &DetectorView) -> Result<()> {
        check_detector(2, d, &serde_json::json!({"window": 24}), 24, 6)
    }

    fn message(r: Result<()>) -> String {
        match r {
            Err(WalkoutError::State(m)) => m,
            other => panic!("expected a state error, got {other:?}"),
        }
    }

    #[test]
    fn a_plausible_detector_passes() {
        check_one(&detector()).expect("plausible");
    }

    #[test]
    fn detector_levels_and_sums_must_be_finite() {
        for (field, set) in [
            (
                "level",
                (|d: &mut DetectorView| d.level = f64::NAN) as fn(&mut _),
            ),
            ("offset", |d| d.offset = f64::INFINITY),
            ("sum", |d| d.sum = f64::NAN),
            ("sum_sq", |d| d.sum_sq = f64::NEG_INFINITY),
            ("window[1][1]", |d| d.window[1].1 = f64::NAN),
        ] {
            let mut d = detector();
            set(&mut d);
            let m = message(check_one(&d));
            assert!(
                m.starts_with("snapshot cannot be restored: not a finite number")
                    && m.contains(&format!("at `detectors[2].{field}`")),
                "{field}: {m}"
            );
        }
    }

    #[test]
    fn an_unstable_detector_cannot_have_settled_further_than_settling_takes() {
        let mut d = detector();
        d.phase = PhaseView::Unstable {
            since_us: T,
            steady: usize::MAX,
        };
        let m = message(check_one(&d));
        assert!(m.contains("detectors[2].phase.Unstable.steady"), "{m}");
        assert!(m.ends_with(&format!("got {}", usize::MAX)), "{m}");
    }

    fn filter_track() -> FilterTrack {
        FilterTrack {
            id: 1 << 31,
            state: TrackState::Confirmed,
            kf: Kalman::new([1.0, 1.0], 0.1, 2.0),
            t_us: T,
            born_us: T,
            last_hit_us: T,
            last_hit_pos: [1.0, 1.0],
            hits: 3,
            appearance: Appearance::default(),
        }
    }

    #[test]
    fn kalman_states_must_be_finite() {
        check_filter_track(0, &filter_track(), 2.0, 2.0).expect("plausible");
        let mut t = filter_track();
        t.kf.x[2] = f64::NAN;
        let m = message(check_filter_track(0, &t, 2.0, 2.0));
        assert!(m.contains("at `tracker.tracks[0].kf.x[2]`, got NaN"), "{m}");
        let mut t = filter_track();
        t.kf.p[1][1] = f64::INFINITY;
        let m = message(check_filter_track(0, &t, 2.0, 2.0));
        assert!(
            m.contains("at `tracker.tracks[0].kf.p[1][1]`, got inf"),
            "{m}"
        );
        let mut t = filter_track();
        t.appearance.head = Some(Cue {
            mean: f64::NAN,
            n: 1,
        });
        let m = message(check_filter_track(0, &t, 2.0, 2.0));
        assert!(m.contains("tracker.tracks[0].appearance.head.mean"), "{m}");
        let m = message(check_filter_track(0, &filter_track(), f64::NAN, 2.0));
        assert!(m.contains("tracker.tracks[0].kf.accel_std"), "{m}");
    }

    #[test]
    fn times_far_off_the_sensor_clock_are_refused() {
        time(T, || "t".into()).expect("2026");
        time(0, || "t".into()).expect_err("1970");
        time(i64::MIN, || "t".into()).expect_err("i64::MIN");
        hand_over_window(T / HAND_OVER_WINDOW_US, || "w".into()).expect("2026");
        let m = message(hand_over_window(i64::MAX, || "w".into()));
        assert!(m.contains(&format!("at `w`, got {}", i64::MAX)), "{m}");
    }
}
