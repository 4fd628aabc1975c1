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
use super::events::{EngineStats, GatePassage, ShelfEvent};
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
/// 2: a checksum line after the version (1 had none).
const FORMAT_VERSION: u32 = 2;

/// FNV-1a (64 bit) of the JSON body, written as 16 hex digits on the line after the
/// version: a truncated, bit-flipped or hand-edited snapshot is refused with a clear
/// error instead of restoring an engine whose indices no longer fit its store.
pub fn checksum(body: &[u8]) -> u64 {
    body.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
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
    pub(super) trajectory_log: Vec<(i64, u32, f64, f64)>,
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
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(format!("{FORMAT_VERSION}\n{:016x}\n", checksum(&json)).as_bytes());
        out.extend_from_slice(&json);
        Ok(out)
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
        if version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "format version {version}, this build reads {FORMAT_VERSION}"
            )));
        }
        let rest = &body[newline + 1..];
        let line = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("no checksum line"))?;
        let want = std::str::from_utf8(&rest[..line])
            .ok()
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| corrupt("unreadable checksum"))?;
        let json = &rest[line + 1..];
        if checksum(json) != want {
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
