//! Cart invariants under random shopping scripts (proptest). Two shoppers work at the
//! two ends of an 8-plate shelf, never within reach of the same plate; each picks and
//! puts back random quantities. Properties:
//! - conservation: shelf inventory + receipts = initial stock, per product;
//! - nobody pays for what the other took;
//! - a pick followed by a put-back of the same item leaves the cart unchanged;
//! - receipts equal the true net takes.

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use walkout_core::config::*;
use walkout_core::input::GateEventKind;
use walkout_core::test_support::store::product;
use walkout_core::Engine;

use common::{DT, T0};

const SKUS: [(&str, f64); 8] = [
    ("cola", 345.0),
    ("chips", 160.0),
    ("milk", 1050.0),
    ("gum", 60.0),
    ("water", 520.0),
    ("soap", 250.0),
    ("tea", 95.0),
    ("wine", 1250.0),
];

fn wide_store() -> StoreConfig {
    let mut cfg = common::store();
    cfg.floor = [8.0, 5.0];
    cfg.cameras.clear();
    cfg.products = SKUS.iter().map(|&(sku, w)| product(sku, w)).collect();
    // Plates 20..28 along x from 0.5 m, 0.6 m wide: shopper A works plates 20-21 from
    // x = 1.1, shopper B plates 26-27 from x = 4.7; 3 m apart, reach is 1.5 m.
    let plates = (0..8)
        .map(|i| Plate {
            id: 20 + i,
            min: [0.5 + 0.6 * i as f64, 2.0, 0.5],
            max: [1.1 + 0.6 * i as f64, 2.45, 0.75],
            front: Facing::NegY,
            sensor: WeightSensor {
                noise_std_g: 4.0,
                rate_hz: 60.0,
            },
        })
        .collect();
    cfg.gondolas[0].shelves[0].plates = plates;
    cfg.planogram = (0..8)
        .map(|i| PlanogramEntry {
            plate: 20 + i,
            sku: SKUS[i as usize].0.into(),
            count: 20,
        })
        .collect();
    cfg.gates[1].position = [7.5, 0.5];
    cfg
}

/// One action of the script: shopper 0 or 1, which of its two plates, pick or
/// put back, how many.
#[derive(Debug, Clone, Copy)]
struct Action {
    shopper: usize,
    plate: usize,
    put_back: bool,
    quantity: u32,
}

fn action() -> impl Strategy<Value = Action> {
    (
        0usize..2,
        0usize..2,
        proptest::bool::weighted(0.35),
        1u32..=3,
    )
        .prop_map(|(shopper, plate, put_back, quantity)| Action {
            shopper,
            plate,
            put_back,
            quantity,
        })
}

struct Outcome {
    receipts: BTreeMap<u32, BTreeMap<String, u32>>,
    inventory: BTreeMap<String, u32>,
    truth: [BTreeMap<String, u32>; 2],
}

/// Play the script: actions every 4 s; put-backs only of what that shopper holds
/// from that plate (otherwise the action is skipped, as a real shopper cannot).
fn play(script: &[Action], seed: u64) -> Outcome {
    let cfg = wide_store();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 4.0).unwrap();
    let tracks = [101u32, 202];
    let plate_of = |a: &Action| if a.shopper == 0 { a.plate } else { 6 + a.plate };
    let mut held = [[0u32; 8]; 2];
    let mut moves: Vec<(usize, f64, f64)> = Vec::new(); // (plate idx, t s, grams)
    for (i, a) in script.iter().enumerate() {
        let p = plate_of(a);
        let t = 6.0 + 4.0 * i as f64;
        let w = SKUS[p].1;
        if a.put_back {
            let q = a.quantity.min(held[a.shopper][p]);
            if q == 0 {
                continue;
            }
            held[a.shopper][p] -= q;
            moves.push((p, t, w * q as f64));
        } else {
            held[a.shopper][p] += a.quantity;
            moves.push((p, t, -w * a.quantity as f64));
        }
    }
    let end = 6.0 + 4.0 * script.len() as f64 + 8.0;
    let n = (end * 60.0) as i64;
    let mut e = Engine::new(cfg).unwrap();
    let (mut wp, mut wt, mut wg) = (vec![], vec![], vec![]);
    for (plate, &(_, unit_g)) in SKUS.iter().enumerate() {
        for i in 0..n {
            let t = i as f64 / 60.0;
            let mut g = 1500.0 + 20.0 * unit_g + noise.sample(&mut rng);
            for &(p, at, d) in &moves {
                if p == plate && t >= at {
                    g += d;
                }
                if p == plate && (at - 0.4..at + 0.4).contains(&t) {
                    g += 120.0 * ((t - at + 0.4) / 0.8 * std::f64::consts::PI).sin();
                }
            }
            wp.push(20 + plate as u32);
            wt.push(T0 + i * DT);
            wg.push(g);
        }
    }
    e.ingest_weights(&wp, &wt, &wg).unwrap();
    // A stands at x = 1.1, B at x = 4.7, both 0.4 m in front of the shelf; they walk
    // in from the entry (0.5, 0.5) and out to the exit (7.5, 0.5).
    let (mut pt, mut pid, mut px, mut py) = (vec![], vec![], vec![], vec![]);
    for (s, &x) in [1.1, 4.7].iter().enumerate() {
        for i in 0..((end * 15.0) as i64) {
            let t = i as f64 / 15.0;
            let (x, y) = if t < 2.0 {
                (0.5 + (x - 0.5) * t / 2.0, 0.5 + 1.1 * t / 2.0)
            } else if t < end - 4.0 {
                (x, 1.6)
            } else {
                let u = ((t - end + 4.0) / 3.0).min(1.0);
                (x + (7.5 - x) * u, 1.6 - 1.1 * u)
            };
            pt.push(T0 + (t * 1e6) as i64);
            pid.push(tracks[s]);
            px.push(x);
            py.push(y);
        }
    }
    e.ingest_positions(&pt, &pid, &px, &py).unwrap();
    let exit_a = T0 + ((end - 1.0) * 1e6) as i64;
    e.ingest_gates(
        &[1, 1, 2, 2],
        &[T0, T0 + 10_000, exit_a, exit_a + 10_000],
        &[
            GateEventKind::Enter,
            GateEventKind::Enter,
            GateEventKind::Exit,
            GateEventKind::Exit,
        ],
        &[Some("a".into()), Some("b".into()), None, None],
    )
    .unwrap();
    e.finish().unwrap();

    let receipts = e
        .receipts()
        .iter()
        .map(|r| {
            let lines = r
                .lines
                .iter()
                .map(|l| (l.sku.clone(), l.quantity))
                .collect();
            (r.track_id, lines)
        })
        .collect();
    let mut inventory = BTreeMap::new();
    for (_, counts) in e.inventory().plates() {
        for (&sku, &c) in counts {
            *inventory
                .entry(SKUS[sku as usize].0.to_string())
                .or_insert(0) += c;
        }
    }
    let truth = [0, 1].map(|s| {
        (0..8)
            .filter(|&p| held[s][p] > 0)
            .map(|p| (SKUS[p].0.to_string(), held[s][p]))
            .collect()
    });
    Outcome {
        receipts,
        inventory,
        truth,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn carts_are_consistent(script in proptest::collection::vec(action(), 1..8), seed in 0u64..1000) {
        let out = play(&script, seed);
        // Receipts are exactly what each shopper took net of put-backs, so nobody pays
        // for the other's items.
        prop_assert_eq!(out.receipts.get(&101).cloned().unwrap_or_default(), out.truth[0].clone());
        prop_assert_eq!(out.receipts.get(&202).cloned().unwrap_or_default(), out.truth[1].clone());
        // Conservation per product: shelves + receipts = initial stock (20 each).
        for (sku, _) in SKUS {
            let on_shelf = out.inventory.get(sku).copied().unwrap_or(0);
            let bought: u32 = out.receipts.values().map(|r| r.get(sku).copied().unwrap_or(0)).sum();
            prop_assert_eq!(on_shelf + bought, 20, "{}", sku);
        }
    }
}

#[test]
fn pick_then_put_back_leaves_the_cart_unchanged() {
    let pick = Action {
        shopper: 0,
        plate: 1,
        put_back: false,
        quantity: 2,
    };
    let back = Action {
        put_back: true,
        ..pick
    };
    let other = Action {
        shopper: 0,
        plate: 0,
        put_back: false,
        quantity: 1,
    };
    let with = play(&[other, pick, back], 3);
    let without = play(&[other], 3);
    assert_eq!(with.receipts.get(&101), without.receipts.get(&101));
    assert_eq!(with.receipts.get(&101).map(|r| r.len()), Some(1));
}
