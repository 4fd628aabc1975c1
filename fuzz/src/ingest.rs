//! The `ingest` target: a structured stream of batches of every modality interleaved
//! with `step`, `snapshot`/`restore` and `finish`, checked against the engine's contract.

use arbitrary::{Arbitrary, Unstructured};
use walkout_core::input::GateEventKind;
use walkout_core::{Engine, WalkoutError};

use crate::fixtures::{plausible_time, shop, stores, Batch, Id, Num, Shop, Store, Time};

/// Most rows of one batch, ops of one input, and samples of one generated run: keeps a
/// single execution in the millisecond range.
pub(crate) const MAX_ROWS: usize = 48;
pub(crate) const MAX_OPS: usize = 48;
/// Most generated visits per input: each is about a thousand rows.
pub(crate) const MAX_SHOPS: usize = 3;

/// A column length error: `(column, delta)` adds or removes values of one column.
pub(crate) type Skew = Option<(u8, i8)>;

pub(crate) fn skew_len(skew: Skew, column: u8, columns: u8, len: usize) -> usize {
    match skew {
        Some((c, d)) if c % columns == column => len.saturating_add_signed(isize::from(d)),
        _ => len,
    }
}

/// Resize `v` to `len`, padding with `fill`.
pub(crate) fn fit<T: Clone>(mut v: Vec<T>, len: usize, fill: T) -> Vec<T> {
    v.resize(len.min(4 * MAX_ROWS * 51), fill);
    v
}

pub(crate) fn rows<T>(v: &[T]) -> &[T] {
    &v[..v.len().min(MAX_ROWS)]
}

#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct WeightRow(Id, Time, Num);
#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct PositionRow(Time, u8, Num, Num);
#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct GateRow(Id, Time, bool, Option<u8>);
#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct PersonRow {
    camera: Id,
    t: Time,
    bbox: [Num; 4],
    score: Num,
    /// Keypoint values; a few are set, the rest stay 0 (joint not seen).
    joints: Vec<(u8, Num)>,
}
#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct ThermalRow(Id, Time, [Num; 2], Num, Num);
#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct ProductRow(Id, Time, [Num; 4], Id, Num);
#[derive(Debug, Clone, Arbitrary)]
pub(crate) struct RfidRow {
    antenna: u8,
    raw_ids: Option<(u32, u32)>,
    t: Time,
    /// A product's SGTIN-96 with this serial, or a raw (hi, lo) pair.
    epc: Result<(u8, u16), (u64, u64)>,
    rssi: Num,
}

#[derive(Debug, Clone, Arbitrary)]
pub(crate) enum Op {
    Weights(Vec<WeightRow>, Skew),
    /// A steady 60 Hz run on one plate with one step in weight: reaches the detector.
    WeightRun {
        plate: Id,
        start: Time,
        samples: u8,
        level: Num,
        step_at: u8,
        step: Num,
    },
    Positions(Vec<PositionRow>, Skew),
    /// A shopper walking in a straight line at 15 Hz.
    Walk {
        track: u8,
        start: Time,
        samples: u8,
        from: (Num, Num),
        to: (Num, Num),
    },
    Gates(Vec<GateRow>, Skew),
    /// A whole shopper visit (see [`shop`]).
    Shop(Shop),
    Persons(Vec<PersonRow>, Skew, bool),
    Thermal(Vec<ThermalRow>, Skew),
    Products(Vec<ProductRow>, Skew),
    Rfid(Vec<RfidRow>, Skew),
    /// Send the last accepted batch again (a retry after a lost acknowledgement).
    Repeat,
    Step(Option<Time>),
    /// Snapshot, restore, and from then on run the restored twin beside the original.
    Snapshot,
    Finish,
}

pub(crate) fn build(op: &Op, s: &Store) -> Option<Batch> {
    Some(match op {
        Op::Weights(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Weights(
                fit(
                    r.iter().map(|w| w.0.pick(&s.plates)).collect(),
                    skew_len(*skew, 0, 3, n),
                    0,
                ),
                r.iter().map(|w| w.1.us()).collect(),
                fit(
                    r.iter().map(|w| w.2.f64()).collect(),
                    skew_len(*skew, 2, 3, n),
                    0.0,
                ),
            )
        }
        Op::WeightRun {
            plate,
            start,
            samples,
            level,
            step_at,
            step,
        } => {
            let plate = plate.pick(&s.plates);
            let n = usize::from(*samples).min(4 * MAX_ROWS);
            let t0 = start.us();
            let (level, step) = (level.f64() * 100.0, step.f64() * 10.0);
            let mut b = (vec![], vec![], vec![]);
            for i in 0..n {
                // Deterministic ±4 g wobble standing in for sensor noise.
                let wobble = ((i * 7919) % 9) as f64 - 4.0;
                let g = level
                    + if i >= usize::from(*step_at) {
                        step
                    } else {
                        0.0
                    };
                b.0.push(plate);
                b.1.push(t0.saturating_add(i as i64 * 16_667));
                b.2.push(g + wobble);
            }
            Batch::Weights(b.0, b.1, b.2)
        }
        Op::Positions(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Positions(
                r.iter().map(|p| p.0.us()).collect(),
                fit(
                    r.iter().map(|p| u32::from(p.1)).collect(),
                    skew_len(*skew, 1, 4, n),
                    0,
                ),
                fit(
                    r.iter().map(|p| p.2.f64()).collect(),
                    skew_len(*skew, 2, 4, n),
                    0.0,
                ),
                fit(
                    r.iter().map(|p| p.3.f64()).collect(),
                    skew_len(*skew, 3, 4, n),
                    0.0,
                ),
            )
        }
        Op::Walk {
            track,
            start,
            samples,
            from,
            to,
        } => {
            let n = usize::from(*samples).min(2 * MAX_ROWS);
            let t0 = start.us();
            let [fx, fy, tx, ty] = [from.0, from.1, to.0, to.1].map(|v| v.f64() / 20.0);
            let mut b = (vec![], vec![], vec![], vec![]);
            for i in 0..n {
                let u = i as f64 / n.max(1) as f64;
                b.0.push(t0.saturating_add(i as i64 * 66_667));
                b.1.push(u32::from(*track));
                b.2.push(fx + (tx - fx) * u);
                b.3.push(fy + (ty - fy) * u);
            }
            Batch::Positions(b.0, b.1, b.2, b.3)
        }
        Op::Gates(r, skew) => {
            let r = rows(r);
            let n = r.len();
            let kind = |exit: bool| {
                if exit {
                    GateEventKind::Exit
                } else {
                    GateEventKind::Enter
                }
            };
            Batch::Gates(
                fit(
                    r.iter().map(|g| g.0.pick(&s.gates)).collect(),
                    skew_len(*skew, 0, 4, n),
                    0,
                ),
                r.iter().map(|g| g.1.us()).collect(),
                fit(
                    r.iter().map(|g| kind(g.2)).collect(),
                    skew_len(*skew, 2, 4, n),
                    GateEventKind::Enter,
                ),
                fit(
                    r.iter().map(|g| g.3.map(|k| format!("acct-{k}"))).collect(),
                    skew_len(*skew, 3, 4, n),
                    None,
                ),
            )
        }
        Op::Persons(r, skew, with_keypoints) => {
            let r = rows(r);
            let n = r.len();
            let mut kp = vec![0.0f32; 51 * n];
            for (row, p) in r.iter().enumerate() {
                for &(j, v) in p.joints.iter().take(8) {
                    kp[row * 51 + usize::from(j) % 51] = v.f32() * 10.0;
                }
            }
            Batch::Persons(
                fit(
                    r.iter().map(|p| p.camera.pick(&s.cameras)).collect(),
                    skew_len(*skew, 0, 5, n),
                    0,
                ),
                r.iter().map(|p| p.t.us()).collect(),
                fit(
                    r.iter()
                        .flat_map(|p| p.bbox.map(|v| v.f32() * 10.0))
                        .collect(),
                    skew_len(*skew, 2, 5, 4 * n),
                    0.0,
                ),
                fit(
                    r.iter().map(|p| p.score.f32()).collect(),
                    skew_len(*skew, 3, 5, n),
                    0.5,
                ),
                with_keypoints.then(|| fit(kp, skew_len(*skew, 4, 5, 51 * n), 0.0)),
            )
        }
        Op::Thermal(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Thermal(
                fit(
                    r.iter().map(|b| b.0.pick(&s.thermal)).collect(),
                    skew_len(*skew, 0, 5, n),
                    0,
                ),
                r.iter().map(|b| b.1.us()).collect(),
                fit(
                    r.iter().flat_map(|b| b.2.map(|v| v.f32())).collect(),
                    skew_len(*skew, 2, 5, 2 * n),
                    0.0,
                ),
                fit(
                    r.iter().map(|b| b.3.f32()).collect(),
                    skew_len(*skew, 3, 5, n),
                    0.0,
                ),
                fit(
                    r.iter().map(|b| b.4.f32()).collect(),
                    skew_len(*skew, 4, 5, n),
                    0.0,
                ),
            )
        }
        Op::Products(r, skew) => {
            let r = rows(r);
            let n = r.len();
            Batch::Products(
                fit(
                    r.iter().map(|p| p.0.pick(&s.cameras)).collect(),
                    skew_len(*skew, 0, 5, n),
                    0,
                ),
                r.iter().map(|p| p.1.us()).collect(),
                fit(
                    r.iter().flat_map(|p| p.2.map(|v| v.f32() * 10.0)).collect(),
                    skew_len(*skew, 2, 5, 4 * n),
                    0.0,
                ),
                fit(
                    r.iter().map(|p| p.3.pick(&s.classes)).collect(),
                    skew_len(*skew, 3, 5, n),
                    0,
                ),
                fit(
                    r.iter().map(|p| p.4.f32()).collect(),
                    skew_len(*skew, 4, 5, n),
                    0.5,
                ),
            )
        }
        Op::Rfid(r, skew) => {
            let r = rows(r);
            let n = r.len();
            let ids: Vec<(u32, u32)> = r
                .iter()
                .map(|x| {
                    x.raw_ids.unwrap_or_else(|| {
                        s.antennas
                            .get(usize::from(x.antenna) % s.antennas.len().max(1))
                            .copied()
                            .unwrap_or((u32::from(x.antenna), 0))
                    })
                })
                .collect();
            let epcs: Vec<(u64, u64)> = r
                .iter()
                .map(|x| match x.epc {
                    Ok((product, serial)) => s
                        .gtins
                        .get(usize::from(product) % s.gtins.len().max(1))
                        .and_then(|g| {
                            walkout_core::epc::encode_sgtin96(g, 7, u64::from(serial), 1).ok()
                        })
                        .map_or((0, u64::from(serial)), |e| ((e >> 64) as u64, e as u64)),
                    Err(raw) => raw,
                })
                .collect();
            Batch::Rfid(
                fit(
                    ids.iter().map(|i| i.0).collect(),
                    skew_len(*skew, 0, 6, n),
                    0,
                ),
                fit(
                    ids.iter().map(|i| i.1).collect(),
                    skew_len(*skew, 1, 6, n),
                    0,
                ),
                r.iter().map(|x| x.t.us()).collect(),
                fit(
                    epcs.iter().map(|e| e.0).collect(),
                    skew_len(*skew, 3, 6, n),
                    0,
                ),
                fit(
                    epcs.iter().map(|e| e.1).collect(),
                    skew_len(*skew, 4, 6, n),
                    0,
                ),
                fit(
                    r.iter().map(|x| x.rssi.f32()).collect(),
                    skew_len(*skew, 5, 6, n),
                    -60.0,
                ),
            )
        }
        Op::Repeat | Op::Step(_) | Op::Snapshot | Op::Finish | Op::Shop(_) => return None,
    })
}

#[derive(Debug, Arbitrary)]
pub(crate) struct IngestInput {
    /// The store with cameras, thermal and RFID instead of the weights-only one.
    sensor_store: bool,
    ops: Vec<Op>,
}

pub(crate) fn snapshot_of(e: &Engine) -> Vec<u8> {
    e.snapshot().expect("snapshot of a live engine")
}

/// Apply one batch with the contract checks; returns whether it was accepted. The
/// engine's whole state is compared for batches of fuzzed rows; the long generated runs
/// (valid by construction) skip that costly check.
pub(crate) fn ingest_checked(e: &mut Engine, b: &Batch, compare_state: bool) -> bool {
    let compare_state = compare_state && b.rows() <= MAX_ROWS;
    let before_state = compare_state.then(|| snapshot_of(e));
    let before_stats = e.stats();
    let received = b.received(e);
    let finished = e.is_finished();
    match b.apply(e) {
        Ok(()) => {
            assert!(!finished, "a finished engine accepted a batch");
            assert!(!b.must_reject(), "accepted a batch it must reject: {b:?}");
            assert_eq!(
                b.received(e),
                received + b.rows() as u64,
                "an accepted batch counts every row as received"
            );
            true
        }
        Err(err) => {
            if finished {
                assert!(matches!(err, WalkoutError::State(_)), "{err}");
            } else {
                assert!(matches!(err, WalkoutError::Input { .. }), "{err}");
            }
            assert_eq!(
                e.stats(),
                before_stats,
                "a rejected batch changed the stats"
            );
            if let Some(before) = before_state {
                assert!(
                    snapshot_of(e) == before,
                    "a rejected batch changed the engine"
                );
            }
            false
        }
    }
}

/// Fuzz target: a stream of batches and engine calls (see the crate docs).
pub fn ingest(data: &[u8]) {
    let Ok(input) = IngestInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let store = &stores()[usize::from(input.sensor_store)];
    let mut engine = Engine::new(store.config.clone()).expect("shipped store builds");
    // The restored twin after a `Snapshot` op: it must behave exactly like `engine`.
    let mut twin: Option<Engine> = None;
    let mut last_accepted: Option<Batch> = None;
    let mut shops = 0;
    // Both stores are small: comparing whole snapshots is affordable.
    let compare_state = true;
    for op in input.ops.iter().take(MAX_OPS) {
        match op {
            Op::Repeat => {
                if let Some(b) = &last_accepted {
                    let ok = ingest_checked(&mut engine, b, compare_state);
                    assert!(ok || engine.is_finished(), "a repeated batch was rejected");
                    if let Some(t) = twin.as_mut() {
                        assert_eq!(ingest_checked(t, b, false), ok);
                    }
                }
            }
            Op::Step(until) => {
                let until = until.map(Time::us);
                let r = engine.step(until);
                // A time outside the plausible clock range is refused like an ingested one.
                let implausible = until.is_some_and(|t| !plausible_time(t));
                assert_eq!(r.is_err(), engine.is_finished() || implausible, "{r:?}");
                if let Some(t) = twin.as_mut() {
                    assert_eq!(t.step(until), r);
                }
            }
            Op::Snapshot => {
                let bytes = snapshot_of(&engine);
                let restored = Engine::restore(&bytes).expect("restore of a fresh snapshot");
                assert!(snapshot_of(&restored) == bytes, "restore is not exact");
                twin = Some(restored);
            }
            Op::Finish => {
                let r = engine.finish();
                if let Some(t) = twin.as_mut() {
                    assert_eq!(t.finish(), r);
                }
            }
            Op::Shop(visit) => {
                shops += 1;
                if shops > MAX_SHOPS {
                    continue;
                }
                for batch in shop(store, visit) {
                    let ok = ingest_checked(&mut engine, &batch, compare_state);
                    if let Some(t) = twin.as_mut() {
                        assert_eq!(ingest_checked(t, &batch, false), ok);
                    }
                }
            }
            _ => {
                let Some(batch) = build(op, store) else {
                    continue;
                };
                let ok = ingest_checked(&mut engine, &batch, compare_state);
                if let Some(t) = twin.as_mut() {
                    assert_eq!(ingest_checked(t, &batch, false), ok);
                }
                if ok {
                    last_accepted = Some(batch);
                }
            }
        }
    }
    if !engine.is_finished() {
        engine.finish().expect("finish of an open engine");
    }
    // Nothing is lost across a snapshot at the end either.
    let bytes = snapshot_of(&engine);
    let restored = Engine::restore(&bytes).expect("restore of a finished engine");
    assert!(snapshot_of(&restored) == bytes);
    if let Some(mut t) = twin {
        if !t.is_finished() {
            t.finish().expect("finish of the twin");
        }
        assert_eq!(t.receipts(), engine.receipts(), "restored twin diverged");
        assert_eq!(t.shelf_events(), engine.shelf_events());
        assert_eq!(t.stats(), engine.stats());
    }
}

/// The decoded form of an [`ingest`] input, for reading a crash artifact
/// (`cargo run --example describe -- ingest FILE`).
pub fn describe_ingest(data: &[u8]) -> String {
    match IngestInput::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(input) => format!("{input:#?}"),
        Err(e) => format!("not an ingest input: {e}"),
    }
}
