//! The `snapshot` target: arbitrary bytes, or a real snapshot with arbitrary edits
//! re-sealed with a valid checksum, into `Engine::restore`; whatever it accepts is driven
//! on and must checkpoint and restore again.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use walkout_core::input::GateEventKind;
use walkout_core::test_support::snapshot_json::{self, reseal};
use walkout_core::Engine;

use crate::fixtures::{edit_value, seed_snapshot, sensor_snapshot, Edit, T0};

/// The JSON body of a snapshot made here, as a value to edit.
fn snapshot_body(bytes: &[u8]) -> Value {
    snapshot_json::body(bytes).expect("a snapshot")
}

/// The bases the edits start from: [`seed_snapshot`] and [`sensor_snapshot`].
fn base_snapshots() -> &'static [Value; 2] {
    static SNAPS: OnceLock<[Value; 2]> = OnceLock::new();
    SNAPS.get_or_init(|| {
        [
            snapshot_body(&seed_snapshot()),
            snapshot_body(&sensor_snapshot()),
        ]
    })
}

/// Edits of one of the [`base_snapshots`].
#[derive(Debug, Arbitrary)]
struct SnapshotEdits {
    sensors: bool,
    edits: Vec<Edit>,
}

/// The re-sealed snapshot a [`snapshot`] input's edits make, if it is read as edits.
fn edited_snapshot(data: &[u8]) -> Option<(SnapshotEdits, Vec<u8>)> {
    // A snapshot starts with its magic; anything else is read as edits.
    if data.starts_with(b"walkout") {
        return None;
    }
    let input = SnapshotEdits::arbitrary_take_rest(Unstructured::new(data)).ok()?;
    let mut v = base_snapshots()[usize::from(input.sensors)].clone();
    for edit in input.edits.iter().take(8) {
        edit_value(&mut v, edit);
    }
    let bytes = reseal(&v);
    Some((input, bytes))
}

/// Drive a restored engine on: whatever it was restored from, nothing may panic, and
/// what it is left with it can checkpoint and restore again.
fn drive(mut e: Engine) {
    // A state `restore` accepted passes its checks again when written back.
    let bytes = e.snapshot().expect("snapshot of a restored engine");
    if let Err(err) = Engine::restore(&bytes) {
        panic!("a restored engine's own snapshot was refused: {err}");
    }
    let _ = e.ingest_weights(&[0, 1], &[T0 + 2_000_000, T0 + 2_000_000], &[1.0, 2.0]);
    let _ = e.ingest_positions(&[T0 + 2_000_000], &[7], &[2.5], &[2.2]);
    let _ = e.ingest_gates(&[1], &[T0 + 2_000_000], &[GateEventKind::Exit], &[None]);
    let _ = e.step(None);
    let _ = e.step(Some(T0 + 30_000_000));
    let _ = e.finish();
    let _ = e.stats();
    let bytes = e.snapshot().expect("snapshot of a driven engine");
    if let Err(err) = Engine::restore(&bytes) {
        panic!("a driven restored engine's snapshot was refused: {err}");
    }
}

/// Fuzz target: arbitrary bytes into `Engine::restore`.
///
/// Raw bytes are restored and, if that works, the engine is driven on. Other inputs
/// are edits of a real snapshot (of the minimal store, or of the sensor store mid-visit),
/// re-sealed with a valid checksum as a hand-crafted file would be: `restore` must
/// refuse them cleanly or accept them, and whatever it accepts is driven on
/// (`step`, `finish`, snapshot and restore) without a panic.
pub fn snapshot(data: &[u8]) {
    if let Ok(e) = Engine::restore(data) {
        drive(e);
    }
    if let Some((_, bytes)) = edited_snapshot(data) {
        if let Ok(e) = Engine::restore(&bytes) {
            drive(e);
        }
    }
}

/// The decoded form of a [`snapshot`] input and what `restore` says to it, for reading
/// a crash artifact (`cargo run --example describe -- snapshot FILE`).
pub fn describe_snapshot(data: &[u8]) -> String {
    match edited_snapshot(data) {
        None => format!("raw bytes: restore says {:?}", Engine::restore(data).err()),
        Some((input, bytes)) => format!(
            "{input:#?}\nrestore says {:?}",
            Engine::restore(&bytes).err()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The edits of the `snapshot` target start from states that restore, and the
    /// sensor base holds something in every part of the state an edit should reach.
    #[test]
    fn the_snapshot_bases_restore_and_reach_every_part_of_the_state() {
        for (i, v) in base_snapshots().iter().enumerate() {
            if let Err(e) = Engine::restore(&reseal(v)) {
                panic!("base {i} does not restore: {e}");
            }
        }
        let v = &base_snapshots()[1];
        let parts = [
            "/buffer/weights/2/samples",
            "/buffer/persons",
            "/buffer/thermal",
            "/buffer/products",
            "/queue",
            "/carts",
            "/shelf_events",
            "/gate_log",
            "/tracks/tracks",
            "/tracker/tracks",
            "/rfid/present",
            "/rfid/departures",
            "/rfid/exit_reads",
        ];
        let empty: Vec<&str> = parts
            .into_iter()
            .filter(|p| {
                v.pointer(p).is_none_or(|x| {
                    x.as_array().is_some_and(Vec::is_empty)
                        || x.as_object().is_some_and(|o| o.is_empty())
                })
            })
            .collect();
        assert!(empty.is_empty(), "empty in the sensor base: {empty:?}");
    }
}
