//! Checkpoint and restore: the engine's whole mutable state as bytes, so a process that
//! crashes or restarts continues exactly where it stopped. A session interrupted at any
//! point, restored and continued gives the same receipts as an uninterrupted run.
//!
//! Format: a magic line, a format version line, then JSON of the config and the state.
//! JSON keeps snapshots inspectable with ordinary tools, and serde_json writes floats
//! with round-trip precision, so restored state is bit-identical.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::buffer::ReorderBuffer;
use super::events::{EngineStats, GatePassage, ShelfEvent, TrajectoryPoint};
use super::fusion::{HandOver, Interaction, Queued};
use super::Engine;
use crate::cart::{Cart, Inventory, Receipt};
use crate::config::StoreConfig;
use crate::errors::{Result, WalkoutError};
use crate::rfid::RfidState;
use crate::shelf::weight::{PlateDetector, WeightChange};
use crate::track::tracker::Tracker;
use crate::track::TrackStore;

const MAGIC: &[u8] = b"walkout-snapshot\n";
/// 3: the checksum line holds CRC-32 (8 hex digits), computed a word at a time where
/// version 2's FNV-1a went byte by byte, a cost every checkpoint of a large store paid.
/// 2: FNV-1a 64 (16 hex digits), still restored. 1 had no checksum.
const FORMAT_VERSION: u32 = 3;
/// The one older version still restored: only its checksum differs.
const FNV_VERSION: u32 = 2;

/// CRC-32 of the JSON body, written as 8 hex digits on the line after the version: a
/// truncated, bit-flipped or hand-edited snapshot is refused with a clear error instead
/// of restoring an engine whose indices no longer fit its store.
fn checksum(body: &[u8]) -> u32 {
    crc32fast::hash(body)
}

/// FNV-1a (64 bit): the checksum of version 2 snapshots, kept only to read them.
fn fnv1a64(body: &[u8]) -> u64 {
    body.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A snapshot of the JSON body `json`: magic, version and checksum lines, then the body.
/// Public so that tests and fuzzers can re-seal a hand-edited body as a forger would.
pub fn seal(json: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(format!("{FORMAT_VERSION}\n{:08x}\n", checksum(json)).as_bytes());
    out.extend_from_slice(json);
    out
}

/// Whether `line` is the checksum of `json` as a snapshot of `version` writes it.
fn checksum_matches(version: u32, line: &[u8], json: &[u8]) -> Result<bool> {
    let text = std::str::from_utf8(line).map_err(|_| corrupt("unreadable checksum"))?;
    let unreadable = |_| corrupt(format!("unreadable checksum {text:?}"));
    if version == FNV_VERSION {
        Ok(u64::from_str_radix(text, 16).map_err(unreadable)? == fnv1a64(json))
    } else {
        Ok(u32::from_str_radix(text, 16).map_err(unreadable)? == checksum(json))
    }
}

/// Everything a snapshot holds; [`super::snapshot_check`] checks it against its store.
#[derive(Serialize, Deserialize)]
pub(super) struct State {
    pub(super) config: StoreConfig,
    pub(super) detectors: Vec<PlateDetector>,
    pub(super) buffer: ReorderBuffer,
    pub(super) pending_changes: Vec<WeightChange>,
    pub(super) queue: Vec<Queued>,
    #[serde(default)]
    pub(super) holds: Vec<Interaction>,
    #[serde(default)]
    pub(super) hand_over_windows: BTreeSet<i64>,
    #[serde(default)]
    pub(super) hand_overs: Vec<HandOver>,
    pub(super) tracks: TrackStore,
    pub(super) tracker: Tracker,
    pub(super) rfid: RfidState,
    pub(super) trajectory_log: Vec<TrajectoryPoint>,
    pub(super) trajectory_interval_us: i64,
    pub(super) trajectory_last: HashMap<u32, i64>,
    pub(super) carts: BTreeMap<u32, Cart>,
    pub(super) inventory: Inventory,
    pub(super) shelf_events: Vec<ShelfEvent>,
    pub(super) gate_log: Vec<GatePassage>,
    pub(super) receipts: Vec<Receipt>,
    pub(super) stats: EngineStats,
    pub(super) processed_until: Option<i64>,
    pub(super) finished: bool,
}

pub(super) fn corrupt(reason: impl std::fmt::Display) -> WalkoutError {
    WalkoutError::State(format!("snapshot cannot be restored: {reason}"))
}

impl Engine {
    /// The engine's whole state as bytes (see the module docs for the format).
    pub fn snapshot(&self) -> Result<Vec<u8>> {
        let (mut tracker, mut buffer) = (self.tracker.clone(), self.buffer.clone());
        if !self.params.snapshot_embeddings {
            tracker.forget_embeddings();
            buffer.forget_embeddings();
        }
        let state = State {
            config: self.store.config.clone(),
            detectors: self.detectors.clone(),
            buffer,
            pending_changes: self.pending_changes.clone(),
            queue: self.queue.clone(),
            holds: self.holds.clone(),
            hand_over_windows: self.hand_over_windows.clone(),
            hand_overs: self.hand_overs.clone(),
            tracks: self.tracks.clone(),
            tracker,
            rfid: self.rfid.clone(),
            trajectory_log: self.trajectory_log.clone(),
            trajectory_interval_us: self.trajectory_interval_us,
            trajectory_last: self.trajectory_last.clone(),
            carts: self.carts.clone(),
            inventory: self.inventory.clone(),
            shelf_events: self.shelf_events.clone(),
            gate_log: self.gate_log.clone(),
            receipts: self.receipts.clone(),
            stats: self.stats,
            processed_until: self.processed_until,
            finished: self.finished,
        };
        let json = serde_json::to_vec(&state)
            .map_err(|e| WalkoutError::State(format!("snapshot failed: {e}")))?;
        Ok(seal(&json))
    }

    /// An engine in the state a [`Engine::snapshot`] captured.
    pub fn restore(bytes: &[u8]) -> Result<Self> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| corrupt("not a walkout snapshot (bad magic)"))?;
        let newline = body
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("no format version"))?;
        let version = std::str::from_utf8(&body[..newline])
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or_else(|| corrupt("unreadable format version"))?;
        if version != FORMAT_VERSION && version != FNV_VERSION {
            return Err(corrupt(format!(
                "format version {version}, this build reads {FNV_VERSION} and {FORMAT_VERSION}"
            )));
        }
        let rest = &body[newline + 1..];
        let line = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("no checksum line"))?;
        let json = &rest[line + 1..];
        if !checksum_matches(version, &rest[..line], json)? {
            return Err(corrupt(
                "checksum mismatch: the snapshot is damaged, truncated or was edited",
            ));
        }
        let state: State = serde_json::from_slice(json).map_err(corrupt)?;
        let mut engine = Engine::new(state.config.clone())?;
        // The checksum only proves the bytes are the ones written; a hand-made file can
        // carry a valid one. Every index and number the engine relies on is checked
        // against the store before the state is used, so a bad one is an error here
        // and never a panic in a later `step`.
        super::snapshot_check::check(&state, &engine)?;
        engine.detectors = state.detectors;
        engine.buffer = state.buffer;
        engine.pending_changes = state.pending_changes;
        engine.queue = state.queue;
        engine.holds = state.holds;
        engine.hand_over_windows = state.hand_over_windows;
        engine.hand_overs = state.hand_overs;
        engine.tracks = state.tracks;
        engine.tracks.reindex();
        engine.tracker = state.tracker;
        engine.rfid = state.rfid;
        engine.rfid.reindex();
        engine.trajectory_log = state.trajectory_log;
        engine.trajectory_interval_us = state.trajectory_interval_us;
        engine.trajectory_last = state.trajectory_last;
        engine.carts = state.carts;
        engine.inventory = state.inventory;
        engine.shelf_events = state.shelf_events;
        engine.gate_log = state.gate_log;
        engine.receipts = state.receipts;
        engine.stats = state.stats;
        engine.processed_until = state.processed_until;
        engine.finished = state.finished;
        engine.embedding_dim = engine.stored_embedding_dim();
        Ok(engine)
    }
}
