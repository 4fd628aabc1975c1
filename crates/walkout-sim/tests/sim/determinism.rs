//! Sessions are a pure function of (config, scenario, seed, options), whether rendered
//! at once or window by window.

use walkout_sim::{
    simulate, simulate_chunks, simulate_chunks_with, simulate_with, SimError, SimOptions,
    SimSession,
};

use crate::common;

#[test]
fn same_seed_gives_identical_sessions() {
    // The adversarial crowd exercises every renderer and every kind of action.
    let a = simulate(common::store(), "adversarial-crowd", 1).expect("simulate");
    let b = common::session("adversarial-crowd", 1);
    assert!(a == *b, "two runs with seed 1 differ");
}

#[test]
fn different_seeds_give_different_sessions() {
    for scenario in common::BASE {
        let a = common::session(scenario, 1);
        let b = common::session(scenario, 2);
        assert_ne!(a.truth.actions, b.truth.actions, "{scenario}: same actions");
        assert_ne!(
            a.weights.grams[..1000],
            b.weights.grams[..1000],
            "{scenario}"
        );
        assert_ne!(a.truth.shoppers[0].track_id, b.truth.shoppers[0].track_id);
        assert_ne!(a.person_detections.keypoints, b.person_detections.keypoints);
    }
}

#[test]
fn session_round_trips_through_json() {
    let s = common::session("adversarial-crowd", 1);
    let text = serde_json::to_string(&*s).expect("serialise");
    let back: SimSession = serde_json::from_str(&text).expect("deserialise");
    assert!(back == *s, "the JSON round trip changed the session");
    assert!(text.contains("\"put_back\"") && text.contains("\"pick\""));
}

/// Concatenated windows of any size equal the whole session: every renderer keeps its
/// state across windows.
#[test]
fn chunks_concatenate_to_the_session() {
    let whole = common::session("sensor-faults", 1);
    let mut chunks =
        simulate_chunks(common::store(), "sensor-faults", 1, 7.3).expect("simulate_chunks");
    assert_eq!(chunks.start_us(), whole.start_us);
    assert_eq!(chunks.end_us(), whole.end_us);
    assert_eq!(chunks.truth().actions, whole.truth.actions);
    assert!(
        chunks.truth().trajectories.is_empty(),
        "per-frame truth comes with chunks"
    );
    let mut all = chunks.next().expect("a first chunk");
    let mut previous_end = all.end_us;
    let mut n = 1;
    for c in chunks.by_ref() {
        assert_eq!(c.start_us, previous_end, "windows follow each other");
        assert!(c.end_us - c.start_us <= 7_300_000);
        assert!(c
            .weights
            .t_us
            .iter()
            .all(|&t| t >= c.start_us && t < c.end_us));
        previous_end = c.end_us;
        all.append(c);
        n += 1;
    }
    assert!(n > 5, "{n} chunks");
    assert_eq!(previous_end, whole.end_us + 1);
    assert!(all.weights == whole.weights, "weights differ");
    assert!(all.positions == whole.positions, "positions differ");
    assert!(all.gates == whole.gates);
    assert!(all.person_detections == whole.person_detections);
    assert!(all.product_detections == whole.product_detections);
    assert!(all.thermal_blobs == whole.thermal_blobs);
    assert!(all.rfid_reads == whole.rfid_reads);
    assert!(all.trajectories == whole.truth.trajectories);
    assert!(all.person_boxes == whole.truth.person_boxes);
}

#[test]
fn bad_options_are_config_errors() {
    let path = |e: SimError| match e {
        SimError::Config { path, .. } => path,
        other => format!("{other}"),
    };
    let err = simulate_chunks(common::store(), "single-picks", 1, 0.0).err();
    assert_eq!(err.map(path).as_deref(), Some("chunk_s"));
    for d in [0.0, -5.0, f64::NAN, 1e9] {
        let options = SimOptions {
            duration_s: Some(d),
            ..SimOptions::default()
        };
        let err = simulate_with(common::store(), "scale-large", 1, &options).err();
        assert_eq!(err.map(path).as_deref(), Some("duration_s"), "{d}");
    }
}

/// The hour-long scenario plans quickly and renders lazily: a test can look at its
/// first seconds without rendering the rest.
#[test]
fn scale_large_streams_its_start() {
    let options = SimOptions {
        duration_s: Some(40.0),
        ..SimOptions::default()
    };
    let mut chunks = simulate_chunks_with(common::large_store(), "scale-large", 7, 4.0, &options)
        .expect("simulate_chunks");
    let truth = chunks.truth();
    assert!(
        truth.shoppers.len() >= 15,
        "{} shoppers",
        truth.shoppers.len()
    );
    assert!(truth.actions.len() >= truth.shoppers.len());
    let entries: Vec<i64> = truth.shoppers.iter().map(|s| s.enter_us).collect();
    assert!(
        entries.windows(2).all(|w| w[0] <= w[1]),
        "shoppers arrive in order"
    );
    let plates = common::large_store().plates().count();
    assert_eq!(plates, 1008);
    let mut c = walkout_sim::SimChunk::default();
    let mut seen_plates = std::collections::BTreeSet::new();
    let mut cameras = std::collections::BTreeSet::new();
    for _ in 0..3 {
        assert!(chunks.next_into(&mut c));
        seen_plates.extend(c.weights.plate_id.iter().copied());
        cameras.extend(c.person_boxes.camera_id.iter().copied());
        assert!(c.weights.t_us.windows(2).all(|w| w[0] <= w[1]));
    }
    assert_eq!(seen_plates.len(), plates, "every plate streams");
    assert!(!cameras.is_empty(), "the first shoppers are in view");
}
