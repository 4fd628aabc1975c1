//! Speed of the simulator, as simulated seconds per wall-clock second (criterion's
//! "elem/s" with one element per simulated second = times real time).
//!
//! - `simulate/<scenario>`: whole sessions in the 360-plate convenience store.
//! - `scale-large/10 min`: ten minutes of the 1008-plate, 64-camera large store filling
//!   up to about 100 shoppers, streamed in one-minute chunks that are dropped (planning
//!   included), as the engine benchmark consumes them.
//!
//! The full hour of `scale-large` takes about a minute per run, too long for repeated
//! samples; time it once with
//! `cargo run --release -p walkout-sim --example scale_hour`.
//!
//! Run: `cargo bench -p walkout-benches --bench sim`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use walkout_benches::{convenience_store, large_store};
use walkout_sim::{simulate, simulate_chunks_with, SimChunk, SimOptions};

fn convenience(c: &mut Criterion) {
    let store = convenience_store();
    let mut group = c.benchmark_group("simulate");
    group.sample_size(20);
    for scenario in ["single-picks", "adversarial-crowd"] {
        let s = simulate(&store, scenario, 1).unwrap_or_else(|e| panic!("{e}"));
        let seconds = ((s.end_us - s.start_us) / 1_000_000) as u64;
        group.throughput(Throughput::Elements(seconds));
        group.bench_function(scenario, |b| {
            b.iter(|| {
                let s = simulate(&store, scenario, 1).unwrap_or_else(|e| panic!("{e}"));
                black_box(s.weights.len())
            })
        });
    }
    group.finish();
}

fn scale_large(c: &mut Criterion) {
    let store = large_store();
    let options = SimOptions {
        duration_s: Some(600.0),
        ..SimOptions::default()
    };
    let mut group = c.benchmark_group("scale-large");
    group.sample_size(10);
    group.throughput(Throughput::Elements(600));
    group.bench_function("10 min", |b| {
        let mut chunk = SimChunk::default();
        b.iter(|| {
            let mut chunks = simulate_chunks_with(&store, "scale-large", 1, 60.0, &options)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut rows = 0usize;
            while chunks.next_into(&mut chunk) {
                rows += chunk.weights.len() + chunk.person_detections.len();
            }
            black_box(rows)
        })
    });
    group.finish();
}

criterion_group!(benches, convenience, scale_large);
criterion_main!(benches);
