//! End-to-end flows through the core engine on a small hand-built store: one shelf of
//! four plates, an entry and an exit gate.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use walkout_core::input::GateEventKind;
use walkout_core::Engine;

mod common;

use common::{feed_weights, session, store, Session, T0};

#[derive(Clone)]
enum Ev {
    W(u32, i64, f64),
    P(i64, u32, f64, f64),
    G(u32, i64, GateEventKind, Option<String>),
}

impl Ev {
    fn t(&self) -> i64 {
        match self {
            Ev::W(_, t, _) | Ev::P(t, ..) | Ev::G(_, t, ..) => *t,
        }
    }
}

/// Feed the session as a stream in chunks of `chunk` events, stepping to the watermark
/// after each. With `delay_seed`, every event is delayed by a random 0..1.5 s (the
/// lateness bound is 2 s) and every 97th event is sent twice.
fn run(s: &Session, delay_seed: Option<u64>, chunk: usize) -> Engine {
    run_with_restarts(s, delay_seed, chunk, &[])
}

/// As [`run`], but after each chunk index in `restarts` the engine is snapshotted,
/// dropped and restored from the bytes, as after a process crash.
fn run_with_restarts(
    s: &Session,
    delay_seed: Option<u64>,
    chunk: usize,
    restarts: &[usize],
) -> Engine {
    let mut stream: Vec<Ev> = s
        .weights
        .iter()
        .map(|w| Ev::W(w.0, w.1, w.2))
        .chain(s.positions.iter().map(|p| Ev::P(p.0, p.1, p.2, p.3)))
        .chain(s.gates.iter().map(|g| Ev::G(g.0, g.1, g.2, g.3.clone())))
        .collect();
    match delay_seed {
        None => stream.sort_by_key(Ev::t),
        Some(seed) => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let dups: Vec<Ev> = stream.iter().step_by(97).cloned().collect();
            stream.extend(dups);
            stream.shuffle(&mut rng);
            let mut keyed: Vec<(i64, Ev)> = stream
                .into_iter()
                .map(|e| (e.t() + rng.random_range(0..1_500_000), e))
                .collect();
            keyed.sort_by_key(|k| k.0);
            stream = keyed.into_iter().map(|k| k.1).collect();
        }
    }
    let mut e = Engine::new(store()).unwrap();
    for (ci, c) in stream.chunks(chunk).enumerate() {
        let (mut wp, mut wt, mut wg) = (vec![], vec![], vec![]);
        let (mut pt, mut pid, mut px, mut py) = (vec![], vec![], vec![], vec![]);
        let (mut gid, mut gt, mut gk, mut gtok) = (vec![], vec![], vec![], vec![]);
        for ev in c {
            match ev.clone() {
                Ev::W(p, t, g) => {
                    wp.push(p);
                    wt.push(t);
                    wg.push(g);
                }
                Ev::P(t, id, x, y) => {
                    pt.push(t);
                    pid.push(id);
                    px.push(x);
                    py.push(y);
                }
                Ev::G(g, t, k, tok) => {
                    gid.push(g);
                    gt.push(t);
                    gk.push(k);
                    gtok.push(tok);
                }
            }
        }
        e.ingest_weights(&wp, &wt, &wg).unwrap();
        e.ingest_positions(&pt, &pid, &px, &py).unwrap();
        e.ingest_gates(&gid, &gt, &gk, &gtok).unwrap();
        e.step(None).unwrap();
        if restarts.contains(&ci) {
            let bytes = e.snapshot().unwrap();
            drop(e);
            e = Engine::restore(&bytes).unwrap();
        }
    }
    e.finish().unwrap();
    e
}

/// (token, [(sku, quantity)]) per receipt.
type ReceiptSummary = Vec<(Option<String>, Vec<(String, u32)>)>;

fn receipt_lines(e: &Engine) -> ReceiptSummary {
    e.receipts()
        .iter()
        .map(|r| {
            (
                r.token.clone(),
                r.lines
                    .iter()
                    .map(|l| (l.sku.clone(), l.quantity))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn pick_pick_two_put_back_one_gives_the_right_receipt() {
    let e = run(&session(1), None, 5000);
    let receipts = receipt_lines(&e);
    assert_eq!(
        receipts,
        vec![(
            Some("acct-1".to_string()),
            vec![("cola".to_string(), 1), ("chips".to_string(), 1)]
        )],
        "events: {:#?}",
        e.shelf_events()
    );
    let inv = e.inventory();
    assert_eq!(inv.on_plate(0).values().sum::<u32>(), 9);
    assert_eq!(inv.on_plate(1).values().sum::<u32>(), 9);
    let stats = e.stats();
    assert_eq!(stats.weights.late, 0);
    assert_eq!(stats.unmatched_gate_events, 0);
}

#[test]
fn delayed_shuffled_and_duplicated_input_gives_identical_results() {
    let s = session(2);
    let reference = run(&s, None, 4000);
    for seed in 0..3 {
        for chunk in [700, 9000] {
            let e = run(&s, Some(seed), chunk);
            assert_eq!(
                receipt_lines(&e),
                receipt_lines(&reference),
                "seed {seed} chunk {chunk}"
            );
            assert_eq!(
                e.shelf_events(),
                reference.shelf_events(),
                "seed {seed} chunk {chunk}"
            );
            assert_eq!(e.stats().weights.late, 0);
            assert!(e.stats().weights.duplicates > 0);
        }
    }
}

#[test]
fn events_older_than_processed_time_are_counted_late_not_used() {
    let s = session(3);
    let mut e = Engine::new(store()).unwrap();
    e.ingest_weights(&[10], &[T0 + 20_000_000], &[2000.0])
        .unwrap();
    e.step(Some(T0 + 10_000_000)).unwrap();
    feed_weights(&mut e, &s.weights[..100]).unwrap();
    assert_eq!(e.stats().weights.late, 100);
    assert_eq!(e.stats().weights.received, 101);
}

#[test]
fn bad_rows_reject_the_batch_with_field_row_and_value() {
    let mut e = Engine::new(store()).unwrap();
    let err = e
        .ingest_weights(&[10, 99], &[T0, T0], &[1.0, 2.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("weights.plate_id") && err.contains("row 1") && err.contains("99"),
        "{err}"
    );
    let err = e
        .ingest_weights(&[10], &[T0], &[f64::NAN])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("weights.grams") && err.contains("NaN"),
        "{err}"
    );
    let err = e
        .ingest_weights(&[10], &[T0, T0], &[1.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("weights.t_us"), "{err}");
    let err = e
        .ingest_positions(&[5], &[1], &[1.0], &[1.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("positions.t_us") && err.contains("2000..2100"),
        "{err}"
    );
    assert_eq!(
        e.stats().weights.received,
        0,
        "a rejected batch ingests nothing"
    );
    e.finish().unwrap();
    let err = e.step(None).unwrap_err().to_string();
    assert!(err.contains("finished"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8))]
    #[test]
    fn snapshot_and_restore_anywhere_gives_identical_results(
        restarts in proptest::collection::vec(0usize..40, 1..4),
        delay_seed in proptest::option::of(0u64..1000),
    ) {
        let s = session(5);
        let reference = run(&s, delay_seed, 3000);
        let restored = run_with_restarts(&s, delay_seed, 3000, &restarts);
        proptest::prop_assert_eq!(receipt_lines(&restored), receipt_lines(&reference));
        proptest::prop_assert_eq!(restored.shelf_events(), reference.shelf_events());
        proptest::prop_assert_eq!(restored.stats(), reference.stats());
    }
}

#[test]
fn a_damaged_snapshot_is_a_clear_error() {
    let e = Engine::new(store()).unwrap();
    let bytes = e.snapshot().unwrap();
    let err = Engine::restore(&bytes[..bytes.len() / 2])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("snapshot cannot be restored"), "{err}");
    let err = Engine::restore(b"hello").err().unwrap().to_string();
    assert!(err.contains("bad magic"), "{err}");
    let mut other = bytes.clone();
    let at = other.iter().position(|&b| b == b'\n').unwrap() + 1;
    other[at] = b'9';
    let err = Engine::restore(&other).err().unwrap().to_string();
    assert!(err.contains("format version 9"), "{err}");
}
