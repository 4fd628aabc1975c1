//! End-to-end flows through the core engine on a small hand-built store: one shelf of
//! four plates, an entry and an exit gate.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use walkout_core::config::*;
use walkout_core::input::GateEventKind;
use walkout_core::Engine;

const T0: i64 = 1_767_258_000_000_000;
const DT: i64 = 16_667;

fn store() -> StoreConfig {
    let product = |sku: &str, w: f64| Product {
        sku: sku.into(),
        name: sku.to_uppercase(),
        weight_g: w,
        weight_std_g: 3.0,
        price_cents: 100,
        rfid: false,
        vision_class: None,
    };
    let plates = (0..4)
        .map(|i| Plate {
            id: 10 + i,
            min: [1.0 + 0.3 * i as f64, 2.0, 0.5],
            max: [1.3 + 0.3 * i as f64, 2.45, 0.75],
            front: Facing::NegY,
            sensor: WeightSensor {
                noise_std_g: 5.0,
                rate_hz: 60.0,
            },
        })
        .collect();
    StoreConfig {
        name: "test".into(),
        currency: "EUR".into(),
        floor: [6.0, 5.0],
        products: vec![
            product("cola", 345.0),
            product("chips", 160.0),
            product("milk", 1050.0),
            product("gum", 60.0),
        ],
        gondolas: vec![Gondola {
            id: 1,
            name: "A".into(),
            shelves: vec![Shelf { id: 1, plates }],
        }],
        planogram: ["cola", "chips", "milk", "gum"]
            .iter()
            .enumerate()
            .map(|(i, s)| PlanogramEntry {
                plate: 10 + i as u32,
                sku: s.to_string(),
                count: 10,
            })
            .collect(),
        cameras: vec![],
        thermal_cameras: vec![],
        rfid_readers: vec![],
        gates: vec![
            Gate {
                id: 1,
                kind: GateKind::Entry,
                position: [0.5, 0.5],
                radius_m: 1.0,
            },
            Gate {
                id: 2,
                kind: GateKind::Exit,
                position: [5.5, 0.5],
                radius_m: 1.0,
            },
        ],
        fusion: FusionParams::default(),
    }
}

/// Shopper 77 enters, takes a can from plate 10 at 10 s, two bags of chips from plate 11
/// at 20 s, puts one bag back at 30 s and leaves.
struct Session {
    weights: Vec<(u32, i64, f64)>,
    positions: Vec<(i64, u32, f64, f64)>,
    gates: Vec<(u32, i64, GateEventKind, Option<String>)>,
}

fn session(seed: u64) -> Session {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 5.0).unwrap();
    let secs = 50.0;
    let n = (secs * 60.0) as i64;
    // (plate, time s, grams moved)
    let moves = [(10u32, 10.0, -345.0), (11, 20.0, -320.0), (11, 30.0, 160.0)];
    let mut weights = Vec::new();
    for plate in 10..14u32 {
        for i in 0..n {
            let t = i as f64 / 60.0;
            let mut g = 2000.0 + noise.sample(&mut rng);
            for &(p, at, d) in &moves {
                if p == plate {
                    if t >= at {
                        g += d;
                    }
                    if (at - 0.4..at + 0.4).contains(&t) {
                        g += 150.0 * ((t - at + 0.4) / 0.8 * std::f64::consts::PI).sin();
                    }
                }
            }
            weights.push((plate, T0 + i * DT, g));
        }
    }
    // Walk: entry (0.5, 0.5) -> plate 10 front (1.15, 1.6) -> plate 11 front -> exit.
    let path = |t: f64| -> (f64, f64) {
        let lerp = |a: (f64, f64), b: (f64, f64), u: f64| {
            let u = u.clamp(0.0, 1.0);
            (a.0 + (b.0 - a.0) * u, a.1 + (b.1 - a.1) * u)
        };
        match t {
            t if t < 5.0 => lerp((0.5, 0.5), (1.15, 1.6), t / 5.0),
            t if t < 15.0 => (1.15, 1.6),
            t if t < 17.0 => lerp((1.15, 1.6), (1.45, 1.6), (t - 15.0) / 2.0),
            t if t < 35.0 => (1.45, 1.6),
            t => lerp((1.45, 1.6), (5.5, 0.5), (t - 35.0) / 8.0),
        }
    };
    let pos_noise = Normal::new(0.0, 0.05).unwrap();
    let positions = (0..(44 * 15))
        .map(|i| {
            let t = i as f64 / 15.0;
            let (x, y) = path(t);
            (
                T0 + (t * 1e6) as i64,
                77,
                x + pos_noise.sample(&mut rng),
                y + pos_noise.sample(&mut rng),
            )
        })
        .collect();
    let gates = vec![
        (
            1,
            T0 + 100_000,
            GateEventKind::Enter,
            Some("acct-1".to_string()),
        ),
        (2, T0 + 43_000_000, GateEventKind::Exit, None),
    ];
    Session {
        weights,
        positions,
        gates,
    }
}

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
    for c in stream.chunks(chunk) {
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
    let (p, t, g): (Vec<u32>, Vec<i64>, Vec<f64>) =
        s.weights[..100]
            .iter()
            .fold((vec![], vec![], vec![]), |mut acc, w| {
                acc.0.push(w.0);
                acc.1.push(w.1);
                acc.2.push(w.2);
                acc
            });
    e.ingest_weights(&p, &t, &g).unwrap();
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
