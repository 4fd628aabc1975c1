//! Throughput of the engine's hot paths, each beside a peer measured in the same run:
//! the peer is the cheapest pass over the same data (summing it), so the ratio says
//! what the real work costs over merely touching the samples.
//!
//! Run: `cargo bench -p walkout-benches --bench engine`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use walkout_benches::{convenience_store, session};
use walkout_core::shelf::weight::{DetectorParams, PlateDetector};
use walkout_core::Engine;

fn detector(c: &mut Criterion) {
    let s = session("two-shoppers-putback", 3);
    let plate = s.weights.plate_id[0];
    let samples: Vec<(i64, f64)> = s
        .weights
        .plate_id
        .iter()
        .zip(&s.weights.t_us)
        .zip(&s.weights.grams)
        .filter(|((&p, _), _)| p == plate)
        .map(|((_, &t), &g)| (t, g))
        .collect();
    let mut group = c.benchmark_group("weight_detector_one_plate");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.bench_function("peer: sum of samples", |b| {
        b.iter(|| black_box(samples.iter().map(|s| s.1).sum::<f64>()))
    });
    group.bench_function("stable-state detector", |b| {
        b.iter(|| {
            let mut d = PlateDetector::new(0, DetectorParams::new(60.0, 5.0, 50.0, 0.4, 0.5));
            let mut n = 0usize;
            for &(t, g) in &samples {
                n += usize::from(d.push(t, g).is_some());
            }
            black_box(n)
        })
    });
    group.finish();
}

fn engine_session(c: &mut Criterion) {
    let s = session("two-shoppers-putback", 3);
    let store = convenience_store();
    let mut group = c.benchmark_group("engine_whole_session");
    group.sample_size(10);
    group.throughput(Throughput::Elements(s.weights.len() as u64));
    group.bench_function("peer: sum of samples", |b| {
        b.iter(|| black_box(s.weights.grams.iter().sum::<f64>()))
    });
    group.bench_function("ingest + step per second + finish", |b| {
        b.iter(|| {
            let mut e = Engine::new(store.clone()).unwrap_or_else(|e| panic!("{e}"));
            // One second of data per batch, as a live store delivers it.
            let w = &s.weights;
            let mut start = 0;
            while start < w.len() {
                let t_end = w.t_us[start] + 1_000_000;
                let end = start + w.t_us[start..].partition_point(|&t| t < t_end);
                e.ingest_weights(
                    &w.plate_id[start..end],
                    &w.t_us[start..end],
                    &w.grams[start..end],
                )
                .unwrap_or_else(|e| panic!("{e}"));
                e.step(None).unwrap_or_else(|e| panic!("{e}"));
                start = end;
            }
            let p = &s.positions;
            e.ingest_positions(&p.t_us, &p.track_id, &p.x, &p.y)
                .unwrap_or_else(|e| panic!("{e}"));
            e.finish().unwrap_or_else(|e| panic!("{e}"));
            black_box(e.shelf_events().len())
        })
    });
    group.finish();
}

criterion_group!(benches, detector, engine_session);
criterion_main!(benches);
