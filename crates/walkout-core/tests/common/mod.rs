//! A small hand-built store shared by the integration tests: one shelf of four plates,
//! an entry and an exit gate, two ceiling cameras.
#![allow(dead_code)]

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use walkout_core::config::*;
use walkout_core::input::GateEventKind;
use walkout_core::test_support::store::{self as builder, plate, product};
use walkout_core::Engine;

pub const T0: i64 = 1_767_258_000_000_000;
pub const DT: i64 = 16_667;
/// A thermal camera's pixels to floor metres: 1 cm a pixel from the corner.
pub const THERMAL_HOMOGRAPHY: Mat3 = [[0.01, 0.0, 0.0], [0.0, 0.01, 0.0], [0.0, 0.0, 1.0]];

pub fn store() -> StoreConfig {
    let products = [
        ("cola", 345.0),
        ("chips", 160.0),
        ("milk", 1050.0),
        ("gum", 60.0),
    ];
    let plates = (0..4)
        .map(|i| {
            let x = 1.0 + 0.3 * i as f64;
            plate(10 + i, [x, 2.0, 0.5], [x + 0.3, 2.45, 0.75])
        })
        .collect();
    let mut b = builder::store("test", [6.0, 5.0])
        .products(products.iter().map(|&(sku, w)| Product {
            name: sku.to_uppercase(),
            weight_std_g: 3.0,
            ..product(sku, w)
        }))
        .gondola(1, "A", 1, vec![plates])
        .camera(look_at(1, [1.0, -1.0, 3.0], [2.0, 2.0, 0.8]))
        .camera(look_at(2, [4.5, 4.5, 3.0], [2.0, 1.5, 0.8]))
        .gates(1, [0.5, 0.5], [5.5, 0.5], 1.0);
    for (i, (sku, _)) in (10..).zip(products) {
        b = b.stock(i, sku, 10);
    }
    b.build()
}

/// A 1920×1080 camera at `eye` looking at `target`, with mild lens distortion.
pub fn look_at(id: u32, eye: [f64; 3], target: [f64; 3]) -> Camera {
    let norm = |v: [f64; 3]| {
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        [v[0] / n, v[1] / n, v[2] / n]
    };
    let cross = |a: [f64; 3], b: [f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let z = norm([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
    let x = norm(cross(z, [0.0, 0.0, 1.0]));
    let y = cross(z, x);
    let r = [x, y, z];
    let t = [
        -(r[0][0] * eye[0] + r[0][1] * eye[1] + r[0][2] * eye[2]),
        -(r[1][0] * eye[0] + r[1][1] * eye[1] + r[1][2] * eye[2]),
        -(r[2][0] * eye[0] + r[2][1] * eye[1] + r[2][2] * eye[2]),
    ];
    Camera {
        id,
        width: 1920,
        height: 1080,
        fps: 15.0,
        intrinsics: [[1000.0, 0.0, 960.0], [0.0, 1000.0, 540.0], [0.0, 0.0, 1.0]],
        distortion: [-0.08, 0.01, 0.0, 0.0, 0.0],
        rotation: r,
        translation: t,
    }
}

/// The shelf interactions of [`session`]: (plate id, time s, grams moved).
pub const MOVES: [(u32, f64, f64); 3] = [(10, 10.0, -345.0), (11, 20.0, -320.0), (11, 30.0, 160.0)];

/// Shopper 77 enters, takes a can from plate 10 at 10 s, two bags of chips from plate 11
/// at 20 s, puts one bag back at 30 s and leaves.
pub struct Session {
    pub weights: Vec<(u32, i64, f64)>,
    pub positions: Vec<(i64, u32, f64, f64)>,
    pub gates: Vec<(u32, i64, GateEventKind, Option<String>)>,
}

pub fn session(seed: u64) -> Session {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Normal::new(0.0, 5.0).unwrap();
    let secs = 50.0;
    let n = (secs * 60.0) as i64;
    let mut weights = Vec::new();
    for plate in 10..14u32 {
        for i in 0..n {
            let t = i as f64 / 60.0;
            let mut g = 2000.0 + noise.sample(&mut rng);
            for &(p, at, d) in &MOVES {
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

/// Ingest weight rows `(plate id, t_us, grams)` as one batch.
pub fn feed_weights(e: &mut Engine, rows: &[(u32, i64, f64)]) -> walkout_core::Result<()> {
    let plate: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let t: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let grams: Vec<f64> = rows.iter().map(|r| r.2).collect();
    e.ingest_weights(&plate, &t, &grams)
}

/// Ingest position rows `(t_us, track id, x, y)` as one batch.
pub fn feed_positions(e: &mut Engine, rows: &[(i64, u32, f64, f64)]) -> walkout_core::Result<()> {
    let t: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let id: Vec<u32> = rows.iter().map(|r| r.1).collect();
    let x: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let y: Vec<f64> = rows.iter().map(|r| r.3).collect();
    e.ingest_positions(&t, &id, &x, &y)
}

/// Ingest gate rows `(gate id, t_us, kind, token)` as one batch.
pub fn feed_gates(
    e: &mut Engine,
    rows: &[(u32, i64, GateEventKind, Option<String>)],
) -> walkout_core::Result<()> {
    let gate: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let t: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let kind: Vec<GateEventKind> = rows.iter().map(|r| r.2).collect();
    let token: Vec<Option<String>> = rows.iter().map(|r| r.3.clone()).collect();
    e.ingest_gates(&gate, &t, &kind, &token)
}
