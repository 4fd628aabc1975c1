//! Times `scale-large` (the 1008-plate, 64-camera store with about 100 shoppers) over
//! its full hour on one core, streaming it in one-minute chunks that are counted and
//! dropped, as an engine benchmark would consume them.
//!
//! Run: `cargo run --release -p walkout-sim --example scale_hour [-- SECONDS [SEED]]`
//! (default 3600 s, seed 1). Prints planning and rendering time, the speed as a
//! multiple of real time, and a peer of the same run: summing every weight sample.

use std::time::Instant;

/// CPU time this thread has run, seconds (Linux schedstat), so that the figure does not
/// depend on what else the machine runs; None elsewhere.
fn cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

use walkout_core::StoreConfig;
use walkout_sim::{simulate_chunks_with, SimOptions};

fn main() -> Result<(), walkout_sim::SimError> {
    let mut args = std::env::args().skip(1);
    let duration_s: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3600.0);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let store = StoreConfig::from_json(include_str!("../../../examples/stores/large.json"))?;
    let options = SimOptions {
        duration_s: Some(duration_s),
        ..SimOptions::default()
    };
    let t0 = Instant::now();
    let cpu0 = cpu_s();
    let chunks = simulate_chunks_with(&store, "scale-large", seed, 60.0, &options)?;
    let plan_s = t0.elapsed().as_secs_f64();
    let session_s = (chunks.end_us() - chunks.start_us()) as f64 / 1e6;
    let truth = chunks.truth();
    let shoppers = truth.shoppers.len();
    let actions = truth.actions.len();
    // Shoppers in the store every 30 s, over the whole session and over its middle
    // (after the first 10 minutes of filling up, before the last 8 of emptying).
    let counts: Vec<(f64, usize)> = (0..(session_s as i64))
        .step_by(30)
        .map(|s| {
            let t = chunks.start_us() + s * 1_000_000;
            let n = truth
                .shoppers
                .iter()
                .filter(|x| x.enter_us <= t && t < x.exit_us)
                .count();
            (s as f64, n)
        })
        .collect();
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    let all: Vec<usize> = counts.iter().map(|c| c.1).collect();
    let middle: Vec<usize> = counts
        .iter()
        .filter(|c| c.0 >= 600.0 && c.0 < session_s - 480.0)
        .map(|c| c.1)
        .collect();
    let (mean_in_store, mean_middle) = (mean(&all), mean(&middle));
    let max_in_store = all.iter().copied().max().unwrap_or(0);
    let mut rows = [0usize; 7];
    let mut chunks = chunks;
    let mut c = walkout_sim::SimChunk::default();
    // Peer, same run: the cheapest pass over what was made (summing every weight
    // sample), timed on its own (it is inside the total too, a fraction of a percent).
    let mut peer_s = 0.0;
    let mut peer_sum = 0.0;
    while chunks.next_into(&mut c) {
        let p = Instant::now();
        peer_sum += std::hint::black_box(c.weights.grams.iter().sum::<f64>());
        peer_s += p.elapsed().as_secs_f64();
        for (r, n) in rows.iter_mut().zip([
            c.weights.len(),
            c.positions.len(),
            c.person_detections.len(),
            c.person_boxes.len(),
            c.product_detections.len(),
            c.thermal_blobs.len(),
            c.rfid_reads.len(),
        ]) {
            *r += n;
        }
    }
    let total_s = t0.elapsed().as_secs_f64();
    let cpu = cpu0.and_then(|a| cpu_s().map(|b| b - a));
    println!(
        "scale-large seed {seed}: {session_s:.0} s session, {shoppers} shoppers \
         (in the store: {mean_in_store:.0} on average, {mean_middle:.0} between the first 10 \
         and the last 8 minutes, {max_in_store} at most), {actions} actions"
    );
    println!(
        "rows: {} weight samples, {} positions, {} person detections ({} true boxes), \
         {} product detections, {} thermal blobs, {} RFID reads",
        rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6]
    );
    println!(
        "planning {plan_s:.2} s + rendering {:.2} s = {total_s:.2} s on one core: {:.1}x real time",
        total_s - plan_s,
        session_s / total_s
    );
    println!(
        "peer: summing the {} weight samples took {:.3} s ({:.0} M samples/s); simulator / peer {:.0}x (sum {:.3e})",
        rows[0],
        peer_s,
        rows[0] as f64 / peer_s / 1e6,
        total_s / peer_s,
        peer_sum
    );
    if let Some(cpu) = cpu {
        println!(
            "CPU time {cpu:.2} s: {:.1}x real time per core",
            session_s / cpu
        );
    }
    Ok(())
}
