//! Ingestion rates through the Rust API on one core, on `scale-large` data (1008 plates
//! at 60 Hz, 64 cameras at 15 fps): rows per second of one `ingest_*` call (checking
//! every row, then buffering it) and, for weights, of ingesting and stepping second by
//! second (the reorder buffer drained into the plate detectors). Tracking cost is
//! measured by `engine_hour` and `benches/tracking.py`. Peer, same run: summing one
//! column of the same rows, the cheapest pass over them.
//!
//! Run: `cargo bench -p walkout-benches --bench ingest`

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use walkout_benches::{ingest_persons, ingest_products, large_store};
use walkout_core::{Engine, StoreConfig};
use walkout_sim::{simulate_chunks_with, SimChunk, SimOptions};

/// Seconds `from..from + n` of `scale-large` seed 1 (the store has filled up by 120 s),
/// one chunk per second.
fn seconds(store: &StoreConfig, from: usize, n: usize) -> Vec<SimChunk> {
    let options = SimOptions {
        duration_s: Some(900.0),
        ..SimOptions::default()
    };
    let mut chunks = simulate_chunks_with(store, "scale-large", 1, 1.0, &options)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut c = SimChunk::default();
    for i in 0..from + n {
        if !chunks.next_into(&mut c) {
            break;
        }
        if i >= from {
            out.push(c.clone());
        }
    }
    out
}

fn engine(store: &StoreConfig) -> Engine {
    Engine::new(store.clone()).unwrap_or_else(|e| panic!("{e}"))
}

/// Benchmark `run` on a new engine of `store` each iteration (building it is not timed).
fn on_fresh_engine<R>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    store: &StoreConfig,
    mut run: impl FnMut(&mut Engine) -> R,
) {
    group.bench_function(name, |b| {
        b.iter_batched_ref(|| engine(store), &mut run, BatchSize::LargeInput)
    });
}

fn weights(c: &mut Criterion) {
    let store = large_store();
    let secs = seconds(&store, 120, 10);
    let one = &secs[0].weights;
    let total: usize = secs.iter().map(|c| c.weights.len()).sum();
    let mut group = c.benchmark_group("ingest_weights");
    group.throughput(Throughput::Elements(one.len() as u64));
    group.bench_function("peer: sum of 1 s of samples", |b| {
        b.iter(|| black_box(one.grams.iter().sum::<f64>()))
    });
    on_fresh_engine(
        &mut group,
        "ingest_weights, 1 s of 1008 plates",
        &store,
        |e| e.ingest_weights(&one.plate_id, &one.t_us, &one.grams),
    );
    group.throughput(Throughput::Elements(total as u64));
    on_fresh_engine(&mut group, "ingest + step per second, 10 s", &store, |e| {
        for c in &secs {
            let w = &c.weights;
            e.ingest_weights(&w.plate_id, &w.t_us, &w.grams)
                .unwrap_or_else(|e| panic!("{e}"));
            e.step(None).unwrap_or_else(|e| panic!("{e}"));
        }
    });
    group.finish();
}

fn detections(c: &mut Criterion) {
    let store = large_store();
    let secs = seconds(&store, 120, 10);
    let d = &secs[0].person_detections;
    let p = &secs[0].product_detections;
    let mut group = c.benchmark_group("ingest_detections");
    group.throughput(Throughput::Elements(d.len() as u64));
    group.bench_function("peer: sum of 1 s of person scores", |b| {
        b.iter(|| black_box(d.score.iter().sum::<f32>()))
    });
    on_fresh_engine(
        &mut group,
        "ingest_person_detections, 1 s of 64 cameras",
        &store,
        |e| ingest_persons(e, d),
    );
    group.throughput(Throughput::Elements(p.len() as u64));
    on_fresh_engine(&mut group, "ingest_product_detections, 1 s", &store, |e| {
        ingest_products(e, p)
    });
    group.finish();
}

criterion_group!(benches, weights, detections);
criterion_main!(benches);
