//! Snapshots written by an earlier release still restore: `fixtures/snapshot-v2.bin` was
//! written by the engine of format version 2 (FNV-1a checksum) halfway through
//! [`common::session`], with the trajectory log at 2 Hz.

mod common;

use common::{feed_gates, feed_positions, feed_weights, session, store, Session, T0};
use walkout_core::Engine;

const V2: &[u8] = include_bytes!("fixtures/snapshot-v2.bin");
/// Where the fixture's run stopped: everything up to here was ingested, then `step()`.
const HALF: i64 = T0 + 25_000_000;
const SEED: u64 = 3;

/// Feeds the rows of `s` whose time lies in `range`, gates included.
fn feed(e: &mut Engine, s: &Session, range: impl Fn(i64) -> bool) {
    let weights: Vec<_> = s.weights.iter().filter(|r| range(r.1)).cloned().collect();
    feed_weights(e, &weights).expect("weights");
    let positions: Vec<_> = s.positions.iter().filter(|r| range(r.0)).cloned().collect();
    feed_positions(e, &positions).expect("positions");
    let gates: Vec<_> = s.gates.iter().filter(|g| range(g.1)).cloned().collect();
    feed_gates(e, &gates).expect("gates");
}

#[test]
fn a_version_2_snapshot_restores_and_continues_like_an_uninterrupted_run() {
    assert!(
        V2.starts_with(b"walkout-snapshot\n2\n"),
        "fixture is version 2"
    );
    let s = session(SEED);
    let mut reference = Engine::new(store()).expect("store");
    reference.set_trajectory_log(2.0);
    feed(&mut reference, &s, |t| t <= HALF);
    reference.step(None).expect("step");
    let mut restored = Engine::restore(V2).expect("a version 2 snapshot restores");
    assert_eq!(restored.stats(), reference.stats());
    for e in [&mut reference, &mut restored] {
        feed(e, &s, |t| t > HALF);
        e.finish().expect("finish");
    }
    assert!(!reference.receipts().is_empty());
    assert_eq!(restored.receipts(), reference.receipts());
    assert_eq!(restored.shelf_events(), reference.shelf_events());
    assert_eq!(restored.trajectories(), reference.trajectories());
}

#[test]
fn a_damaged_version_2_snapshot_is_refused_by_its_checksum() {
    let mut damaged = V2.to_vec();
    // A digit of the JSON body, not of the header lines.
    let at = damaged.len() - 40;
    damaged[at] ^= 0x01;
    let err = Engine::restore(&damaged).err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|m| m.contains("checksum mismatch")),
        "{err:?}"
    );
}

#[test]
fn snapshots_are_written_as_version_3() {
    let bytes = Engine::new(store())
        .expect("store")
        .snapshot()
        .expect("snapshot");
    assert!(bytes.starts_with(b"walkout-snapshot\n3\n"));
    let crc_line = bytes.split(|&b| b == b'\n').nth(2).expect("checksum line");
    assert_eq!(crc_line.len(), 8, "CRC-32 as 8 hex digits");
    assert!(Engine::restore(&bytes).is_ok());
}
