//! The engine over `scale-large` (1008 plates, 64 cameras at 15 fps, about 100 shoppers,
//! one hour) on one core, fed frame tick by frame tick as an integrator would: every
//! 1/15 s of sensor time, that tick's data of every modality of the sensor set is
//! ingested, then `step()` runs to the watermark. The simulator renders each tick just
//! before (its time is measured apart and reported as the peer of the same run).
//!
//! Reports: engine CPU time and × real time, the frame-tick latency distribution
//! (ingest + step; wall clock, and the thread's CPU time, which a shared machine
//! disturbs less), the simulator's CPU time for the same data, and memory
//! over the session: process RSS and the engine's own live heap (every allocation made
//! and freed inside engine calls, counted by a wrapping allocator), sampled every
//! `--sample-s` seconds of sensor time.
//!
//! Run: `cargo run --release -p walkout-benches --example engine_hour -- [--sensors all|positions|persons]
//! [--seconds 3600] [--seed 1] [--tick-hz 15] [--sample-s 300] [--snapshot FILE]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Instant;

use walkout_benches::{
    ingest_chunk, large_store, percentile, rss_bytes, stable_digest, thread_cpu_s, Prepared,
    Sensors,
};
use walkout_core::Engine;
use walkout_sim::{simulate_chunks_with, SimChunk, SimOptions};

/// Counts the bytes allocated minus freed while `IN_ENGINE` is set.
struct Counting;
static IN_ENGINE: AtomicBool = AtomicBool::new(false);
static ENGINE_BYTES: AtomicI64 = AtomicI64::new(0);
static ENGINE_PEAK: AtomicI64 = AtomicI64::new(0);

fn account(delta: i64) {
    if IN_ENGINE.load(Ordering::Relaxed) {
        let now = ENGINE_BYTES.fetch_add(delta, Ordering::Relaxed) + delta;
        ENGINE_PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as i64);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as i64));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as i64);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as i64 - layout.size() as i64);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mib(b: f64) -> f64 {
    b / (1024.0 * 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sensors_name: String = arg(&args, "--sensors", "all".to_string());
    let sensors =
        Sensors::parse(&sensors_name).unwrap_or_else(|| panic!("--sensors {sensors_name}?"));
    let seconds: f64 = arg(&args, "--seconds", 3600.0);
    let seed: u64 = arg(&args, "--seed", 1);
    let tick_hz: f64 = arg(&args, "--tick-hz", 15.0);
    let sample_s: f64 = arg(&args, "--sample-s", 300.0);

    let store = large_store();
    let options = SimOptions {
        duration_s: Some(seconds),
        ..SimOptions::default()
    };
    let sim_cpu0 = thread_cpu_s();
    let mut chunks = simulate_chunks_with(&store, "scale-large", seed, 1.0 / tick_hz, &options)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut sim_cpu = thread_cpu_s() - sim_cpu0;
    let (start_us, end_us) = (chunks.start_us(), chunks.end_us());
    let session_s = (end_us - start_us) as f64 / 1e6;
    let in_store = |t: i64| {
        chunks
            .truth()
            .shoppers
            .iter()
            .filter(|s| s.enter_us <= t && t < s.exit_us)
            .count()
    };
    let shoppers = chunks.truth().shoppers.len();
    let mut in_store_at: Vec<(i64, usize)> = Vec::new();
    let mut s = 0.0;
    while s <= session_s {
        let t = start_us + (s * 1e6) as i64;
        in_store_at.push((t, in_store(t)));
        s += sample_s;
    }

    IN_ENGINE.store(true, Ordering::Relaxed);
    let mut engine = Engine::new(store).unwrap_or_else(|e| panic!("{e}"));
    IN_ENGINE.store(false, Ordering::Relaxed);

    let mut chunk = SimChunk::default();
    let mut prepared = Prepared::default();
    let mut ticks_ms: Vec<f64> = Vec::with_capacity((session_s * tick_hz) as usize + 2);
    let mut ticks_cpu_ms: Vec<f64> = Vec::with_capacity(ticks_ms.capacity());
    let mut engine_cpu = 0.0;
    let mut rows = 0usize;
    let mut next_sample = start_us;
    // (minute, shoppers in store, RSS MiB, engine heap MiB, mean tick CPU ms since the
    // previous sample)
    let mut samples: Vec<(f64, usize, f64, f64, f64)> = Vec::new();
    let (mut interval_cpu, mut interval_ticks) = (0.0, 0usize);
    let wall0 = Instant::now();
    loop {
        let c0 = thread_cpu_s();
        let more = chunks.next_into(&mut chunk);
        prepared.prepare(&chunk);
        let c1 = thread_cpu_s();
        sim_cpu += c1 - c0;
        if !more {
            break;
        }
        let t = Instant::now();
        IN_ENGINE.store(true, Ordering::Relaxed);
        rows +=
            ingest_chunk(&mut engine, &chunk, &prepared, sensors).unwrap_or_else(|e| panic!("{e}"));
        engine.step(None).unwrap_or_else(|e| panic!("{e}"));
        IN_ENGINE.store(false, Ordering::Relaxed);
        ticks_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let dt = thread_cpu_s() - c1;
        ticks_cpu_ms.push(dt * 1e3);
        engine_cpu += dt;
        interval_cpu += dt;
        interval_ticks += 1;
        if chunk.start_us >= next_sample {
            let minute = (chunk.start_us - start_us) as f64 / 60e6;
            let n = in_store_at
                .iter()
                .rev()
                .find(|(t, _)| *t <= chunk.start_us)
                .map_or(0, |x| x.1);
            let (rss, _) = rss_bytes();
            let heap = ENGINE_BYTES.load(Ordering::Relaxed) as f64;
            let tick_ms = 1e3 * interval_cpu / interval_ticks.max(1) as f64;
            (interval_cpu, interval_ticks) = (0.0, 0);
            samples.push((minute, n, mib(rss as f64), mib(heap), tick_ms));
            next_sample += (sample_s * 1e6) as i64;
        }
    }
    let c = thread_cpu_s();
    IN_ENGINE.store(true, Ordering::Relaxed);
    engine.finish().unwrap_or_else(|e| panic!("{e}"));
    IN_ENGINE.store(false, Ordering::Relaxed);
    engine_cpu += thread_cpu_s() - c;
    let wall = wall0.elapsed().as_secs_f64();
    // `--snapshot PATH`: the engine's state at the end (JSON), to see what it holds.
    let snapshot_path: String = arg(&args, "--snapshot", String::new());
    if !snapshot_path.is_empty() {
        let bytes = engine.snapshot().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&snapshot_path, bytes).unwrap_or_else(|e| panic!("{snapshot_path}: {e}"));
    }
    let (rss, hwm) = rss_bytes();
    let stats = engine.stats();

    let mut sorted = ticks_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let mean = sorted.iter().sum::<f64>() / sorted.len().max(1) as f64;
    println!(
        "scale-large seed {seed}, {session_s:.0} s, {shoppers} shoppers, sensors `{}`, \
         ticks of 1/{tick_hz} s: {} ticks, {rows} rows ingested",
        sensors.name(),
        sorted.len()
    );
    println!(
        "engine: {engine_cpu:.2} s CPU = {:.1}x real time on one core ({:.2} M rows/s); \
         simulator, same run, same data: {sim_cpu:.2} s CPU = {:.1}x; engine / simulator {:.2}; \
         wall of the loop {wall:.1} s",
        session_s / engine_cpu,
        rows as f64 / engine_cpu / 1e6,
        session_s / sim_cpu,
        engine_cpu / sim_cpu
    );
    println!(
        "frame tick (ingest + step, wall): mean {mean:.3} ms, p50 {:.3} ms, p90 {:.3} ms, \
         p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.9),
        percentile(&sorted, 0.99),
        percentile(&sorted, 0.999),
        sorted.last().copied().unwrap_or(f64::NAN)
    );
    ticks_cpu_ms.sort_by(f64::total_cmp);
    println!(
        "frame tick (ingest + step, thread CPU): p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, \
         p99.9 {:.3} ms, max {:.3} ms",
        percentile(&ticks_cpu_ms, 0.5),
        percentile(&ticks_cpu_ms, 0.9),
        percentile(&ticks_cpu_ms, 0.99),
        percentile(&ticks_cpu_ms, 0.999),
        ticks_cpu_ms.last().copied().unwrap_or(f64::NAN)
    );
    // Where in the session the slowest ticks were.
    let mut worst: Vec<(usize, f64)> = ticks_ms.iter().copied().enumerate().collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    let worst: Vec<String> = worst
        .iter()
        .take(5)
        .map(|(i, ms)| format!("{:.1} s: {ms:.2} ms", *i as f64 / tick_hz))
        .collect();
    println!("slowest ticks: {}", worst.join(", "));
    println!(
        "memory: peak RSS {:.0} MiB (now {:.0} MiB); engine heap peak {:.1} MiB, at the end {:.1} MiB",
        mib(hwm as f64),
        mib(rss as f64),
        mib(ENGINE_PEAK.load(Ordering::Relaxed) as f64),
        mib(ENGINE_BYTES.load(Ordering::Relaxed) as f64)
    );
    println!(
        "| minute | shoppers in store | process RSS MiB | engine heap MiB | engine CPU ms / tick since the last row |"
    );
    println!("|---|---|---|---|---|");
    for (m, n, r, h, ms) in &samples {
        println!("| {m:.0} | {n} | {r:.0} | {h:.1} | {ms:.2} |");
    }
    // A digest of the results, to check that a speed change left them as they were.
    let digest =
        stable_digest(format!("{:?}{:?}", engine.shelf_events(), engine.receipts()).as_bytes());
    println!(
        "results: {} receipts, {} shelf events, digest {:016x}; late {} / {} / {}",
        stats.receipts,
        engine.shelf_events().len(),
        digest,
        stats.weights.late,
        stats.person_detections.late,
        stats.positions.late
    );
}
