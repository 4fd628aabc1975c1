//! Scale curves: the engine's cost per frame tick (1/15 s of sensor time: ingest every
//! modality of `SENSOR_SETS["all"]`, then `step()`; thread CPU time) as one dimension of
//! the store grows and the others stay at `scale-large`'s (100 shoppers, 64 cameras,
//! 1008 plates).
//!
//! Method. Each point simulates `scale-large` for a 900 s session (arrivals stop at
//! 420 s, so the crowd is steady from about 150 s to 420 s) and measures the ticks of
//! the window 240..420 s, after the crowd has formed; the run stops at 420 s.
//!
//! - `shoppers`: the simulator's `shoppers_in_store` option (the crowd the scenario
//!   keeps); the x value reported is the true mean number in the store over the window.
//! - `cameras`: the large store with a subset of its 8 × 8 ceiling grid (ids spread
//!   evenly through the grid), and for 128 the grid plus a mirrored copy of each camera
//!   (same place, turned half a circle about the vertical: the aisles seen from the
//!   other side).
//! - `plates`: the large store with its first gondolas only (42 plates each; 3, 6, 12
//!   gondolas) or with every plate split along the shelf into 2 or 4 narrower plates of
//!   the same product (2016, 4032 plates); stock split with them.
//!
//! Run: `cargo run --release -p walkout-benches --example scale_curves -- shoppers|cameras|plates [--seed 1]`

use walkout_benches::{ingest_chunk, large_store, percentile, thread_cpu_s, Prepared, Sensors};
use walkout_core::config::{Camera, Mat3, PlanogramEntry};
use walkout_core::{Engine, StoreConfig};
use walkout_sim::{simulate_chunks_with, SimChunk, SimOptions};

const SESSION_S: f64 = 900.0;
const WINDOW_S: (f64, f64) = (240.0, 420.0);
const TICK_HZ: f64 = 15.0;

struct Point {
    label: String,
    shoppers_mean: f64,
    rows_per_tick: f64,
    detections_per_tick: f64,
    mean_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn measure(label: String, store: StoreConfig, shoppers: Option<usize>, seed: u64) -> Point {
    let options = SimOptions {
        duration_s: Some(SESSION_S),
        shoppers_in_store: shoppers,
        ..SimOptions::default()
    };
    let mut chunks = simulate_chunks_with(&store, "scale-large", seed, 1.0 / TICK_HZ, &options)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    let start = chunks.start_us();
    let (w0, w1) = (
        start + (WINDOW_S.0 * 1e6) as i64,
        start + (WINDOW_S.1 * 1e6) as i64,
    );
    let truth = chunks.truth();
    let counts: Vec<usize> = (0..)
        .map(|i| w0 + i * 1_000_000)
        .take_while(|&t| t < w1)
        .map(|t| {
            truth
                .shoppers
                .iter()
                .filter(|s| s.enter_us <= t && t < s.exit_us)
                .count()
        })
        .collect();
    let shoppers_mean = counts.iter().sum::<usize>() as f64 / counts.len().max(1) as f64;
    let mut engine = Engine::new(store).unwrap_or_else(|e| panic!("{e}"));
    let (mut chunk, mut prepared) = (SimChunk::default(), Prepared::default());
    let mut ms = Vec::new();
    let (mut rows, mut detections) = (0usize, 0usize);
    while chunks.next_into(&mut chunk) && chunk.start_us < w1 {
        prepared.prepare(&chunk);
        let c0 = thread_cpu_s();
        let n = ingest_chunk(&mut engine, &chunk, &prepared, Sensors::All)
            .unwrap_or_else(|e| panic!("{e}"));
        engine.step(None).unwrap_or_else(|e| panic!("{e}"));
        let dt = thread_cpu_s() - c0;
        if chunk.start_us >= w0 {
            ms.push(dt * 1e3);
            rows += n;
            detections += chunk.person_detections.len();
        }
    }
    let ticks = ms.len().max(1) as f64;
    let mean_ms = ms.iter().sum::<f64>() / ticks;
    ms.sort_by(f64::total_cmp);
    Point {
        label,
        shoppers_mean,
        rows_per_tick: rows as f64 / ticks,
        detections_per_tick: detections as f64 / ticks,
        mean_ms,
        p50_ms: percentile(&ms, 0.5),
        p99_ms: percentile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(f64::NAN),
    }
}

/// `camera` turned half a circle about the vertical through its centre.
fn mirrored(camera: &Camera, id: u32) -> Camera {
    let (r, t) = (camera.rotation, camera.translation);
    // Centre C = -Rᵀ t; R' = R · diag(-1, -1, 1); t' = -R' C.
    let c: [f64; 3] = std::array::from_fn(|j| -(0..3).map(|i| r[i][j] * t[i]).sum::<f64>());
    let r2: Mat3 = std::array::from_fn(|i| [-r[i][0], -r[i][1], r[i][2]]);
    let t2 = std::array::from_fn(|i| -(0..3).map(|j| r2[i][j] * c[j]).sum::<f64>());
    Camera {
        id,
        rotation: r2,
        translation: t2,
        ..camera.clone()
    }
}

fn with_cameras(base: &StoreConfig, n: usize) -> StoreConfig {
    let mut s = base.clone();
    let all = base.cameras.clone();
    s.cameras = if n <= all.len() {
        let step = all.len() as f64 / n as f64;
        (0..n)
            .map(|i| all[(i as f64 * step) as usize].clone())
            .collect()
    } else {
        let next = all.iter().map(|c| c.id).max().unwrap_or(0) + 1;
        let extra = all
            .iter()
            .take(n - all.len())
            .enumerate()
            .map(|(i, c)| mirrored(c, next + i as u32));
        all.iter().cloned().chain(extra).collect()
    };
    s
}

fn with_gondolas(base: &StoreConfig, n: usize) -> StoreConfig {
    let mut s = base.clone();
    s.gondolas.truncate(n);
    let kept: std::collections::BTreeSet<u32> = s
        .gondolas
        .iter()
        .flat_map(|g| {
            g.shelves
                .iter()
                .flat_map(|sh| sh.plates.iter().map(|p| p.id))
        })
        .collect();
    s.planogram.retain(|e| kept.contains(&e.plate));
    s
}

/// Every plate split along its length into `parts` plates of the same product.
fn split_plates(base: &StoreConfig, parts: usize) -> StoreConfig {
    let mut s = base.clone();
    let mut next_id = 0u32;
    let mut planogram = Vec::new();
    for g in &mut s.gondolas {
        for shelf in &mut g.shelves {
            let mut plates = Vec::new();
            for p in &shelf.plates {
                // The long side of the plate's footprint is along the shelf.
                let axis = if p.max[0] - p.min[0] > p.max[1] - p.min[1] {
                    0
                } else {
                    1
                };
                let len = (p.max[axis] - p.min[axis]) / parts as f64;
                let stock: Vec<&PlanogramEntry> =
                    base.planogram.iter().filter(|e| e.plate == p.id).collect();
                for k in 0..parts {
                    let mut q = p.clone();
                    q.id = next_id;
                    q.min[axis] = p.min[axis] + k as f64 * len;
                    q.max[axis] = p.min[axis] + (k + 1) as f64 * len;
                    for e in &stock {
                        planogram.push(PlanogramEntry {
                            plate: next_id,
                            sku: e.sku.clone(),
                            count: e.count.div_ceil(parts as u32),
                        });
                    }
                    plates.push(q);
                    next_id += 1;
                }
            }
            shelf.plates = plates;
        }
    }
    s.planogram = planogram;
    s
}

fn plates_of(s: &StoreConfig) -> usize {
    s.gondolas
        .iter()
        .flat_map(|g| &g.shelves)
        .map(|sh| sh.plates.len())
        .sum()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let curve = args.first().cloned().unwrap_or_default();
    let seed: u64 = args
        .iter()
        .position(|a| a == "--seed")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let base = large_store();
    let points: Vec<Point> = match curve.as_str() {
        "shoppers" => [1usize, 10, 25, 50, 100, 150, 200]
            .iter()
            .map(|&n| measure(format!("{n}"), base.clone(), Some(n), seed))
            .collect(),
        "cameras" => [1usize, 4, 16, 32, 64, 128]
            .iter()
            .map(|&n| measure(format!("{n}"), with_cameras(&base, n), None, seed))
            .collect(),
        "plates" => {
            let stores = [
                with_gondolas(&base, 3),
                with_gondolas(&base, 6),
                with_gondolas(&base, 12),
                base.clone(),
                split_plates(&base, 2),
                split_plates(&base, 4),
            ];
            stores
                .into_iter()
                .map(|s| (plates_of(&s), s))
                .map(|(n, s)| measure(format!("{n}"), s, None, seed))
                .collect()
        }
        _ => {
            eprintln!("usage: scale_curves shoppers|cameras|plates [--seed N]");
            std::process::exit(2);
        }
    };
    println!(
        "scale-large seed {seed}, {SESSION_S} s sessions, ticks of 1/{TICK_HZ} s in \
         {:.0}..{:.0} s; engine CPU per tick (ingest + step)",
        WINDOW_S.0, WINDOW_S.1
    );
    println!(
        "| {curve} | shoppers in store (mean) | rows / tick | person detections / tick \
         | mean ms / tick | p50 | p99 | max | x real time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for p in &points {
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.3} | {:.3} | {:.3} | {:.3} | {:.0}x |",
            p.label,
            p.shoppers_mean,
            p.rows_per_tick,
            p.detections_per_tick,
            p.mean_ms,
            p.p50_ms,
            p.p99_ms,
            p.max_ms,
            1e3 / TICK_HZ / p.mean_ms
        );
    }
}
