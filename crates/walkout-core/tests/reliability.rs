//! Regression tests of what the fuzz targets (`fuzz/`, see README "Fuzzing") found, and
//! of the input bounds added for them: every rejected batch names its field and row and
//! leaves the engine unchanged, and whatever the engine accepts it can also checkpoint
//! and restore.

use walkout_core::config::{AntennaKind, StoreConfig};
use walkout_core::input::GateEventKind;
use walkout_core::test_support::store::{antenna, StoreBuilder};
use walkout_core::{Engine, WalkoutError};

mod common;

use common::T0;

/// The shared test store plus a thermal camera, an RFID exit antenna and a vision class.
fn store() -> StoreConfig {
    let mut cfg = common::store();
    cfg.products[0].vision_class = Some(0);
    let exit = antenna(0, AntennaKind::Exit, [5.0, 0.0, 0.0], [6.0, 1.0, 2.0]);
    StoreBuilder::from(cfg)
        .thermal_camera(5, common::THERMAL_HOMOGRAPHY)
        .rfid_reader(1, vec![exit])
        .build()
}

/// `call` must fail with an input error on `field` at `row`, and change nothing.
fn assert_rejected(
    e: &mut Engine,
    field: &str,
    row: usize,
    call: impl FnOnce(&mut Engine) -> walkout_core::Result<()>,
) {
    let before = e.snapshot().expect("snapshot");
    match call(e) {
        Err(WalkoutError::Input {
            field: f, row: r, ..
        }) => {
            assert_eq!((f.as_str(), r), (field, row));
        }
        other => panic!("expected an input error on {field}, got {other:?}"),
    }
    assert!(
        e.snapshot().expect("snapshot") == before,
        "a rejected batch changed the engine"
    );
}

/// Snapshot, restore, and check the restored engine is the same engine.
fn assert_restorable(e: &Engine) {
    let bytes = e.snapshot().expect("snapshot");
    let restored = Engine::restore(&bytes).expect("a snapshot of accepted input restores");
    assert!(restored.snapshot().expect("snapshot") == bytes);
}

/// Found by the `ingest` target: a finite but absurd weight (1.4e179 g) was accepted,
/// its square overflowed the detector's variance sums to infinity, and the snapshot
/// held `null` where a number belongs, so it could no longer be restored.
#[test]
fn weights_beyond_a_tonne_are_rejected() {
    let mut e = Engine::new(store()).expect("store");
    let t: Vec<i64> = (0..3).map(|i| T0 + i * 16_667).collect();
    assert_rejected(&mut e, "weights.grams", 2, |e| {
        e.ingest_weights(&[10, 10, 10], &t, &[2000.0, 2001.0, 1.4e179])
    });
    assert_rejected(&mut e, "weights.grams", 0, |e| {
        e.ingest_weights(&[10], &t[..1], &[-2e6])
    });
    // The bound itself is accepted, on every plate, and checkpoints cleanly.
    for plate in 10..14 {
        let g = [1e6, -1e6, 1e6, 0.0, 1e6, -1e6];
        let t: Vec<i64> = (0..6).map(|i| T0 + i * 16_667).collect();
        e.ingest_weights(&[plate; 6], &t, &g)
            .expect("within the bound");
    }
    e.step(Some(T0 + 1_000_000)).expect("step");
    assert_restorable(&e);
}

/// RSSI was not checked at all: a NaN was buffered and broke the next snapshot.
#[test]
fn rfid_signal_strength_must_be_finite_and_plausible() {
    let mut e = Engine::new(store()).expect("store");
    for (rssi, row) in [(f32::NAN, 1), (f32::INFINITY, 1), (500.0, 1)] {
        assert_rejected(&mut e, "rfid_reads.rssi_dbm", row, |e| {
            e.ingest_rfid_reads(
                &[1, 1],
                &[0, 0],
                &[T0, T0],
                &[0, 0],
                &[1, 2],
                &[-60.0, rssi],
            )
        });
    }
    e.ingest_rfid_reads(&[1], &[0], &[T0], &[0], &[1], &[-60.0])
        .expect("a plausible read");
    e.step(Some(T0 + 1_000_000)).expect("step");
    assert_restorable(&e);
}

/// Flat coordinate columns whose length is not a multiple of their row width were
/// accepted with the extra values ignored (found by the `ingest` target's
/// column-length oracle).
#[test]
fn flat_coordinate_columns_must_hold_whole_rows() {
    let mut e = Engine::new(store()).expect("store");
    assert_rejected(&mut e, "thermal_blobs.centroid", 0, |e| {
        e.ingest_thermal_blobs(&[5], &[T0], &[1.0, 2.0, 3.0], &[100.0], &[30.0])
    });
    assert_rejected(&mut e, "product_detections.bbox", 0, |e| {
        e.ingest_product_detections(&[1], &[T0], &[1.0, 2.0, 3.0, 4.0, 5.0], &[0], &[0.9])
    });
}

#[test]
fn thermal_blobs_must_be_plausible() {
    let mut e = Engine::new(store()).expect("store");
    let cases: [(&str, [f32; 2], f32, f32); 5] = [
        ("thermal_blobs.centroid", [f32::NAN, 1.0], 100.0, 30.0),
        ("thermal_blobs.centroid", [1e30, 1.0], 100.0, 30.0),
        ("thermal_blobs.area_px", [1.0, 1.0], -5.0, 30.0),
        ("thermal_blobs.area_px", [1.0, 1.0], f32::INFINITY, 30.0),
        ("thermal_blobs.temperature_c", [1.0, 1.0], 100.0, 1e9),
    ];
    for (field, c, area, temp) in cases {
        assert_rejected(&mut e, field, 0, |e| {
            e.ingest_thermal_blobs(&[5], &[T0], &c, &[area], &[temp])
        });
    }
}

/// Pixel coordinates far outside any image (1e30) passed the finiteness check and went
/// into the camera geometry.
#[test]
fn pixel_coordinates_far_outside_the_image_are_rejected() {
    let mut e = Engine::new(store()).expect("store");
    assert_rejected(&mut e, "person_detections.bbox", 0, |e| {
        e.ingest_person_detections(&[1], &[T0], &[0.0, 0.0, 1e30, 10.0], &[0.9], None, None)
    });
    let mut kp = vec![0.0f32; 51];
    kp[30] = -2e5;
    assert_rejected(&mut e, "person_detections.keypoints", 0, |e| {
        e.ingest_person_detections(
            &[1],
            &[T0],
            &[0.0, 0.0, 10.0, 10.0],
            &[0.9],
            Some(&kp),
            None,
        )
    });
    assert_rejected(&mut e, "product_detections", 0, |e| {
        e.ingest_product_detections(&[1], &[T0], &[0.0, 0.0, 1e6, 10.0], &[0], &[0.9])
    });
}

/// Whatever the bounds let through, at its extremes, the engine processes and can
/// checkpoint: no non-finite number reaches its state.
#[test]
fn extreme_accepted_input_still_checkpoints() {
    let mut e = Engine::new(store()).expect("store");
    let n = 40;
    let t: Vec<i64> = (0..n).map(|i| T0 + i * 66_667).collect();
    let edge = walkout_core::engine::MAX_ABS_PX;
    let bbox: Vec<f32> = (0..n)
        .flat_map(|i| {
            if i % 2 == 0 {
                [-edge, -edge, edge, edge]
            } else {
                [900.0, 300.0, 1000.0, 800.0]
            }
        })
        .collect();
    let kp: Vec<f32> = (0..n * 51)
        .map(|i| match i % 3 {
            2 => 1.0,
            _ if i % 2 == 0 => edge,
            _ => -edge,
        })
        .collect();
    let cams: Vec<u32> = (0..n).map(|i| 1 + (i % 2) as u32).collect();
    e.ingest_person_detections(&cams, &t, &bbox, &vec![1.0; n as usize], Some(&kp), None)
        .expect("extreme but valid detections");
    let centroid: Vec<f32> = (0..n)
        .flat_map(|i| [edge * (i % 2) as f32, -edge])
        .collect();
    let (lo, hi) = walkout_core::engine::TEMPERATURE_RANGE_C;
    let temps: Vec<f32> = (0..n).map(|i| if i % 2 == 0 { lo } else { hi }).collect();
    let area = vec![walkout_core::engine::MAX_BLOB_AREA_PX; n as usize];
    e.ingest_thermal_blobs(&vec![5; n as usize], &t, &centroid, &area, &temps)
        .expect("extreme but valid blobs");
    // Positions are the other tracker's input: an engine of their own.
    let mut upstream = Engine::new(store()).expect("store");
    upstream
        .ingest_positions(
            &t,
            &vec![3; n as usize],
            &vec![-1.0; n as usize],
            &vec![6.0; n as usize],
        )
        .expect("positions just outside the walls");
    for e in [&mut e, &mut upstream] {
        e.ingest_gates(
            &[1, 2],
            &[T0, T0 + 1],
            &[GateEventKind::Enter, GateEventKind::Exit],
            &[
                Some("x".repeat(walkout_core::engine::MAX_TOKEN_BYTES)),
                None,
            ],
        )
        .expect("gates");
        e.step(Some(T0 + 2_000_000)).expect("step");
        assert_restorable(e);
        e.finish().expect("finish");
        assert_restorable(e);
    }
}

/// Found by the `snapshot` target: a snapshot whose JSON still parsed after damage (an
/// index no longer fitting the store) restored, and the next `step` panicked on it.
/// Snapshots now carry a checksum, so damage is refused at `restore`.
#[test]
fn a_damaged_snapshot_is_refused_before_it_is_used() {
    let mut e = Engine::new(store()).expect("store");
    let t: Vec<i64> = (0..60).map(|i| T0 + i * 16_667).collect();
    e.ingest_weights(&[10; 60], &t, &[2000.0; 60])
        .expect("weights");
    e.step(Some(T0 + 500_000)).expect("step");
    let bytes = e.snapshot().expect("snapshot");
    let text = String::from_utf8(bytes.clone()).expect("snapshots are text");
    // Empty the inventory: still valid JSON of the right shape.
    let edited = text.replacen(
        "\"inventory\":{\"counts\":[",
        "\"inventory\":{\"counts\":[],\"x\":[",
        1,
    );
    assert_ne!(
        edited, text,
        "the snapshot layout changed; update this test"
    );
    for damaged in [edited.into_bytes(), bytes[..bytes.len() - 1].to_vec()] {
        let err = Engine::restore(&damaged).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|m| m.contains("checksum mismatch")),
            "{err:?}"
        );
    }
    // A bit flip in a digit of the state, too.
    let at = text
        .find("\"t_us\":")
        .map(|i| i + 8)
        .or_else(|| text.rfind(|c: char| c.is_ascii_digit()));
    let mut flipped = bytes.clone();
    if let Some(i) = at {
        flipped[i] ^= 0x01;
    }
    assert!(Engine::restore(&flipped).is_err());
    assert!(Engine::restore(&bytes).is_ok());
}

/// The message of the input error `call` fails with, after [`assert_rejected`]'s checks.
fn rejected_message(
    e: &mut Engine,
    field: &str,
    row: usize,
    call: impl Fn(&mut Engine) -> walkout_core::Result<()>,
) -> String {
    assert_rejected(e, field, row, &call);
    call(e).err().map(|e| e.to_string()).unwrap_or_default()
}

/// `step(until_us)` took any integer: nanoseconds or `i64::MAX` moved the processed
/// time so far that every later sample counted as late; seconds did nothing.
#[test]
fn step_refuses_a_time_that_is_not_microseconds() {
    let mut e = Engine::new(store()).expect("store");
    e.ingest_weights(&[10], &[T0], &[2000.0]).expect("weights");
    for bad in [T0 * 1000, i64::MAX, T0 / 1_000_000, 0, -1] {
        let msg = rejected_message(&mut e, "step.until_us", 0, |e| e.step(Some(bad)));
        assert!(msg.contains(&bad.to_string()), "{msg}");
    }
    assert_eq!(e.stats().processed_until_us, None);
    e.step(Some(T0 + 1_000_000)).expect("a time in µs");
    e.ingest_weights(&[10], &[T0 + 2_000_000], &[2000.0])
        .expect("weights");
    assert_eq!(e.stats().weights.late, 0);
}

fn one_detection(e: &mut Engine, t: i64) -> walkout_core::Result<()> {
    e.ingest_person_detections(
        &[1],
        &[t],
        &[900.0, 300.0, 1000.0, 800.0],
        &[0.9],
        None,
        None,
    )
}

fn one_blob(e: &mut Engine, t: i64) -> walkout_core::Result<()> {
    e.ingest_thermal_blobs(&[5], &[t], &[100.0, 100.0], &[500.0], &[30.0])
}

fn one_position(e: &mut Engine, t: i64) -> walkout_core::Result<()> {
    e.ingest_positions(&[t], &[7], &[1.0], &[1.0])
}

/// Upstream positions and the engine's own camera tracker gave one shopper two tracks
/// and a wrong receipt without an error: one engine takes one of them, also after a
/// snapshot is restored.
#[test]
fn positions_and_camera_detections_are_not_mixed() {
    let mut cameras = Engine::new(store()).expect("store");
    one_detection(&mut cameras, T0).expect("detections");
    let mut cameras = Engine::restore(&cameras.snapshot().expect("snapshot")).expect("restore");
    let msg = rejected_message(&mut cameras, "positions", 0, |e| one_position(e, T0));
    assert!(
        msg.contains("tracks shoppers from camera detections") && msg.contains("cannot be mixed"),
        "{msg}"
    );
    // An empty batch mixes nothing; more of the same kind is welcome.
    cameras
        .ingest_positions(&[], &[], &[], &[])
        .expect("no rows");
    one_blob(&mut cameras, T0 + 1).expect("blobs after detections");

    let mut upstream = Engine::new(store()).expect("store");
    one_position(&mut upstream, T0).expect("positions");
    let mut upstream = Engine::restore(&upstream.snapshot().expect("snapshot")).expect("restore");
    let msg = rejected_message(&mut upstream, "person_detections", 0, |e| {
        one_detection(e, T0)
    });
    assert!(
        msg.contains("tracks shoppers from upstream positions"),
        "{msg}"
    );
    rejected_message(&mut upstream, "thermal_blobs", 0, |e| one_blob(e, T0));
}

fn one_gate(
    e: &mut Engine,
    gate: u32,
    kind: GateEventKind,
    token: Option<String>,
) -> walkout_core::Result<()> {
    e.ingest_gates(
        &[1, gate],
        &[T0, T0 + 1],
        &[GateEventKind::Enter, kind],
        &[None, token],
    )
}

/// A megabyte token, or one with control characters, was kept and printed as given.
#[test]
fn gate_tokens_are_short_printable_strings() {
    let mut e = Engine::new(store()).expect("store");
    let huge = "A".repeat(1 << 20);
    let msg = rejected_message(&mut e, "gates.token", 1, |e| {
        one_gate(e, 1, GateEventKind::Enter, Some(huge.clone()))
    });
    assert!(msg.contains("1048576 bytes") && msg.len() < 400, "{msg}");
    for bad in ["acct\n2", "\u{1b}[2J", ""] {
        rejected_message(&mut e, "gates.token", 1, |e| {
            one_gate(e, 1, GateEventKind::Enter, Some(bad.into()))
        });
    }
    let longest = "é".repeat(walkout_core::engine::MAX_TOKEN_BYTES / 2);
    one_gate(&mut e, 1, GateEventKind::Enter, Some(longest)).expect("a token of 256 bytes");
}

/// An exit at an entry gate, an entry at an exit gate and a token on the way out were
/// recorded silently and bound nothing.
#[test]
fn gate_passages_fit_their_gate() {
    let mut e = Engine::new(store()).expect("store");
    // Gate 1 is the entry, gate 2 the exit.
    let msg = rejected_message(&mut e, "gates.kind", 1, |e| {
        one_gate(e, 1, GateEventKind::Exit, None)
    });
    assert!(msg.contains("an `exit` passage at an entry gate"), "{msg}");
    rejected_message(&mut e, "gates.kind", 1, |e| {
        one_gate(e, 2, GateEventKind::Enter, None)
    });
    let msg = rejected_message(&mut e, "gates.token", 1, |e| {
        one_gate(e, 2, GateEventKind::Exit, Some("acct-1".into()))
    });
    assert!(msg.contains("exit passage carries none"), "{msg}");
    one_gate(&mut e, 2, GateEventKind::Exit, None).expect("an exit at the exit");
}

/// The config calls an entry gate `entry`; a passage in is `enter`: both read.
#[test]
fn a_passage_in_reads_as_enter_or_entry() {
    for text in ["\"enter\"", "\"entry\""] {
        let kind: GateEventKind = serde_json::from_str(text).expect("a gate event kind");
        assert_eq!(kind, GateEventKind::Enter);
    }
}
